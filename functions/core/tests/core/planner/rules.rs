//! Meshes, pruning and protection, replaced and duplicate peerings, moves
//! between Regions, and accounts.

use super::*;
use crate::support::{att, cidr, region, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::{plan, Action, FindingCode, Plan, RouteMark};

#[test]
fn a_route_for_a_cidr_in_an_overlap_conflict_is_never_pruned_on_any_peering() {
    const A: &str = "ap-southeast-2";
    const Q: &str = "tgw-attach-0002";
    // 172.16.0.0/16 is tagged in both us-east-1 and eu-west-1 (a conflict);
    // eu-west-1's table still sends it toward ap-southeast-2, where no VPC has it.
    let mut w = Scenario::new(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["172.16.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["172.16.0.0/16", "10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"])
        .peering(Q, W, A, "available", 100)
        .associated(W, Q)
        .associated(A, Q)
        .route(W, "172.16.0.0/16", Some(Q));
    w.config.prune_routes = true;
    let plan = w.plan();
    assert!(!deletes(&plan).iter().any(|(_, c)| c == "172.16.0.0/16"), "{:?}", plan.actions);
}

#[test]
fn two_transit_gateways_in_a_region_without_configuration_is_an_error() {
    let mut w = peered();
    w.observed.regions.get_mut(&region(W)).unwrap().transit_gateways.push(TransitGateway {
        id: TransitGatewayId::parse("tgw-other").unwrap(),
        owner_id: None,
        state: TgwState::Available,
        default_association_route_table: None,
        tags: Default::default(),
    });
    let err = plan(&w.observed, &w.config).unwrap_err();
    assert!(!err.is_retryable());
    let msg = err.to_string();
    assert!(msg.starts_with(W) && msg.contains("TRANSIT_GATEWAY_IDS"), "{msg}");
}

#[test]
fn a_three_region_mesh_gets_three_peerings_with_the_right_requesters() {
    const A: &str = "ap-south-1";
    let w = Scenario::new(&[W, E, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"]);
    let plan = w.plan();
    let mut pairs: Vec<(String, String)> = plan
        .actions
        .iter()
        .map(|p| match &p.action {
            Action::CreatePeering { requester, accepter } => {
                (requester.region.to_string(), accepter.region.to_string())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    pairs.sort();
    // eu-west-1 is first, us-east-1 second: each pair is requested by its earlier Region.
    assert_eq!(
        pairs,
        [
            (W.to_string(), A.to_string()),
            (W.to_string(), E.to_string()),
            (E.to_string(), A.to_string())
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
}

#[test]
fn a_three_region_mesh_routes_each_cidr_through_its_own_pair() {
    const A: &str = "ap-south-1";
    let w = Scenario::new(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"])
        .peering("tgw-attach-0ew", E, W, "available", 1)
        .peering("tgw-attach-0ea", E, A, "available", 1)
        .peering("tgw-attach-0wa", W, A, "available", 1)
        .associated(E, "tgw-attach-0ew")
        .associated(E, "tgw-attach-0ea")
        .associated(W, "tgw-attach-0ew")
        .associated(W, "tgw-attach-0wa")
        .associated(A, "tgw-attach-0ea")
        .associated(A, "tgw-attach-0wa");
    let mut got = creates(&w.plan());
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        (E, "10.1.0.0/16", "tgw-attach-0ew"),
        (E, "10.2.0.0/16", "tgw-attach-0ea"),
        (W, "10.0.0.0/16", "tgw-attach-0ew"),
        (W, "10.2.0.0/16", "tgw-attach-0wa"),
        (A, "10.0.0.0/16", "tgw-attach-0ea"),
        (A, "10.1.0.0/16", "tgw-attach-0wa"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn prune_routes_off_keeps_unjustified_routes_and_on_removes_them_except_protected() {
    let base = || {
        converged().route(W, "192.168.0.0/16", Some(P)).route(W, "10.200.0.0/16", Some(P)).route(
            W,
            "10.50.0.0/16",
            Some("tgw-attach-0vpn"),
        )
    };
    let plan = base().plan();
    assert!(plan.actions.is_empty(), "PRUNE_ROUTES off: {:?}", plan.actions);
    let extras =
        plan.tables.iter().flat_map(|t| &t.routes).filter(|r| r.mark == RouteMark::Extra).count();
    assert_eq!(extras, 2);

    let mut w = base();
    w.config.prune_routes = true;
    w.config.protected_cidrs = vec![cidr("192.168.0.0/16")];
    let plan = w.plan();
    assert_eq!(
        deletes(&plan),
        [(W.to_string(), "10.200.0.0/16".to_string())],
        "only the unprotected route to the managed peering"
    );
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::Protected && f.subject.contains("192.168.0.0/16")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn protected_cidrs_are_kept_even_when_their_vpc_is_untagged() {
    let mut w =
        converged().route(W, "10.2.0.0/16", Some(P)).vpc(E, "vpc-e2", None, &["10.2.0.0/16"]);
    w.config.protected_cidrs = vec![cidr("10.2.0.0/15")];
    assert!(deletes(&w.plan()).is_empty());
}

#[test]
fn a_deleted_peering_is_replaced() {
    for state in ["deleting", "deleted"] {
        let w = Scenario::new(&[E, W])
            .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
            .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
            .peering(P, E, W, state, 100);
        let plan = w.plan();
        assert_eq!(kinds(&plan), ["create_peering"], "{state}");
        assert!(plan.actions[0].reason.contains(state), "{}", plan.actions[0].reason);
    }
}

#[test]
fn a_failed_or_rejected_peering_is_reported_and_not_replaced() {
    for state in ["failed", "rejected"] {
        let w = Scenario::new(&[E, W])
            .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
            .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
            .peering(P, E, W, state, 100);
        let plan = w.plan();
        assert!(plan.actions.is_empty(), "{state}: {:?}", plan.actions);
        let c: Vec<_> = plan.conflicts().collect();
        assert_eq!(c.len(), 1, "{state}");
        assert_eq!(c[0].code, FindingCode::PeeringFailed, "{state}: {c:?}");
        // AWS's state of the peering is named.
        assert!(c[0].reason.contains(state), "{}", c[0].reason);
    }
}

#[test]
fn concurrent_duplicate_peerings_keep_the_oldest_and_delete_the_newer_managed_ones() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering("tgw-attach-0new", E, W, "pendingAcceptance", 200)
        .peering("tgw-attach-0old", E, W, "pendingAcceptance", 100)
        .peering_with("tgw-attach-0hand", E, W, &[(E, "pendingAcceptance")], 300, false);
    let plan = w.plan();
    let acts: Vec<Action> = plan.actions.iter().map(|p| p.action.clone()).collect();
    assert_eq!(
        acts,
        [
            Action::AcceptPeering { region: region(W), attachment_id: att("tgw-attach-0old") },
            Action::DeletePeering { region: region(E), attachment_id: att("tgw-attach-0new") },
        ]
    );
    assert!(
        plan.findings.iter().any(
            |f| f.code == FindingCode::ForeignPeering && f.subject.contains("tgw-attach-0hand")
        ),
        "{:?}",
        plan.findings
    );
}

#[test]
fn routes_wait_until_this_sides_view_of_the_peering_is_available() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering_with(P, E, W, &[(E, "pending"), (W, "available")], 100, true)
        .associated(W, P);
    let plan = w.plan();
    assert_eq!(creates(&plan), [(W.to_string(), "10.0.0.0/16".to_string(), P.to_string())]);
    assert!(plan.is_waiting());
}

#[test]
fn routes_to_unmanaged_attachments_are_never_touched() {
    let mut w = converged().route(W, "10.77.0.0/16", Some("tgw-attach-0vpc")).vpc(
        E,
        "vpc-e9",
        None,
        &["10.77.0.0/16"],
    );
    w.config.prune_routes = true;
    assert!(w.plan().actions.is_empty());
}

#[test]
fn plans_are_deterministic_whatever_the_read_order() {
    let a = peered().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]).vpc(
        E,
        "vpc-e3",
        Some("true"),
        &["10.3.0.0/16"],
    );
    let mut b = peered().vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16"]).vpc(
        E,
        "vpc-e2",
        Some("true"),
        &["10.2.0.0/16"],
    );
    b.observed.regions.get_mut(&region(E)).unwrap().vpcs.reverse();
    assert_eq!(a.plan(), b.plan());
}

#[test]
fn the_plan_serialises_every_action_with_its_reason() {
    let plan = peered().plan();
    let json = serde_json::to_value(&plan.actions).unwrap();
    let arr = json.as_array().unwrap();
    let routes: Vec<_> = arr.iter().filter(|a| a["action"] == "create_route").collect();
    assert_eq!(routes.len(), 2);
    for a in routes {
        assert!(a["reason"].as_str().unwrap().contains("has no route"));
        assert!(a["cidr"].is_string() && a["region"].is_string());
    }
    // Each route's ledger entry goes in with it, and says why.
    let ledgers: Vec<_> = arr.iter().filter(|a| a["action"] == "create_ledger").collect();
    assert_eq!(ledgers.len(), 2);
    for a in ledgers {
        assert!(a["reason"].as_str().unwrap().contains("ledger"), "{a}");
        assert_eq!(a["entries"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn a_peering_not_yet_listed_in_the_accepter_region_is_waited_for_not_accepted() {
    let w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering_with(P, E, W, &[(E, "pendingAcceptance")], 100, true);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(plan.is_waiting());
}

#[test]
fn routes_on_a_peering_not_created_by_the_tool_are_never_removed() {
    let mut w = Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering_with(P, E, W, &[(E, "available"), (W, "available")], 100, false)
        .associated(E, P)
        .associated(W, P)
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, "10.99.0.0/16", Some(P));
    w.config.prune_routes = true;
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let kept: Vec<_> =
        plan.findings.iter().filter(|f| f.code == FindingCode::UnmanagedPeering).collect();
    assert_eq!(kept.len(), 2, "{:?}", plan.findings);
    assert!(
        kept.iter().any(|f| f.subject.contains("10.2.0.0/16"))
            && kept.iter().any(|f| f.subject.contains("10.99.0.0/16")),
        "{kept:?}"
    );
}

/// 10.5.0.0/16 was tagged in eu-west-1 (routed in us-east-1 toward the
/// E-W peering); now the eu-west-1 VPC has released it and ap-south-1 has
/// it. (Were it still associated there, it would overlap eu-west-1's own
/// VPC, and eu-west-1 would get no route for it: a conflict.)
fn moved_cidr() -> Scenario {
    const A: &str = "ap-south-1";
    Scenario::new(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(W, "vpc-w5", None, &["10.5.0.0/16!"])
        .vpc(A, "vpc-a5", Some("true"), &["10.5.0.0/16"])
        .peering("tgw-attach-0ew", E, W, "available", 1)
        .peering("tgw-attach-0ea", E, A, "available", 1)
        .peering("tgw-attach-0wa", W, A, "available", 1)
        .associated(E, "tgw-attach-0ew")
        .associated(E, "tgw-attach-0ea")
        .associated(W, "tgw-attach-0ew")
        .associated(W, "tgw-attach-0wa")
        .associated(A, "tgw-attach-0ea")
        .associated(A, "tgw-attach-0wa")
        .route(E, "10.1.0.0/16", Some("tgw-attach-0ew"))
        .route(E, "10.5.0.0/16", Some("tgw-attach-0ew"))
        .route(W, "10.0.0.0/16", Some("tgw-attach-0ew"))
        .route(A, "10.0.0.0/16", Some("tgw-attach-0ea"))
        .route(A, "10.1.0.0/16", Some("tgw-attach-0wa"))
        .route(W, "10.5.0.0/16", Some("tgw-attach-0wa"))
}

#[test]
fn a_cidr_that_moved_to_another_region_has_the_tools_route_moved_onto_the_new_peering() {
    let w = moved_cidr().ledger(E, W, &["10.1.0.0/16", "10.5.0.0/16"]);
    let plan = w.plan();
    let moves: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::ReplaceRoute { region, cidr, attachment_id, from, .. } => Some((
                region.to_string(),
                cidr.to_string(),
                attachment_id.to_string(),
                from.clone(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        [(
            E.to_string(),
            "10.5.0.0/16".to_string(),
            "tgw-attach-0ea".to_string(),
            RouteTarget::Attachment(att("tgw-attach-0ew"))
        )]
    );
    assert!(deletes(&plan).is_empty(), "moved, not withdrawn: {:?}", plan.actions);
    assert_eq!(plan.conflicts().count(), 0, "{:?}", plan.findings);
    // The move is recorded under its new peer Region before it is made.
    assert!(plan.actions.iter().any(|p| matches!(&p.action,
        Action::CreateLedger { region, peer, entries, .. }
            if region.as_str() == E && peer.as_str() == "ap-south-1"
                && entries.iter().any(|e| e.cidr == cidr("10.5.0.0/16")))));
}

#[test]
fn a_route_outside_the_ledger_for_a_cidr_that_moved_is_a_conflict_not_moved() {
    let plan = moved_cidr().ledger(E, W, &["10.1.0.0/16"]).plan();
    assert!(!plan.actions.iter().any(|p| p.action.kind() == "replace_route"));
    assert!(deletes(&plan).is_empty());
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::RouteExists
            && f.subject.contains("10.5.0.0/16")
            && f.reason.contains("tgw-attach-0ew")),
        "{:?}",
        plan.findings
    );
}

/// The (requester, accepter) of the plan's only CreatePeering.
fn the_create(plan: &Plan) -> (GatewayRef, GatewayRef) {
    assert_eq!(kinds(plan), ["create_peering"]);
    match &plan.actions[0].action {
        Action::CreatePeering { requester, accepter } => (requester.clone(), accepter.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cross_account_peering_request_names_the_accepter_gateways_owner() {
    let w = Scenario::new(&[E, W])
        .owned_by(E, "123456789012")
        .owned_by(W, "222222222222")
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let (requester, accepter) = the_create(&w.plan());
    assert_eq!(requester.region.as_str(), E);
    assert_eq!(requester.account_id.unwrap().as_str(), "123456789012");
    assert_eq!(accepter.region.as_str(), W);
    // PeerAccountId: the owner read in the accepter's Region (with its clients).
    assert_eq!(accepter.account_id.unwrap().as_str(), "222222222222");
}

#[test]
fn a_spoke_requester_names_the_hub_accepters_owner_too() {
    // The Region first in PEERING_REGIONS requests, whichever account owns it.
    let w = Scenario::new(&[W, E])
        .owned_by(E, "123456789012")
        .owned_by(W, "222222222222")
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let (requester, accepter) = the_create(&w.plan());
    assert_eq!(requester.account_id.unwrap().as_str(), "222222222222");
    assert_eq!(accepter.account_id.unwrap().as_str(), "123456789012");
}

#[test]
fn a_single_account_peering_request_is_unchanged() {
    let w = Scenario::new(&[E, W]).vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"]).vpc(
        W,
        "vpc-w1",
        Some("true"),
        &["10.1.0.0/16"],
    );
    let (requester, accepter) = the_create(&w.plan());
    assert_eq!(requester, w.gw(E));
    assert_eq!(accepter, w.gw(W));
    // A configured role changes the clients, never the plan.
    let mut with_role = w.config.clone();
    with_role.account_role_arns.insert(
        region(W),
        tgw_peering_core::domain::RoleArn::parse("arn:aws:iam::111111111111:role/spoke").unwrap(),
    );
    assert_eq!(plan(&w.recorded(), &with_role).unwrap(), w.plan());
}

#[test]
fn an_available_cross_account_peering_routes_on_both_sides() {
    let w = peered().owned_by(E, "123456789012").owned_by(W, "222222222222");
    let mut c = creates(&w.plan());
    c.sort();
    let mut expected = [
        (E.to_string(), "10.1.0.0/16".to_string(), P.to_string()),
        (W.to_string(), "10.0.0.0/16".to_string(), P.to_string()),
    ];
    expected.sort();
    assert_eq!(c, expected);
}
