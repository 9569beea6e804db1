//! AWS's limits at plan time: a ledger list that cannot grow, a route
//! search read in part, IPv6 on an attachment without IPv6 support.

use super::*;
use tgw_peering_core::domain::{ResizeRecord, RESIZE_RETRY_SECS};
use tgw_peering_core::{Finding, FindingCode};

const REFUSED: &str = "The following resources do not support the new maximum size: sg-0123";
/// Why a route search was read in part (as the reader says it).
const PARTIAL: &str = "SearchTransitGatewayRoutes flagged more routes and gave no NextToken";

/// The plan's finding of `code` whose subject names `id` (a list's id, a
/// Region, a VPC's or a gateway's id).
fn finding<'a>(plan: &'a Plan, code: FindingCode, id: &str) -> Option<&'a Finding> {
    plan.findings.iter().find(|f| f.code == code && f.subject.contains(id))
}

fn in_region<'a>(plan: &'a Plan, r: &str) -> Vec<&'a Action> {
    plan.actions.iter().map(|p| &p.action).filter(|a| a.region().as_str() == r).collect()
}

/// [`converged`], with a new tagged VPC in E (10.2.0.0/16) and W's list of
/// E's CIDRs (1 entry at most) in `modify-failed` after its resize to 2,
/// `age` seconds before the read.
fn failed_resize(age: i64) -> Scenario {
    let mut w = converged().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]);
    w.observed.read_at = 1_000_000;
    let list = &mut w.region_mut(W).ledger[0];
    list.state = "modify-failed".into();
    list.state_message = Some(REFUSED.into());
    list.resize = Some(ResizeRecord { size: 2, at: 1_000_000 - age, version: list.version });
    w
}

#[test]
fn a_failed_resize_is_not_asked_again_and_the_new_cidrs_of_its_peer_wait_naming_it() {
    let plan = failed_resize(60).plan();
    let west = in_region(&plan, W);
    assert!(
        !west.iter().any(|a| matches!(
            a,
            Action::ResizeLedger { .. } | Action::CreateLedger { .. } | Action::CreateRoute { .. }
        )),
        "no resize, no other list, no route: {west:?}"
    );
    assert!(
        !west.iter().any(|a| matches!(a, Action::UpdateLedger { add, .. } if !add.is_empty())),
        "{west:?}"
    );
    // The list's state, with AWS's message, and the CIDR that waits.
    let failed = finding(&plan, FindingCode::ListChangeFailed, "pl-euwest10");
    assert!(
        failed.is_some_and(|f| f.reason.contains("modify-failed") && f.reason.contains(REFUSED)),
        "{:?}",
        plan.findings
    );
    let waits = finding(&plan, FindingCode::ResizeFailed, E);
    assert!(
        waits
            .is_some_and(|f| f.region.as_ref().is_some_and(|r| r.as_str() == W)
                && f.reason.contains(REFUSED)),
        "{:?}",
        plan.findings
    );
    // What the list holds stays routed.
    assert!(!deletes(&plan).iter().any(|(r, _)| r == W), "{:?}", plan.actions);
}

#[test]
fn a_failed_resize_is_asked_again_after_an_hour_or_once_the_list_changed() {
    let again = |w: Scenario| {
        let plan = w.plan();
        in_region(&plan, W).iter().any(|a| matches!(a, Action::ResizeLedger { max_entries: 2, .. }))
    };
    assert!(!again(failed_resize(RESIZE_RETRY_SECS - 1)));
    assert!(again(failed_resize(RESIZE_RETRY_SECS)));
    // The list changed since (a new version).
    let mut changed = failed_resize(60);
    changed.region_mut(W).ledger[0].version += 1;
    assert!(again(changed));
    // The size it needs changed (a second new VPC).
    let plan = failed_resize(60).vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16"]).plan();
    assert!(
        in_region(&plan, W)
            .iter()
            .any(|a| matches!(a, Action::ResizeLedger { max_entries: 3, .. })),
        "{:?}",
        plan.actions
    );
}

#[test]
fn a_list_in_a_failed_state_is_reported_with_aws_s_message_even_with_nothing_to_add() {
    let mut w = converged();
    w.region_mut(E).ledger[0].state = "create-failed".into();
    let plan = w.plan();
    let failed = finding(&plan, FindingCode::ListChangeFailed, "pl-useast10");
    assert!(failed.is_some_and(|f| f.reason.contains("create-failed")), "{:?}", plan.findings);
}

#[test]
fn a_route_table_read_in_part_is_not_planned_on_and_the_other_region_goes_on() {
    let mut w = peered().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]);
    w.table(W).partial = Some(PARTIAL.to_owned());
    let plan = w.plan();
    assert!(in_region(&plan, W).is_empty(), "{:?}", plan.actions);
    // W's gateway is available: what the read said names the cause.
    let waits = finding(&plan, FindingCode::GatewayInTransition, "tgw-1");
    assert!(waits.is_some_and(|f| f.reason.contains(PARTIAL)), "{:?}", plan.findings);
    assert!(!plan.is_converged());
}

#[test]
fn an_ipv6_block_is_advertised_only_where_the_attachment_supports_ipv6() {
    let dual = peered().vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16", "2600:1f18:2::/56"]);
    let plan = dual.clone().plan();
    let routed: Vec<_> =
        creates(&plan).into_iter().filter(|(r, ..)| r == W).map(|(_, c, _)| c).collect();
    assert!(routed.contains(&"2600:1f18:2::/56".to_owned()), "{routed:?}");

    let plan = dual.without_ipv6_support(E, "vpc-e2").plan();
    let routed: Vec<_> =
        creates(&plan).into_iter().filter(|(r, ..)| r == W).map(|(_, c, _)| c).collect();
    assert!(routed.contains(&"10.2.0.0/16".to_owned()), "{routed:?}");
    assert!(!routed.contains(&"2600:1f18:2::/56".to_owned()), "{routed:?}");
    let skipped = finding(&plan, FindingCode::Ipv6Unsupported, "vpc-e2");
    assert!(skipped.is_some(), "{:?}", plan.findings);
}

#[test]
fn an_ipv6_route_already_advertised_is_withdrawn_once_the_attachment_drops_ipv6_support() {
    let v6 = "2600:1f18:2::/56";
    let plan = peered()
        .vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16", v6])
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, v6, Some(P))
        .ledger(W, E, &["10.0.0.0/16", "10.2.0.0/16"])
        .ledger(W, E, &[v6])
        .without_ipv6_support(E, "vpc-e2")
        .plan();
    assert!(deletes(&plan).contains(&(W.to_owned(), v6.to_owned())), "{:?}", plan.actions);
}

#[test]
fn the_route_quota_names_the_gateway_s_other_tables_it_does_not_count() {
    let plan = converged()
        .other_table(E, "tgw-rtb-0000000000000e0e1", "available")
        .other_table(E, "tgw-rtb-0000000000000e0e2", "deleted")
        .plan();
    let quota = &plan.tables.iter().find(|t| t.region.as_str() == E).unwrap().quota;
    let ids: Vec<&str> = quota.not_counted.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["tgw-rtb-0000000000000e0e1"], "the deleted table's routes are gone");
    let west = &plan.tables.iter().find(|t| t.region.as_str() == W).unwrap().quota;
    assert!(west.not_counted.is_empty(), "a gateway with one table counts it whole");
}
