//! The rules of routing truth: the ownership ledger, the whole route table,
//! the local leg, lifecycle, the withdrawal budget and peering facts.

use super::*;
use crate::support::{att, cidr, region, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::{Action, Finding, FindingCode, Plan};

fn findings(plan: &Plan, code: FindingCode) -> Vec<&Finding> {
    plan.findings.iter().filter(|f| f.code == code).collect()
}

fn kinds_of(plan: &Plan) -> Vec<&'static str> {
    plan.actions.iter().map(|p| p.action.kind()).collect()
}

// --- The ledger -------------------------------------------------------------

#[test]
fn a_route_made_by_hand_for_a_never_tagged_vpcs_cidr_is_not_withdrawn() {
    // 10.7.0.0/16 belongs to an untagged VPC of eu-west-1; a person routed
    // it toward the managed peering. Outside the ledger: not the tool's.
    let plan = converged()
        .vpc(E, "vpc-e7", None, &["10.7.0.0/16"])
        .route(W, "10.7.0.0/16", Some(P))
        .plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
}

#[test]
fn a_deleted_vpcs_routes_are_withdrawn_because_the_ledger_recorded_them() {
    // vpc-e2 is gone from us-east-1 altogether; its route stays in the
    // ledger, which is the proof.
    let plan = converged().route(W, "10.2.0.0/16", Some(P)).ledger(W, E, &["10.2.0.0/16"]).plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.2.0.0/16".to_string())]);
    let reason = &plan.actions.iter().find(|p| p.action.kind() == "delete_route").unwrap().reason;
    assert!(reason.contains("no VPC of us-east-1 has 10.2.0.0/16"), "{reason}");
    // and its entry is released after the route
    assert!(plan.actions.iter().any(|p| matches!(&p.action,
        Action::ReleaseLedger { remove, .. } if remove == &vec![cidr("10.2.0.0/16")])));
}

#[test]
fn an_existing_route_on_the_tools_peering_for_a_wanted_cidr_is_adopted_and_nothing_else() {
    let plan = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.8.0.0/16", Some(P))
        .plan();
    let adopted: Vec<(String, Vec<Cidr>)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateLedger { region, entries, .. } => {
                Some((region.to_string(), entries.iter().map(|e| e.cidr).collect()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        adopted,
        [(W.to_string(), vec![cidr("10.0.0.0/16")]), (E.to_string(), vec![cidr("10.1.0.0/16")])]
    );
    assert_eq!(kinds_of(&plan), ["create_ledger", "create_ledger"], "no route write");
}

#[test]
fn a_stale_entry_with_no_route_is_removed_and_a_new_one_recorded_at_the_version_read() {
    let mut w = converged().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]).ledger(
        W,
        E,
        &["10.66.0.0/16"],
    );
    w.region_mut(W).ledger[0].version = 7;
    let plan = w.plan();
    let updates: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::UpdateLedger { version, add, remove, .. } => {
                Some((*version, add.iter().map(|e| e.cidr).collect::<Vec<_>>(), remove.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(updates, [(7, vec![cidr("10.2.0.0/16")], vec![cidr("10.66.0.0/16")])]);
    // The list holds 2 entries at most, and still does (2 − 1 stale + 1):
    // no resize. Without the stale entry, it grows to 2 first.
    assert!(!kinds_of(&plan).contains(&"resize_ledger"), "{:?}", plan.actions);
    let plan = converged().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]).plan();
    assert!(
        plan.actions
            .iter()
            .any(|p| matches!(&p.action, Action::ResizeLedger { max_entries: 2, .. })),
        "{:?}",
        plan.actions
    );
}

#[test]
fn ipv6_cidrs_get_a_list_of_their_own() {
    let plan = peered().vpc(E, "vpc-e6", Some("true"), &["10.6.0.0/16", "2600:1f18:6::/56"]).plan();
    let families: Vec<(String, Family)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateLedger { region, family, .. } if region.as_str() == W => {
                Some((region.to_string(), *family))
            }
            _ => None,
        })
        .collect();
    assert_eq!(families, [(W.to_string(), Family::Ipv4), (W.to_string(), Family::Ipv6)]);
}

