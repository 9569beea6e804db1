//! The planner's safety properties on random worlds.

use super::*;

#[test]
fn no_route_inside_protected_cidrs_is_ever_deleted() {
    let t = planner_property("protected CIDRs", 3, None, |o, plan, t| {
        for w in route_writes(plan).iter().filter(|w| w.delete) {
            prop_assert!(!o.config.is_protected(&w.cidr), "{} deleted", w.cidr);
        }
        // The routes this property is about: protected, and otherwise the
        // tool's to remove (in the ledger, or prunable).
        for (region, routes) in &o.routes {
            for (c, target) in routes {
                let owned = o.ledger[region].contains(c);
                let prunable = o.config.prune_routes && o.is_managed_peering(target);
                if (owned || prunable) && o.config.is_protected(c) && !o.wanted_anywhere(c) {
                    t.add("protected routes kept", 1);
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (a) PROTECTED_CIDRS: {} random worlds, {} transit gateway and {} VPC route \
         deletes, none inside PROTECTED_CIDRS; {} protected transit gateway routes that would \
         otherwise go were kept",
        t.get("worlds"),
        t.get("deletes"),
        t.get("VPC route deletes"),
        t.get("protected routes kept")
    );
    assert!(t.get("deletes") > 0 && t.get("protected routes kept") > 0, "{t}");
    assert!(t.get("VPC route deletes") > 0, "{t}");
}

#[test]
fn without_prune_routes_only_routes_in_the_ledger_are_deleted() {
    let t = planner_property("PRUNE_ROUTES off", 4, Some(false), |o, plan, t| {
        let writes = route_writes(plan);
        for w in peering_writes(&writes).filter(|w| w.delete) {
            prop_assert!(
                o.ledger[w.region].contains(&w.cidr),
                "{} deleted from {}, but the ledger does not record it",
                w.cidr,
                w.region
            );
        }
        // A VPC route goes only when it is provably the tool's: made by
        // CreateRoute toward the Region's gateway, and in the ledger.
        for (w, tgw, table) in vpc_writes(o, &writes)?.into_iter().filter(|v| v.0.delete) {
            let route = table.routes.iter().find(|r| r.cidr == w.cidr);
            let own = VpcRouteTarget::TransitGateway(o.gateways[w.region].clone());
            prop_assert!(
                route.is_some_and(|r| r.is_created() && r.target == own)
                    && *tgw == o.gateways[w.region],
                "{} deleted from {}: {route:?}",
                w.cidr,
                table.id
            );
            prop_assert!(
                o.ledger[w.region].contains(&w.cidr),
                "{} deleted from {}, not in the ledger",
                w.cidr,
                table.id
            );
        }
        // The routes kept for want of proof: toward a managed peering,
        // wanted by nothing, outside the ledger.
        for (region, routes) in &o.routes {
            for (c, target) in routes {
                if o.is_managed_peering(target)
                    && !o.ledger[region].contains(c)
                    && !o.wanted_anywhere(c)
                {
                    t.add("unproven routes", 1);
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (b) PRUNE_ROUTES off: {} random worlds, {} transit gateway route deletes, each \
         of a CIDR the Region's ledger records; {} routes to managed peerings outside the ledger \
         that nothing wants, none deleted; {} VPC route deletes, each of a route made by \
         CreateRoute toward the Region's gateway and in the ledger",
        t.get("worlds"),
        t.get("deletes"),
        t.get("unproven routes"),
        t.get("VPC route deletes"),
    );
    assert!(t.get("deletes") > 0 && t.get("unproven routes") > 0, "{t}");
    assert!(t.get("VPC route deletes") > 0, "{t}");
}

/// (Region, CIDR) marked Conflict in the plan's route reports.
pub(super) fn conflict_marks(plan: &Plan) -> BTreeSet<(Region, Cidr)> {
    plan.tables
        .iter()
        .flat_map(|t| {
            t.routes
                .iter()
                .filter(|r| r.mark == RouteMark::Conflict)
                .map(|r| (t.region.clone(), r.cidr))
        })
        .collect()
}

/// No transit gateway route is created, moved or deleted for a CIDR in any
/// conflict: an advertised CIDR that overlaps another one, or a remote CIDR
/// that overlaps a CIDR of any VPC of the table's own Region or a route
/// propagated there. No route is created over an existing one.
#[test]
fn no_route_is_created_or_deleted_for_a_cidr_in_conflict() {
    let t = planner_property("conflicts", 5, None, |o, plan, t| {
        let marks = conflict_marks(plan);
        t.add("conflicts", marks.len());
        let writes = route_writes(plan);
        for w in peering_writes(&writes) {
            let marked = marks.contains(&(w.region.clone(), w.cidr));
            let in_overlap = o.overlapping.iter().any(|(_, c)| *c == w.cidr);
            prop_assert!(
                !marked && !in_overlap,
                "{} {} in {} though it is in a conflict",
                if w.delete { "deleted" } else { "created" },
                w.cidr,
                w.region
            );
            if w.delete {
                continue;
            }
            prop_assert!(
                !o.local.get(w.region).is_some_and(|l| l.iter().any(|c| c.overlaps(&w.cidr))),
                "{} routed in {} over a CIDR of one of its own VPCs",
                w.cidr,
                w.region
            );
            prop_assert!(
                !o.propagated[w.region].iter().any(|c| w.cidr.contains(c)),
                "{} routed in {} over a propagated route",
                w.cidr,
                w.region
            );
            let owners: Vec<&Region> = o.owners(w.region, &w.cidr).collect();
            prop_assert!(!owners.is_empty(), "{} is advertised by no peer", w.cidr);
        }
        // A VPC route is created only in a table that serves subnets, of a
        // tagged VPC, already routing to the gateway, for a peer's advertised
        // CIDR outside any overlap, and never over an existing route.
        for (w, _, table) in vpc_writes(o, &writes)?.into_iter().filter(|v| !v.0.delete) {
            let (vpc_tagged, vpc_ipv6) = o.vpcs.get(&table.vpc_id).copied().unwrap_or_default();
            prop_assert!(
                table.serves_subnets && vpc_tagged && table.routes_to(&o.gateways[w.region])
            );
            prop_assert!(
                !table.routes.iter().any(|r| r.cidr == w.cidr),
                "{} created over a route of {}",
                w.cidr,
                table.id
            );
            let mut owners = o.owners(w.region, &w.cidr);
            prop_assert!(
                owners.any(|p| o.available(w.region, p, false)),
                "{} is no peer's over an available peering",
                w.cidr
            );
            prop_assert!(!w.cidr.is_ipv6() || vpc_ipv6, "IPv6 {} in an IPv4 VPC", w.cidr);
        }
        Ok(())
    });
    println!(
        "planner (c) conflicts: {} random worlds, {} conflicting routes reported; {} transit \
         gateway route creates, {} moves and {} deletes, none of a CIDR in conflict, none over a \
         CIDR of the Region's own VPCs or a propagated route; {} VPC route creates, none over an \
         existing route or of an overlapping CIDR",
        t.get("worlds"),
        t.get("conflicts"),
        t.get("creates"),
        t.get("moves"),
        t.get("deletes"),
        t.get("VPC route creates"),
    );
    assert!(t.get("conflicts") > 0 && t.get("creates") > 0, "{t}");
    assert!(t.get("VPC route creates") > 0, "{t}");
}

#[test]
fn routes_that_are_not_the_tools_are_never_written() {
    let t = planner_property("unmanaged targets", 6, None, |o, plan, t| {
        let writes = route_writes(plan);
        for w in peering_writes(&writes) {
            let read = o.routes[w.region].get(&w.cidr);
            match (&w.via, read) {
                (Via::Peering(a), existing) => {
                    prop_assert!(existing.is_none(), "{} created over {existing:?}", w.cidr);
                    prop_assert!(o.peer(a, w.region).is_some(), "{} created toward {a}", w.cidr);
                }
                (Via::Moved(_) | Via::Deleted(_), None) => {
                    return Err(TestCaseError::fail(format!("{} changed but never read", w.cidr)))
                }
                (Via::Moved(a), Some(_)) => {
                    prop_assert!(
                        o.ledger[w.region].contains(&w.cidr),
                        "{} moved, not in the ledger",
                        w.cidr
                    );
                    prop_assert!(o.peer(a, w.region).is_some(), "{} moved toward {a}", w.cidr);
                }
                (Via::Deleted(target), Some(read)) => {
                    prop_assert_eq!(*target, read);
                    prop_assert!(
                        o.ledger[w.region].contains(&w.cidr) || o.is_managed_peering(read),
                        "{} deleted toward {read:?}",
                        w.cidr
                    );
                }
                (Via::Gateway(..), _) => {}
            }
        }
        let own = |r: &Region| VpcRouteTarget::TransitGateway(o.gateways[r].clone());
        for (w, _, table) in vpc_writes(o, &writes)? {
            match table.routes.iter().find(|r| r.cidr == w.cidr) {
                None => prop_assert!(!w.delete, "{} deleted but never read", w.cidr),
                Some(route) => {
                    prop_assert!(w.delete, "{} created over {route:?}", w.cidr);
                    prop_assert!(
                        route.is_created() && route.target == own(w.region),
                        "{route:?} deleted"
                    );
                }
            }
        }
        for (region, routes) in &o.routes {
            let others = routes
                .iter()
                .filter(|(c, t)| !o.is_managed_peering(t) && !o.ledger[region].contains(c))
                .count();
            t.add("routes to other targets", others);
            t.add("propagated routes", o.propagated[region].len());
        }
        for (table, region) in o.vpc_tables.values().filter_map(|t| {
            let region = o.gateways.iter().find(|(_, g)| t.routes_to(g)).map(|(r, _)| r)?;
            Some((t, region))
        }) {
            for r in &table.routes {
                if r.origin == "EnableVgwRoutePropagation" {
                    t.add("propagated VPC routes", 1);
                } else if !r.is_created() || r.target != own(region) {
                    t.add("other VPC routes", 1);
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (d) routes not the tool's: {} random worlds, {} static routes outside the ledger \
         toward an unmanaged peering, another attachment, a blackhole or an unknown target, and \
         {} propagated routes, none written; every one of {} deletes and {} moves names a static \
         route read, in the ledger (or, pruned, toward a managed peering); in VPC route tables \
         routing to the gateway, {} propagated routes and {} others not the tool's, none written \
         ({} VPC route creates, {} deletes)",
        t.get("worlds"),
        t.get("routes to other targets"),
        t.get("propagated routes"),
        t.get("deletes"),
        t.get("moves"),
        t.get("propagated VPC routes"),
        t.get("other VPC routes"),
        t.get("VPC route creates"),
        t.get("VPC route deletes"),
    );
    assert!(
        t.get("routes to other targets") > 0 && t.get("deletes") > 0 && t.get("moves") > 0,
        "{t}"
    );
    assert!(t.get("propagated VPC routes") > 0 && t.get("other VPC routes") > 0, "{t}");
}

/// The ledger's own safety: every route the plan creates or moves has its
/// entry (read, or added by the plan's ledger writes); no entry a route
/// still needs is removed; no table loses more routes than its budget.
#[test]
fn every_route_written_is_recorded_first_and_no_table_exceeds_its_budget() {
    let t = planner_property("ledger", 7, None, |o, plan, t| {
        let writes = route_writes(plan);
        let mut added: BTreeMap<&Region, BTreeSet<Cidr>> = BTreeMap::new();
        let mut removed: BTreeMap<&Region, BTreeSet<Cidr>> = BTreeMap::new();
        for p in &plan.actions {
            match &p.action {
                Action::CreateLedger { region, entries, .. } => {
                    added.entry(region).or_default().extend(entries.iter().map(|e| e.cidr))
                }
                Action::UpdateLedger { region, add, remove, .. } => {
                    added.entry(region).or_default().extend(add.iter().map(|e| e.cidr));
                    removed.entry(region).or_default().extend(remove.iter().copied());
                }
                Action::ReleaseLedger { region, remove, .. } => {
                    removed.entry(region).or_default().extend(remove.iter().copied())
                }
                _ => {}
            }
        }
        for w in writes.iter().filter(|w| !w.delete) {
            let recorded = o.ledger[w.region].contains(&w.cidr)
                || added.get(w.region).is_some_and(|a| a.contains(&w.cidr));
            prop_assert!(recorded, "{} written in {} without a ledger entry", w.cidr, w.region);
            let dropped = removed.get(w.region).is_some_and(|r| r.contains(&w.cidr))
                && !added.get(w.region).is_some_and(|a| a.contains(&w.cidr));
            prop_assert!(!dropped, "{}'s entry removed while the plan writes its route", w.cidr);
            t.add("routes recorded", 1);
        }
        let mut per_table: BTreeMap<String, usize> = BTreeMap::new();
        for p in plan.actions.iter().filter(|p| p.action.is_withdrawal()) {
            let table = p.action.route_change().map(|c| c.table.to_string()).unwrap_or_default();
            *per_table.entry(table).or_default() += 1;
        }
        for (region, cidrs) in &o.ledger {
            let limit = 5.max(cidrs.len().div_ceil(5));
            for (table, n) in per_table.iter().filter(|(tb, _)| o.table_region(tb) == Some(region))
            {
                prop_assert!(*n <= limit, "{n} withdrawals from {table}, budget {limit}");
            }
        }
        t.add(
            "held",
            plan.findings
                .iter()
                .filter(|f| f.kind() == tgw_peering_core::FindingKind::Held)
                .count(),
        );
        Ok(())
    });
    println!(
        "planner (e) ledger: {} random worlds, {} routes created or moved, each recorded in the \
         ledger first and none whose entry the plan removes; no table over its withdrawal budget \
         ({} tables held)",
        t.get("worlds"),
        t.get("routes recorded"),
        t.get("held"),
    );
    assert!(t.get("routes recorded") > 0, "{t}");
}
