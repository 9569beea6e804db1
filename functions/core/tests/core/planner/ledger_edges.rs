//! The ledger's edges: lists of a Region left out of the configuration,
//! routes moved onto peerings the tool does not manage, covering routes of
//! the tool's, CIDRs that move between peer Regions, and busy lists.

use std::collections::BTreeMap;

use super::*;
use crate::support::{att, cidr, region, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::{Action, FindingCode, Plan};

const S: &str = "ap-south-1";

/// The route writes (create, replace, delete) of `c`.
fn route_writes_of(plan: &Plan, c: &str) -> Vec<&'static str> {
    plan.actions
        .iter()
        .filter(|p| match &p.action {
            Action::CreateRoute { cidr: x, .. }
            | Action::ReplaceRoute { cidr: x, .. }
            | Action::DeleteRoute { cidr: x, .. } => *x == cidr(c),
            _ => false,
        })
        .map(|p| p.action.kind())
        .collect()
}

/// The CIDRs the plan takes out of the ledger list of `peer` in `r`.
fn removed_from(plan: &Plan, s: &Scenario, r: &str, peer: &str) -> Vec<Cidr> {
    let lists: Vec<&PrefixListId> = s.observed.regions[&region(r)]
        .ledger
        .iter()
        .filter(|l| l.peer == region(peer))
        .map(|l| &l.id)
        .collect();
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::UpdateLedger { prefix_list_id, remove, .. }
            | Action::ReleaseLedger { prefix_list_id, remove, .. }
                if lists.contains(&prefix_list_id) =>
            {
                Some(remove.clone())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn a_ledger_list_of_a_region_left_out_of_peering_regions_is_left_alone() {
    // ap-south-1 was managed once: its list in eu-west-1 still records
    // 10.30.0.0/16, whose route is a blackhole now.
    let s = converged().ledger(W, S, &["10.30.0.0/16"]).route(W, "10.30.0.0/16", Some("blackhole"));
    let plan = s.plan();
    assert!(route_writes_of(&plan, "10.30.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(removed_from(&plan, &s, W, S).is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::ListOfUnmanagedRegion && f.region == Some(region(W))),
        "{:?}",
        plan.findings
    );
}

#[test]
fn a_route_of_the_tools_moved_onto_a_peering_to_an_unmanaged_region_is_not_moved_back() {
    const APS: &str = "tgw-attach-0aps";
    let mut s = converged();
    let by_hand = PeeringAttachment {
        id: att(APS),
        requester: s.gw(W),
        accepter: GatewayRef {
            region: region(S),
            transit_gateway_id: TransitGatewayId::parse("tgw-9").unwrap(),
            account_id: None,
        },
        states: [(region(W), PeeringState::Available)].into_iter().collect(),
        created_at: Some(50),
        tags: BTreeMap::new(),
    };
    s.region_mut(W).peerings.push(by_hand);
    // Someone pointed the tool's route for vpc-e1 at it.
    let plan = s.route(W, "10.0.0.0/16", Some(APS)).plan();
    assert!(route_writes_of(&plan, "10.0.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::PointedElsewhere && f.subject.contains("10.0.0.0/16")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn a_covering_route_of_the_tools_that_nothing_wants_is_withdrawn_not_taken_as_cover() {
    // vpc-e1 (10.0.0.0/16, routed in the west table) is untagged; vpc-e2
    // (10.0.4.0/22) is tagged. The /16 no longer stands for anything.
    let plan = converged()
        .vpc(E, "vpc-e1", None, &["10.0.0.0/16"])
        .vpc(E, "vpc-e2", Some("true"), &["10.0.4.0/22"])
        .plan();
    assert_eq!(route_writes_of(&plan, "10.0.4.0/22"), ["create_route"]);
    assert_eq!(route_writes_of(&plan, "10.0.0.0/16"), ["delete_route"]);
}

#[test]
fn a_cidr_that_moved_to_another_peer_region_keeps_the_new_entry() {
    // 10.50.0.0/16 belonged to eu-west-1, now to ap-south-1; the east
    // route moved and both lists hold the CIDR (the old list read last).
    const P2: &str = "tgw-attach-0002";
    let s = Scenario::new(&[E, W, S])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(S, "vpc-a1", Some("true"), &["10.50.0.0/16"])
        .peering(P, E, W, "available", 100)
        .peering(P2, E, S, "available", 100)
        .associated(E, P)
        .associated(W, P)
        .associated(E, P2)
        .associated(S, P2)
        .route(E, "10.1.0.0/16", Some(P))
        .route(E, "10.50.0.0/16", Some(P2))
        .ledger(E, S, &["10.50.0.0/16"])
        .ledger(E, W, &["10.1.0.0/16", "10.50.0.0/16"]);
    let plan = s.plan();
    assert!(route_writes_of(&plan, "10.50.0.0/16").iter().all(|k| *k != "delete_route"));
    assert!(!removed_from(&plan, &s, E, S).contains(&cidr("10.50.0.0/16")), "{:?}", plan.actions);
    assert!(removed_from(&plan, &s, E, W).contains(&cidr("10.50.0.0/16")), "{:?}", plan.actions);
}

#[test]
fn new_entries_for_a_busy_list_wait_with_their_routes_instead_of_spilling() {
    let mut s = converged().vpc(E, "vpc-e5", Some("true"), &["10.5.0.0/16"]);
    for list in &mut s.region_mut(W).ledger {
        list.state = "modify-in-progress".into();
    }
    let plan = s.plan();
    assert!(
        !plan.actions.iter().any(|p| matches!(p.action, Action::CreateLedger { .. })),
        "{:?}",
        plan.actions
    );
    assert!(route_writes_of(&plan, "10.5.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::RouteAwaitsLedgerEntry
            && f.region == Some(region(W))
            && f.subject.contains("10.5.0.0/16")),
        "{:?}",
        plan.findings
    );
    assert!(!plan.is_converged(), "apply comes back for it");
}

#[test]
fn a_route_of_the_tools_whose_target_is_not_reported_keeps_its_entry() {
    // 10.2.0.0/16 is in the ledger; its VPC is gone, and AWS reports no
    // target for the route.
    let s = converged().route(W, "10.2.0.0/16", None).ledger(W, E, &["10.2.0.0/16"]);
    let plan = s.plan();
    assert!(route_writes_of(&plan, "10.2.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(!removed_from(&plan, &s, W, E).contains(&cidr("10.2.0.0/16")), "{:?}", plan.actions);
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::TargetUnreported && f.subject.contains("10.2.0.0/16")),
        "{:?}",
        plan.findings
    );
}
