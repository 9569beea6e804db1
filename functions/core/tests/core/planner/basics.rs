//! Peerings, routes both ways, tags, supernets and overlaps.

use super::*;
use crate::support::{att, cidr, region, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::{Action, FindingCode, RouteMark};

#[test]
fn a_fresh_world_creates_one_peering_requested_by_the_first_region() {
    let w = Scenario::new(&[W, E]).vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"]).vpc(
        W,
        "vpc-w1",
        Some("true"),
        &["10.1.0.0/16"],
    );
    let plan = w.plan();
    assert_eq!(kinds(&plan), ["create_peering"]);
    match &plan.actions[0].action {
        Action::CreatePeering { requester, accepter } => {
            assert_eq!(requester.region.as_str(), W, "first in PEERING_REGIONS requests");
            assert_eq!(accepter.region.as_str(), E);
            assert_eq!(accepter.transit_gateway_id.as_str(), "tgw-1");
        }
        other => panic!("{other:?}"),
    }
    assert!(plan.actions[0].reason.contains("tagged VPCs"));
}

#[test]
fn no_peering_is_created_while_one_region_has_no_tagged_vpc() {
    let w = Scenario::new(&[E, W]).vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"]).vpc(
        W,
        "vpc-w1",
        None,
        &["10.1.0.0/16"],
    );
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::PeeringNotNeeded),
        "{:?}",
        plan.findings
    );
}

#[test]
fn initiating_request_and_pending_do_nothing_but_wait() {
    for state in ["initiatingRequest", "pending", "modifying"] {
        let w = Scenario::new(&[E, W])
            .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
            .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
            .peering(P, E, W, state, 100);
        let plan = w.plan();
        assert!(plan.actions.is_empty(), "{state}: {:?}", plan.actions);
        assert!(plan.is_waiting(), "{state}");
        assert!(!plan.is_converged());
    }
}

#[test]
fn pending_acceptance_is_accepted_in_the_accepter_region_only() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "pendingAcceptance", 100);
    let plan = w.plan();
    assert_eq!(plan.actions.len(), 1, "{:?}", plan.actions);
    assert_eq!(
        plan.actions[0].action,
        Action::AcceptPeering { region: region(W), attachment_id: att(P) }
    );
    // A peering requested by the other side is accepted where it must be.
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, W, E, "pendingAcceptance", 100);
    assert_eq!(
        w.plan().actions[0].action,
        Action::AcceptPeering { region: region(E), attachment_id: att(P) }
    );
}

#[test]
fn available_routes_both_ways_with_secondary_and_ipv6_cidrs() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16", "100.64.0.0/20", "2600:1f18:1::/56"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P)
        .associated(W, P);
    let plan = w.plan();
    let mut got = creates(&plan);
    got.sort();
    let want =
        [(E, "10.1.0.0/16"), (W, "10.0.0.0/16"), (W, "100.64.0.0/20"), (W, "2600:1f18:1::/56")];
    let mut want: Vec<_> =
        want.iter().map(|(r, c)| (r.to_string(), c.to_string(), P.to_string())).collect();
    want.sort();
    assert_eq!(got, want);
    assert!(plan.actions.iter().all(|p| !p.reason.is_empty()));
}

#[test]
fn an_available_peering_is_associated_on_each_side_that_lacks_it() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P);
    let plan = w.plan();
    let assoc: Vec<_> = plan
        .actions
        .iter()
        .filter(|p| p.action.kind() == "associate_route_table")
        .map(|p| p.action.clone())
        .collect();
    assert_eq!(
        assoc,
        [Action::AssociateRouteTable {
            region: region(W),
            route_table_id: w.rtb(W),
            attachment_id: att(P)
        }]
    );
}

#[test]
fn a_converged_world_plans_nothing() {
    let w = converged();
    let plan = w.plan();
    assert!(plan.is_converged(), "{plan:#?}");
    assert!(plan.tables.iter().all(|t| t.routes.iter().all(|r| r.mark == RouteMark::Desired)));
}

#[test]
fn a_newly_tagged_vpc_adds_exactly_its_cidrs_on_the_other_side() {
    let w = converged().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16", "10.3.0.0/24"]);
    let mut got = creates(&w.plan());
    got.sort();
    assert_eq!(
        got,
        [
            (W.to_string(), "10.2.0.0/16".to_string(), P.to_string()),
            (W.to_string(), "10.3.0.0/24".to_string(), P.to_string())
        ]
    );
}

#[test]
fn a_removed_tag_withdraws_the_vpcs_routes_and_nothing_else() {
    let w = converged()
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, "10.9.0.0/16", Some(P))
        .ledger(W, E, &["10.2.0.0/16"])
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"]);
    let plan = w.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.2.0.0/16".to_string())]);
    // The ledger entry is released once the route is gone.
    let kinds: Vec<&str> = plan.actions.iter().map(|p| p.action.kind()).collect();
    assert_eq!(kinds, ["release_ledger", "delete_route"]);
    // 10.9.0.0/16 matches no VPC: kept while PRUNE_ROUTES is off, and said so.
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::NotProven && f.subject.contains("10.9.0.0/16")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn a_tag_set_to_false_or_a_disassociated_cidr_withdraws_too() {
    let w = converged()
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, "10.4.0.0/16", Some(P))
        .vpc(E, "vpc-e2", Some("false"), &["10.2.0.0/16"])
        .vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16", "10.4.0.0/16!"])
        .route(W, "10.3.0.0/16", Some(P))
        .ledger(W, E, &["10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"]);
    let mut got = deletes(&w.plan());
    got.sort();
    assert_eq!(
        got,
        [(W.to_string(), "10.2.0.0/16".to_string()), (W.to_string(), "10.4.0.0/16".to_string())]
    );
}

