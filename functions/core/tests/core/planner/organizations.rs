//! Workload accounts (`WORKLOAD_ROLE_NAME`): VPCs of other accounts attached
//! to a managed transit gateway shared with them, read through each
//! account's role; an account whose role cannot be assumed is held.

use super::*;
use crate::support::{cidr, Scenario};
use tgw_peering_core::domain::AccountId;
use tgw_peering_core::{Finding, FindingCode, FindingKind, Plan};

const WORKLOAD: &str = "222222222222";
const OTHER: &str = "333333333333";

/// [`converged`] with a tagged VPC of each workload account attached in
/// us-east-1, each routed in eu-west-1 and recorded in its ledger (the
/// entry's description names the VPC, as the tool writes it).
fn with_workloads() -> Scenario {
    let mut s = converged()
        .workload_vpc(E, WORKLOAD, "vpc-0b1", Some("true"), &["10.20.0.0/16"])
        .workload_vpc(E, OTHER, "vpc-0c1", Some("true"), &["10.30.0.0/16"])
        .route(W, "10.20.0.0/16", Some(P))
        .route(W, "10.30.0.0/16", Some(P))
        .ledger(W, E, &["10.20.0.0/16", "10.30.0.0/16"])
        .configure(|c| c.workload_role_name = Some("tgw-peering-workload-read".into()));
    for list in &mut s.region_mut(W).ledger {
        for (c, description) in &mut list.entries {
            *description = match c.to_string().as_str() {
                "10.20.0.0/16" => "vpc-0b1".into(),
                "10.30.0.0/16" => "vpc-0c1".into(),
                _ => description.clone(),
            };
        }
    }
    s
}

fn held(plan: &Plan) -> Vec<&Finding> {
    plan.findings.iter().filter(|f| f.kind() == FindingKind::Held).collect()
}

#[test]
fn a_tagged_workload_vpc_is_routed_in_the_other_region_and_reported_with_its_owner() {
    let plan =
        converged().workload_vpc(E, WORKLOAD, "vpc-0b1", Some("true"), &["10.20.0.0/16"]).plan();
    assert_eq!(creates(&plan), [(W.to_string(), "10.20.0.0/16".to_string(), P.to_string())]);
    let report = plan.vpcs.iter().find(|v| v.vpc_id.as_str() == "vpc-0b1").unwrap();
    assert_eq!(report.owner, Some(AccountId::parse(WORKLOAD).unwrap()));
    assert!(report.advertised && report.note.contains("10.20.0.0/16"), "{report:?}");
}

#[test]
fn an_untagged_workload_vpcs_routes_are_withdrawn() {
    let mut s = with_workloads();
    s.region_mut(E).vpcs.iter_mut().filter(|v| v.id.as_str() == "vpc-0b1").for_each(|v| {
        v.tags.clear();
    });
    let plan = s.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.20.0.0/16".to_string())]);
}

#[test]
fn a_workload_account_that_cannot_be_read_keeps_its_routes_and_the_rest_goes_on() {
    // WORKLOAD's role is refused: its VPC is not in the read. Without the
    // rule, 10.20.0.0/16 would be withdrawn as "gone". A new VPC of the
    // other account is still routed in the same plan.
    let plan = with_workloads()
        .workload_vpc(E, OTHER, "vpc-0c2", Some("true"), &["10.31.0.0/16"])
        .unreadable(E, WORKLOAD)
        .plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
    assert_eq!(creates(&plan), [(W.to_string(), "10.31.0.0/16".to_string(), P.to_string())]);
    let held = held(&plan);
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].code, FindingCode::AccountUnreadable, "{held:?}");
    assert!(held[0].subject.contains("vpc-0b1") && held[0].subject.contains(WORKLOAD), "{held:?}");
    let report = plan.vpcs.iter().find(|v| v.vpc_id.as_str() == "vpc-0b1").unwrap();
    assert!(report.note.contains("cannot be read (AssumeRole: AccessDenied)"), "{report:?}");
    assert_eq!(report.owner, Some(AccountId::parse(WORKLOAD).unwrap()));
    assert_eq!(report.tagged, None, "its tag is not known");
}

#[test]
fn an_unreadable_accounts_routes_are_held_by_their_ledger_entry_without_propagation() {
    // The attachment propagates nothing into the managed table (propagation
    // off): the entry that names the VPC still holds the route.
    let mut s = with_workloads().unreadable(E, WORKLOAD);
    let table = s.table(E);
    table.routes.retain(|r| r.cidr != cidr("10.20.0.0/16"));
    let plan = s.plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
    assert!(
        !plan.actions.iter().any(|p| p.action.kind() == "release_ledger"),
        "{:?}",
        plan.actions
    );
}

#[test]
fn a_workload_vpc_whose_attachment_is_gone_is_withdrawn_like_any_deleted_vpc() {
    // Its account has no attachment left: it is not read at all, and the
    // recorded route goes as any deleted VPC's.
    let mut s = with_workloads();
    let state = s.region_mut(E);
    state.attachments.retain(|a| a.resource_id != "vpc-0b1");
    state.vpcs.retain(|v| v.id.as_str() != "vpc-0b1");
    let plan = s.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.20.0.0/16".to_string())]);
    assert!(held(&plan).is_empty());
}

