//! Workload accounts (`WORKLOAD_ROLE_NAME`): VPCs of other accounts attached
//! to a managed transit gateway shared with them, read through each
//! account's role; an account whose role cannot be assumed is held.

use super::*;
use crate::support::{cidr, Scenario};
use tgw_peering_core::domain::AccountId;
use tgw_peering_core::{FindingKind, Plan};

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

fn held(plan: &Plan) -> Vec<String> {
    plan.findings
        .iter()
        .filter(|f| f.kind == FindingKind::Held)
        .map(|f| format!("{}: {}", f.subject, f.reason))
        .collect()
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
    assert!(held[0].contains("vpc-0b1") && held[0].contains(WORKLOAD), "{held:?}");
    let report = plan.vpcs.iter().find(|v| v.vpc_id.as_str() == "vpc-0b1").unwrap();
    assert!(report.note.contains("cannot be assumed"), "{report:?}");
    assert_eq!(report.owner, Some(AccountId::parse(WORKLOAD).unwrap()));
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
fn an_unreadable_accounts_deleted_attachment_no_longer_holds_its_routes() {
    // The attachment is gone from the gateway: nothing names the account
    // any more, and the recorded route is withdrawn as any deleted VPC's.
    let mut s = with_workloads().unreadable(E, WORKLOAD);
    let state = s.region_mut(E);
    state.attachments.retain(|a| a.resource_id != "vpc-0b1");
    let plan = s.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.20.0.0/16".to_string())]);
    assert!(held(&plan).is_empty());
}

#[test]
fn an_unreadable_accounts_attachment_being_deleted_holds_nothing() {
    let mut s = with_workloads().unreadable(E, WORKLOAD);
    let state = s.region_mut(E);
    for a in state.attachments.iter_mut().filter(|a| a.resource_id == "vpc-0b1") {
        a.state = "deleted".into();
    }
    let plan = s.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.20.0.0/16".to_string())]);
}