#[test]
fn past_a_thousand_entries_the_ledger_spills_into_a_second_list() {
    let cidrs: Vec<String> =
        (0..1002).map(|i| format!("10.{}.{}.0/24", 100 + i / 256, i % 256)).collect();
    let refs: Vec<&str> = cidrs.iter().map(String::as_str).collect();
    let plan = peered().vpc(E, "vpc-e9", Some("true"), &refs).plan();
    let lists: Vec<(String, usize)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateLedger { region, name, entries, .. } if region.as_str() == W => {
                Some((name.clone(), entries.len()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        lists,
        [
            ("tgw-peering-us-east-1-ipv4-0".to_string(), 1000),
            ("tgw-peering-us-east-1-ipv4-1".to_string(), 3)
        ]
    );
}

// --- The whole route table ----------------------------------------------------

#[test]
fn a_remote_cidr_overlapping_a_route_propagated_from_a_vpc_is_a_conflict() {
    // Another account's VPC, attached to the east gateway, propagates 10.1.0.0/20.
    let plan = peered().foreign_route(E, "10.1.0.0/20", "tgw-attach-0other", "vpc", true).plan();
    assert!(!creates(&plan).iter().any(|c| c.1 == "10.1.0.0/16"), "{:?}", plan.actions);
    assert!(
        findings(&plan, FindingCode::OverlapsPropagatedRoute)
            .iter()
            .any(|f| f.subject.contains("10.1.0.0/16") && f.reason.contains("tgw-attach-0other")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn a_remote_cidr_equal_to_or_containing_a_vpn_route_is_a_conflict_but_a_wider_one_is_not() {
    for (vpn, conflict) in
        [("10.1.0.0/16", true), ("10.1.5.0/24", true), ("10.0.0.0/8", false), ("0.0.0.0/0", false)]
    {
        let plan = peered().foreign_route(E, vpn, "tgw-attach-0vpn", "vpn", true).plan();
        let created = creates(&plan).iter().any(|c| c.0 == E && c.1 == "10.1.0.0/16");
        assert_eq!(created, !conflict, "a VPN route for {vpn}: {:?}", plan.findings);
        let reported: Vec<_> =
            plan.conflicts().filter(|f| f.subject.contains("10.1.0.0/16")).collect();
        assert_eq!(!reported.is_empty(), conflict, "{vpn}: {reported:?}");
        assert!(
            reported
                .iter()
                .all(|f| f.code == FindingCode::ServedElsewhere
                    && f.reason.contains("tgw-attach-0vpn")),
            "{vpn}: {reported:?}"
        );
    }
}

#[test]
fn a_cidr_held_by_two_tagged_vpcs_of_one_region_is_advertised_by_neither() {
    let plan = peered()
        .vpc(W, "vpc-w2", Some("true"), &["100.64.0.0/16"])
        .vpc(W, "vpc-w3", Some("true"), &["100.64.0.0/16"])
        .vpc(W, "vpc-w4", Some("true"), &["100.65.0.0/16"])
        .vpc(W, "vpc-w5", Some("true"), &["100.65.8.0/24"])
        .plan();
    let mut created: Vec<String> =
        creates(&plan).into_iter().filter(|c| c.0 == E).map(|c| c.1).collect();
    created.sort();
    assert_eq!(created, ["10.1.0.0/16"]);
    let conflicts = findings(&plan, FindingCode::OverlapInRegion);
    assert!(
        conflicts.iter().any(|f| f.subject.contains("vpc-w2") && f.subject.contains("vpc-w3")),
        "{conflicts:?}"
    );
    assert!(
        conflicts.iter().any(|f| f.subject.contains("vpc-w4") && f.subject.contains("vpc-w5")),
        "{conflicts:?}"
    );
}

// --- The local leg ------------------------------------------------------------

#[test]
fn a_tagged_vpc_without_an_attachment_is_not_advertised_and_a_pending_one_is_waited_for() {
    let plan = peered()
        .vpc_unattached(E, "vpc-e2", Some("true"), &["10.2.0.0/16"])
        .vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16"])
        .attachment_state(E, "vpc-e3", "pending")
        .plan();
    let created: Vec<String> =
        creates(&plan).into_iter().filter(|c| c.0 == W).map(|c| c.1).collect();
    assert_eq!(created, ["10.0.0.0/16"]);
    assert!(
        findings(&plan, FindingCode::VpcNotAttached).iter().any(|f| f.subject.contains("vpc-e2")),
        "{:?}",
        plan.findings
    );
    assert!(
        findings(&plan, FindingCode::VpcAttachmentPending)
            .iter()
            .any(|f| f.subject.contains("vpc-e3") && f.reason.contains("pending")),
        "{:?}",
        plan.findings
    );
    assert!(!plan.is_converged(), "apply waits for the pending attachment");
    let report = plan.vpcs.iter().find(|v| v.vpc_id.as_str() == "vpc-e2").unwrap();
    assert!(report.tagged == Some(true) && report.attachment.is_none() && !report.advertised);
}

#[test]
fn routes_of_a_vpc_whose_attachment_is_being_modified_stay_in_place() {
    // vpc-e1 is routed in the west table; its attachment goes to
    // `modifying` (a subnet added): it still carries traffic, so its route
    // and ledger entry stay, and nothing new is written for it.
    for state in ["modifying", "pending"] {
        let plan = converged().attachment_state(E, "vpc-e1", state).plan();
        assert!(deletes(&plan).is_empty(), "{state}: {:?}", plan.actions);
        assert!(
            !plan.actions.iter().any(|p| matches!(p.action, Action::ReleaseLedger { .. })),
            "{state}: {:?}",
            plan.actions
        );
        assert!(
            findings(&plan, FindingCode::VpcAttachmentPending)
                .iter()
                .any(|f| f.subject.contains("vpc-e1") && f.reason.contains(state)),
            "{state}: {:?}",
            plan.findings
        );
    }
}

#[test]
fn an_advertised_vpc_without_a_local_route_is_a_warning() {
    let mut w = peered();
    // vpc-e1's attachment propagates nothing into the managed table.
    w.table(E).routes.retain(|r| r.is_static());
    let plan = w.plan();
    let warnings = findings(&plan, FindingCode::NoLocalRoute);
    assert!(
        warnings.iter().any(|f| f.subject.contains("vpc-e1") && f.reason.contains("10.0.0.0/16")),
        "{warnings:?}"
    );
    let report = plan.vpcs.iter().find(|v| v.vpc_id.as_str() == "vpc-e1").unwrap();
    assert!(report.advertised && !report.local_route);
    // It is still advertised: the west table gets its route.
    assert!(creates(&plan).iter().any(|c| c.0 == W && c.1 == "10.0.0.0/16"));
}

// --- Lifecycle ----------------------------------------------------------------

#[test]
fn the_tools_blackhole_routes_move_to_the_peering_that_replaced_a_deleted_one() {
    const NEW: &str = "tgw-attach-0002";
    let plan = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "deleted", 100)
        .peering(NEW, E, W, "available", 200)
        .associated(E, NEW)
        .associated(W, NEW)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .route(W, "10.0.0.0/16", Some("blackhole"))
        .ledger(E, W, &["10.1.0.0/16"])
        .ledger(W, E, &["10.0.0.0/16"])
        .plan();
    let mut moved: Vec<(String, String)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::ReplaceRoute {
                region,
                cidr,
                attachment_id,
                from: RouteTarget::Blackhole,
                ..
            } if attachment_id == &att(NEW) => Some((region.to_string(), cidr.to_string())),
            _ => None,
        })
        .collect();
    moved.sort();
    assert_eq!(
        moved,
        [(W.to_string(), "10.0.0.0/16".to_string()), (E.to_string(), "10.1.0.0/16".to_string())]
    );
    assert_eq!(plan.conflicts().count(), 0, "{:?}", plan.findings);
}

#[test]
fn a_blackhole_that_is_not_the_tools_stays_a_conflict() {
    let plan = peered().route(E, "10.1.0.0/16", Some("blackhole")).plan();
    assert!(!kinds_of(&plan).contains(&"replace_route"));
    assert!(
        findings(&plan, FindingCode::RouteExists).iter().any(|f| f.subject.contains("10.1.0.0/16")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn an_associating_cidr_is_waited_for_and_apply_does_not_converge() {
    let plan = converged().vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16", "10.4.0.0/16~"]).plan();
    assert!(plan.is_waiting());
    assert!(
        findings(&plan, FindingCode::CidrAssociating)
            .iter()
            .any(|f| f.subject.contains("vpc-e1") && f.reason.contains("10.4.0.0/16")),
        "{:?}",
        plan.findings
    );
    assert!(!plan.is_converged());
}

#[test]
fn routes_of_a_peer_whose_new_peering_is_not_available_yet_are_left_alone() {
    // The old peering is gone and the new one waits for its accept: the
    // tool's blackholes stay (no withdrawal, no move) until it is available.
    let plan = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "deleted", 100)
        .peering("tgw-attach-0002", E, W, "pendingAcceptance", 200)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .ledger(E, W, &["10.1.0.0/16"])
        .plan();
    assert!(
        deletes(&plan).is_empty() && !kinds_of(&plan).contains(&"replace_route"),
        "{:?}",
        plan.actions
    );
    assert!(!kinds_of(&plan).iter().any(|k| k.ends_with("ledger")), "{:?}", plan.actions);
}

// --- The withdrawal budget and the tag key -----------------------------------

fn many_withdrawn(n: usize) -> Scenario {
    let cidrs: Vec<String> = (0..n).map(|i| format!("10.50.{i}.0/24")).collect();
    let refs: Vec<&str> = cidrs.iter().map(String::as_str).collect();
    let mut w = converged().ledger(W, E, &refs);
    for c in &refs {
        w = w.route(W, c, Some(P));
    }
    w
}

#[test]
fn more_withdrawals_than_the_budget_hold_every_one_of_them() {
    // Budget max(5, 20% of 7 entries) = 5: 5 go, 6 are held.
    let plan = many_withdrawn(5).plan();
    assert_eq!(deletes(&plan).len(), 5);
    assert!(!plan.is_held());
    let plan = many_withdrawn(6).plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
    assert!(plan.is_held());
    let held = findings(&plan, FindingCode::OverBudget);
    assert!(
        held.len() == 1 && held[0].subject.contains("tgw-rtb-1") && plan.is_held(),
        "{:?}",
        plan.findings
    );
    // Each of the 6 is kept, over the budget.
    let kept = findings(&plan, FindingCode::KeptOverBudget);
    assert_eq!(kept.len(), 6, "{:?}", plan.findings);
    assert!(kept.iter().all(|f| f.subject.contains("10.50.")), "{kept:?}");
    // No entry of a held route is released.
    assert!(!kinds_of(&plan).contains(&"release_ledger"));
    // MAX_WITHDRAWALS (or apply --allow-withdrawals) lets them through.
    let plan = many_withdrawn(6).configure(|c| c.max_withdrawals = Some(6)).plan();
    assert_eq!(deletes(&plan).len(), 6);
}

#[test]
fn a_ledger_written_under_another_tag_key_holds_every_route_write_of_its_region() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .ledger(E, W, &["10.1.0.0/16"])
        .ledger_with(W, E, "team:transit", &["10.0.0.0/16", "10.2.0.0/16"])
        .vpc(E, "vpc-e2", Some("true"), &["10.3.0.0/16"]);
    let plan = w.plan();
    assert!(plan.actions.iter().all(|p| p.action.region().as_str() != W), "{:?}", plan.actions);
    // The reason names both tag keys: the ledger's and this run's.
    let held = findings(&plan, FindingCode::OtherTagKey);
    assert!(
        held.iter().any(|f| f.subject.contains("pl-euwest10")
            && f.reason.contains("team:transit")
            && f.reason.contains("addToTransitGateway")),
        "{held:?}"
    );
    // The other Region goes on: nothing is wanted there that is missing.
    assert!(plan.actions.iter().all(|p| p.action.region().as_str() == E));
}

// --- Peering facts --------------------------------------------------------------

#[test]
fn a_peering_associated_with_another_table_is_a_finding_not_an_error() {
    let mut w = converged();
    w.table(W).associations.remove(&att(P));
    w.region_mut(W).attachments.push(TgwAttachment {
        id: att(P),
        kind: AttachmentKind::Peering,
        resource_id: "tgw-0".into(),
        owner: None,
        state: "available".into(),
        association: Some(Association {
            route_table_id: RouteTableId::parse("tgw-rtb-other").unwrap(),
            state: "associated".into(),
        }),
        ipv6_support: None,
    });
    let plan = w.plan();
    assert!(!kinds_of(&plan).contains(&"associate_route_table"), "{:?}", plan.actions);
    assert!(
        findings(&plan, FindingCode::AssociatedElsewhere)
            .iter()
            .any(|f| f.subject.contains(P) && f.reason.contains("tgw-rtb-other")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn the_tools_peering_in_the_default_table_moves_to_the_configured_one() {
    let mut w = converged().configure(|c| {
        c.route_table_ids.insert(region(W), RouteTableId::parse("tgw-rtb-1").unwrap());
    });
    // The default association table of west is another one.
    w.region_mut(W).transit_gateways[0].default_association_route_table =
        Some(RouteTableId::parse("tgw-rtb-default").unwrap());
    w.table(W).associations.remove(&att(P));
    w.region_mut(W).attachments.push(TgwAttachment {
        id: att(P),
        kind: AttachmentKind::Peering,
        resource_id: "tgw-0".into(),
        owner: None,
        state: "available".into(),
        association: Some(Association {
            route_table_id: RouteTableId::parse("tgw-rtb-default").unwrap(),
            state: "associated".into(),
        }),
        ipv6_support: None,
    });
    let plan = w.plan();
    assert!(plan.actions.iter().any(|p| matches!(&p.action,
        Action::DisassociateRouteTable { route_table_id, .. } if route_table_id.as_str() == "tgw-rtb-default")));
}