#[test]
fn while_an_account_cannot_be_read_its_deleted_attachments_route_waits_for_proof() {
    // WORKLOAD has a second, live attachment and cannot be read: the
    // deleted one's route is not withdrawn on the absence of a read (its
    // entry names no VPC the tool can check), and it gets no held finding.
    let mut s = with_workloads()
        .workload_vpc(E, WORKLOAD, "vpc-0b2", Some("true"), &["10.22.0.0/16"])
        .unreadable(E, WORKLOAD);
    for a in s.region_mut(E).attachments.iter_mut().filter(|a| a.resource_id == "vpc-0b1") {
        a.state = "deleted".into();
    }
    let plan = s.plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
    let held = held(&plan);
    assert!(
        held.iter().all(|h| !h.subject.contains("vpc-0b1") && !h.reason.contains("vpc-0b1"))
            && held.len() == 1
            && held[0].code == FindingCode::AccountUnreadable,
        "{held:?}"
    );
    assert!(plan.vpcs.iter().all(|v| v.vpc_id.as_str() != "vpc-0b1"), "{:?}", plan.vpcs);
}

#[test]
fn an_entry_that_names_no_vpc_of_the_unreadable_account_is_held_all_the_same() {
    // The entry's description was written for another VPC (or cut at 255
    // characters): it is no record of whose CIDR it is, so it is held.
    let mut s = with_workloads().unreadable(E, WORKLOAD);
    s.table(E).routes.retain(|r| r.cidr != cidr("10.20.0.0/16"));
    for list in &mut s.region_mut(W).ledger {
        for description in list.entries.values_mut() {
            *description = "vpc-0ffffffffffffffff, vpc-0eeeeeeeeee".into();
        }
    }
    let plan = s.plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
}

#[test]
fn an_untagged_vpc_read_in_a_region_with_an_unreadable_account_is_still_withdrawn() {
    // Proof from a VPC that was read still counts: OTHER untags its VPC.
    let mut s = with_workloads().unreadable(E, WORKLOAD);
    s.region_mut(E).vpcs.iter_mut().filter(|v| v.id.as_str() == "vpc-0c1").for_each(|v| {
        v.tags.clear();
    });
    let plan = s.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.30.0.0/16".to_string())]);
}

#[test]
fn a_cidr_of_another_region_overlapping_a_held_one_is_not_routed_and_takes_nothing_over() {
    // A third Region tags 10.20.0.0/16 (and a /24 inside it) while the VPC
    // of us-east-1 that holds it cannot be read: no route moves to the
    // third Region and no more-specific route is written.
    const S: &str = "ap-southeast-2";
    const Q: &str = "tgw-attach-0002";
    let mut s = Scenario::new(&[E, W, S])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .workload_vpc(E, WORKLOAD, "vpc-0b1", Some("true"), &["10.20.0.0/16"])
        .vpc(S, "vpc-s1", Some("true"), &["10.20.0.0/16"])
        .vpc(S, "vpc-s2", Some("true"), &["10.20.7.0/24"])
        .peering(P, E, W, "available", 100)
        .peering(Q, W, S, "available", 101)
        .associated(E, P)
        .associated(W, P)
        .associated(W, Q)
        .associated(S, Q)
        .route(W, "10.20.0.0/16", Some(P))
        .ledger(W, E, &["10.20.0.0/16"])
        .configure(|c| c.workload_role_name = Some("tgw-peering-workload-read".into()))
        .unreadable(E, WORKLOAD);
    s.region_mut(E).vpcs.retain(|v| v.id.as_str() != "vpc-0b1");
    let plan = s.plan();
    let in_west: Vec<_> = plan
        .actions
        .iter()
        .filter(|p| p.action.region().as_str() == W && p.action.kind().contains("route"))
        .map(|p| format!("{:?}", p.action))
        .collect();
    assert!(in_west.iter().all(|a| !a.contains("10.20.")), "{in_west:?}");
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::OverlapWithHeld && f.subject.contains("10.20.")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn with_vpc_routes_a_held_cidrs_vpc_route_stays() {
    // MANAGE_VPC_ROUTES: eu-west-1's VPC routes 10.20.0.0/16 toward its
    // gateway; the CIDR is held, so that route is not withdrawn either.
    let mut s = with_workloads()
        .manage_vpc_routes()
        .vpc_table(
            W,
            "vpc-w1",
            "rtb-w1",
            &["10.20.0.0/16>tgw", "10.30.0.0/16>tgw", "10.0.0.0/16>tgw"],
        )
        .unreadable(E, WORKLOAD);
    s.table(E).routes.retain(|r| r.cidr != cidr("10.20.0.0/16"));
    let plan = s.plan();
    let vpc_deletes: Vec<_> =
        plan.actions.iter().filter(|p| p.action.kind() == "delete_vpc_route").collect();
    assert!(vpc_deletes.is_empty(), "{vpc_deletes:?}");
}

#[test]
fn prune_routes_spares_routes_toward_a_region_with_an_unreadable_account() {
    // PRUNE_ROUTES removes routes outside the ledger that no tagged VPC of
    // the peer justifies: unknowable while one of its accounts is unread.
    let base =
        || with_workloads().route(W, "10.99.0.0/16", Some(P)).configure(|c| c.prune_routes = true);
    let pruned = base().plan();
    assert!(
        deletes(&pruned).contains(&(W.to_string(), "10.99.0.0/16".to_string())),
        "the rule prunes"
    );
    let plan = base().unreadable(E, WORKLOAD).plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
}