#[test]
fn tag_values_true_in_any_case_match_and_false_does_not() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("True"), &["10.0.0.0/16"])
        .vpc(E, "vpc-e2", Some("TRUE"), &["10.2.0.0/16"])
        .vpc(E, "vpc-e3", Some("false"), &["10.3.0.0/16"])
        .vpc(E, "vpc-e4", Some("yes"), &["10.4.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P)
        .associated(W, P);
    let got: Vec<String> =
        creates(&w.plan()).into_iter().filter(|c| c.0 == W).map(|c| c.1).collect();
    assert_eq!(got, ["10.0.0.0/16", "10.2.0.0/16"]);
}

#[test]
fn a_tag_key_in_another_case_does_not_match() {
    let mut w = Scenario::new(&[E, W]).vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let vpc = Vpc {
        id: VpcId::parse("vpc-e1").unwrap(),
        tags: [("addtotransitgateway".to_owned(), "true".to_owned())].into_iter().collect(),
        cidrs: vec![(cidr("10.0.0.0/16"), CidrState::Associated)],
        owner: None,
    };
    w.observed.regions.get_mut(&region(E)).unwrap().vpcs.push(vpc);
    assert!(w.plan().actions.is_empty());
}

#[test]
fn a_supernet_route_to_the_same_peering_satisfies_the_rule() {
    let w = peered()
        .vpc(W, "vpc-w2", Some("true"), &["10.3.128.0/24"])
        .route(E, "10.0.0.0/8", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .ledger(W, E, &["10.0.0.0/16"]);
    let plan = w.plan();
    assert!(plan.is_converged(), "{:?}", plan.actions);
    // and the covering route is not an extra to prune
    let mut w = w;
    w.config.prune_routes = true;
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
}

#[test]
fn a_supernet_route_to_another_attachment_does_not_satisfy_the_rule() {
    let w =
        peered().route(E, "10.0.0.0/8", Some("tgw-attach-0vpn")).route(W, "10.0.0.0/16", Some(P));
    assert_eq!(creates(&w.plan()), [(E.to_string(), "10.1.0.0/16".to_string(), P.to_string())]);
}

#[test]
fn an_exact_route_to_another_attachment_is_a_conflict_with_no_write() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some("tgw-attach-0vpn"))
        .route(W, "10.0.0.0/16", Some(P))
        .ledger(W, E, &["10.0.0.0/16"]);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, FindingCode::RouteExists, "{conflicts:?}");
    assert!(conflicts[0].subject.contains("10.1.0.0/16"));
    assert!(conflicts[0].reason.contains("tgw-attach-0vpn"));
}

#[test]
fn a_route_whose_target_is_not_reported_is_never_rewritten() {
    let w = peered().route(E, "10.1.0.0/16", None).route(W, "10.0.0.0/16", None);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    // nor deleted, even when the VPC is untagged
    let w = peered()
        .route(E, "10.1.0.0/16", None)
        .route(W, "10.0.0.0/16", None)
        .route(W, "10.2.0.0/16", None)
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"]);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::TargetUnreported && f.subject.contains("10.2.0.0/16")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn overlapping_cidrs_across_regions_are_a_conflict_with_no_write() {
    let w = peered().vpc(E, "vpc-e2", Some("true"), &["172.16.0.0/12"]).vpc(
        W,
        "vpc-w2",
        Some("true"),
        &["172.20.0.0/16"],
    );
    let plan = w.plan();
    let written: Vec<String> = creates(&plan).into_iter().map(|c| c.1).collect();
    assert!(!written.iter().any(|c| c.starts_with("172.")), "{written:?}");
    assert_eq!(written.len(), 2, "the non-overlapping CIDRs are still routed");
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, FindingCode::OverlapBetweenRegions, "{conflicts:?}");
    assert!(
        conflicts[0].subject.contains("172.16.0.0/12")
            && conflicts[0].subject.contains("172.20.0.0/16")
    );
}

#[test]
fn identical_cidrs_in_two_regions_are_a_conflict() {
    let w = peered().vpc(W, "vpc-w2", Some("true"), &["10.0.0.0/16"]);
    let plan = w.plan();
    assert_eq!(creates(&plan), [(E.to_string(), "10.1.0.0/16".to_string(), P.to_string())]);
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, FindingCode::OverlapBetweenRegions, "{conflicts:?}");
    assert!(conflicts[0].subject.contains("10.0.0.0/16"), "{conflicts:?}");
}

#[test]
fn a_remote_cidr_overlapping_an_untagged_local_vpc_is_a_conflict_and_not_routed() {
    // 10.1.0.0/16 is tagged in eu-west-1 and used by an untagged VPC in
    // us-east-1: a static route there would take that VPC's traffic.
    let w = peered().vpc(E, "vpc-e9", None, &["10.1.0.0/16"]);
    let plan = w.plan();
    assert_eq!(creates(&plan), [(W.to_string(), "10.0.0.0/16".to_string(), P.to_string())]);
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].region, Some(region(E)));
    assert_eq!(conflicts[0].code, FindingCode::OverlapsLocalVpc, "{conflicts:?}");
    assert!(conflicts[0].reason.contains("vpc-e9"), "{conflicts:?}");
    // A smaller local block inside the remote one is an overlap too.
    let w = peered().vpc(E, "vpc-e9", None, &["10.1.4.0/24"]);
    assert_eq!(creates(&w.plan()).len(), 1);
}
