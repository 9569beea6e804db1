//! The planner's safety properties on random worlds.

use super::*;

#[test]
fn no_route_inside_protected_cidrs_is_ever_deleted() {
    let t = planner_property("protected CIDRs", 3, None, |o, plan, t| {
        for w in route_writes(plan).iter().filter(|w| w.delete) {
            prop_assert!(!o.config.is_protected(&w.cidr), "{} deleted", w.cidr);
        }
        // The routes this property is about: protected, toward a managed
        // peering, and otherwise the tool's to remove.
        for (region, routes) in &o.routes {
            for (c, target) in routes {
                let RouteTarget::Attachment(id) = target else {
                    continue;
                };
                if let Some((peer, true)) = o.peer(id, region) {
                    let removable = o.withdrawn[&peer].contains(c) || o.config.prune_routes;
                    if removable && o.config.is_protected(c) {
                        t.add("protected routes kept", 1);
                    }
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
    assert!(
        t.get("deletes") > 0 && t.get("protected routes kept") > 0,
        "{t}"
    );
    assert!(t.get("VPC route deletes") > 0, "{t}");
}

#[test]
fn without_prune_routes_only_routes_proven_owned_by_an_untagged_vpc_are_deleted() {
    let t = planner_property("PRUNE_ROUTES off", 4, Some(false), |o, plan, t| {
        let writes = route_writes(plan);
        for (w, attachment) in peering_writes(&writes).filter(|(w, _)| w.delete) {
            let Some((peer, true)) = o.peer(attachment, w.region) else {
                return Err(TestCaseError::fail(format!(
                    "{} deleted from {}: {attachment} is not a managed peering of it",
                    w.cidr, w.region
                )));
            };
            prop_assert!(
                o.withdrawn[&peer].contains(&w.cidr),
                "{} deleted from {} toward {peer}, where no untagged VPC proves it",
                w.cidr,
                w.region
            );
        }
        // A VPC route goes only when it is provably the tool's, PRUNE_ROUTES
        // or not: made by CreateRoute toward the Region's gateway, over a
        // managed peering available on this side, and its CIDR withdrawn in
        // that peer Region (tagged nowhere), or the table's VPC untagged.
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
            let vpc_tagged = o.vpcs.get(&table.vpc_id).is_some_and(|v| v.0);
            let proven = o.config.regions.iter().filter(|p| *p != w.region).any(|p| {
                o.available(w.region, p, true)
                    && ((o.withdrawn[p].contains(&w.cidr) && !o.tagged_anywhere(&w.cidr))
                        || (!vpc_tagged && o.owners(w.region, &w.cidr).any(|q| q == p)))
            });
            prop_assert!(proven, "{} deleted from {} unproven", w.cidr, table.id);
        }
        // The routes kept for want of proof.
        for (region, routes) in &o.routes {
            for (c, target) in routes {
                if let RouteTarget::Attachment(id) = target {
                    if let Some((peer, true)) = o.peer(id, region) {
                        if !o.withdrawn[&peer].contains(c) && !o.tagged[&peer].contains(c) {
                            t.add("unproven routes", 1);
                        }
                    }
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (b) PRUNE_ROUTES off: {} random worlds, {} transit gateway route deletes, each \
         toward a managed peering and of a CIDR an untagged VPC (or a withdrawn block) of the peer \
         Region proves; {} routes to managed peerings matching no VPC, none deleted; {} VPC route \
         deletes, each of a route made by CreateRoute toward the Region's gateway and proven the \
         tool's",
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

/// No transit gateway route is created or deleted for a CIDR in any
/// conflict: a tagged CIDR that overlaps another Region's, or a remote CIDR
/// that overlaps a CIDR of any VPC (tagged or not) of the table's own Region,
/// whose traffic a static route would take. No route is created over an
/// existing one.
#[test]
fn no_route_is_created_or_deleted_for_a_cidr_in_conflict() {
    let t = planner_property("conflicts", 5, None, |o, plan, t| {
        let marks = conflict_marks(plan);
        t.add("conflicts", marks.len());
        let writes = route_writes(plan);
        for (w, attachment) in peering_writes(&writes) {
            let (peer, _) = o
                .peer(attachment, w.region)
                .ok_or_else(|| TestCaseError::fail(format!("{attachment} is no peering")))?;
            prop_assert!(
                !o.overlapping.contains(&(peer.clone(), w.cidr)),
                "{} written in {} toward {peer}, where it overlaps another Region's",
                w.cidr,
                w.region
            );
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
                !o.local[w.region].iter().any(|c| c.overlaps(&w.cidr)),
                "{} created in {} over a CIDR of one of its own VPCs",
                w.cidr,
                w.region
            );
            prop_assert!(
                !o.routes[w.region].contains_key(&w.cidr),
                "{} created in {} over an existing static route",
                w.cidr,
                w.region
            );
            prop_assert!(o.tagged[&peer].contains(&w.cidr));
            let elsewhere = o
                .tagged
                .iter()
                .filter(|(q, _)| **q != peer)
                .any(|(_, cs)| cs.iter().any(|c| c.overlaps(&w.cidr)));
            prop_assert!(
                !elsewhere,
                "{} overlaps a tagged CIDR of another Region",
                w.cidr
            );
        }
        // A VPC route is created only in a table that serves subnets, of a
        // tagged VPC, already routing to the gateway, for a peer's tagged CIDR
        // outside any overlap, and never over an existing route of any kind.
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
            prop_assert!(
                !w.cidr.is_ipv6() || vpc_ipv6,
                "IPv6 {} in an IPv4 VPC",
                w.cidr
            );
        }
        Ok(())
    });
    println!(
        "planner (c) conflicts: {} random worlds, {} conflicting routes reported; {} transit \
         gateway route creates and {} deletes, none of a CIDR in conflict, none over an existing \
         static route or a CIDR of the Region's own VPCs; {} VPC route creates, none over an \
         existing route or of an overlapping CIDR",
        t.get("worlds"),
        t.get("conflicts"),
        t.get("creates"),
        t.get("deletes"),
        t.get("VPC route creates"),
    );
    assert!(t.get("conflicts") > 0 && t.get("creates") > 0, "{t}");
    assert!(t.get("VPC route creates") > 0, "{t}");
}

#[test]
fn routes_to_anything_but_a_managed_peering_or_made_by_others_are_never_written() {
    let t = planner_property("unmanaged targets", 6, None, |o, plan, t| {
        let writes = route_writes(plan);
        for (w, attachment) in peering_writes(&writes) {
            match o.routes[w.region].get(&w.cidr) {
                None => prop_assert!(!w.delete, "{} deleted but never read", w.cidr),
                Some(target) => {
                    prop_assert!(w.delete, "{} created over a static route", w.cidr);
                    prop_assert_eq!(target, &RouteTarget::Attachment(attachment.clone()));
                    prop_assert!(
                        o.is_managed_peering(target),
                        "{} deleted toward {:?}",
                        w.cidr,
                        target
                    );
                }
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
        for routes in o.routes.values() {
            let others = routes.values().filter(|t| !o.is_managed_peering(t)).count();
            t.add("routes to other targets", others);
        }
        for (table, region) in o.vpc_tables.values().filter_map(|t| {
            let region = o
                .gateways
                .iter()
                .find(|(_, g)| t.routes_to(g))
                .map(|(r, _)| r)?;
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
        "planner (d) routes not the tool's: {} random worlds, {} static routes toward an unmanaged \
         peering, another attachment, a blackhole or an unknown target, none written; every one \
         of {} deletes names a static route read toward a managed peering; in VPC route tables \
         routing to the gateway, {} propagated routes and {} others not the tool's (local, of \
         unknown origin or toward another target), none written ({} VPC route creates, {} \
         deletes)",
        t.get("worlds"),
        t.get("routes to other targets"),
        t.get("deletes"),
        t.get("propagated VPC routes"),
        t.get("other VPC routes"),
        t.get("VPC route creates"),
        t.get("VPC route deletes"),
    );
    assert!(
        t.get("routes to other targets") > 0 && t.get("deletes") > 0,
        "{t}"
    );
    assert!(
        t.get("propagated VPC routes") > 0 && t.get("other VPC routes") > 0,
        "{t}"
    );
}
