//! `ROUTE_MODE=prefix-list`: the ledger lists referenced in the managed
//! tables, and the switch between the two forms of a route, each way.

use super::*;
use crate::support::cidr;
use tgw_peering_core::domain::Cidr;
use tgw_peering_core::{Action, FindingCode, FindingKind, ListRef};

const P2: &str = "tgw-attach-0002";

/// Prefix-list mode, converged: each side's ledger list holds the other's
/// VPC and is referenced toward P; no static route.
/// The id of [`listed`]'s list in E (of W's CIDRs).
const E_LIST: &str = "pl-useast10";

fn listed() -> Scenario {
    peered()
        .prefix_list_mode()
        .ledger(E, W, &["10.1.0.0/16"])
        .ledger(W, E, &["10.0.0.0/16"])
        .referenced(E, W, P)
        .referenced(W, E, P)
}

fn references(plan: &Plan) -> Vec<(String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateReference { region, prefix_list, .. } => {
                Some((region.to_string(), prefix_list.to_string()))
            }
            Action::ModifyReference { region, prefix_list_id, .. } => {
                Some((region.to_string(), format!("modify {prefix_list_id}")))
            }
            Action::DeleteReference { region, prefix_list_id, .. } => {
                Some((region.to_string(), format!("delete {prefix_list_id}")))
            }
            _ => None,
        })
        .collect()
}

/// The tool's static routes removed because a referenced list serves them.
fn retires(plan: &Plan) -> Vec<(String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::RetireRoute { region, cidr, .. } => {
                Some((region.to_string(), cidr.to_string()))
            }
            _ => None,
        })
        .collect()
}

fn released(plan: &Plan) -> Vec<(String, Vec<Cidr>)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::ReleaseLedger { region, remove, .. }
            | Action::UpdateLedger { region, remove, .. }
                if !remove.is_empty() =>
            {
                Some((region.to_string(), remove.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_new_pair_in_prefix_list_mode_gets_lists_and_their_references_and_no_static_route() {
    let plan = peered().prefix_list_mode().plan();
    assert!(creates(&plan).is_empty(), "{:?}", plan.actions);
    assert_eq!(kinds(&plan).iter().filter(|k| **k == "create_ledger").count(), 2);
    let refs: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateReference { prefix_list: ListRef::New(name), attachment_id, .. } => {
                Some((name.clone(), attachment_id.to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        refs,
        [
            ("tgw-peering-us-east-1-ipv4-0".to_string(), P.to_string()),
            ("tgw-peering-eu-west-1-ipv4-0".to_string(), P.to_string()),
        ]
    );
}

#[test]
fn a_converged_prefix_list_mesh_plans_nothing() {
    let plan = listed().plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
}

#[test]
fn a_list_without_its_reference_is_referenced_toward_the_pairs_peering() {
    let plan = peered()
        .prefix_list_mode()
        .ledger(E, W, &["10.1.0.0/16"])
        .ledger(W, E, &["10.0.0.0/16"])
        .referenced(W, E, P)
        .plan();
    let list = &plan.actions[0];
    assert!(
        matches!(&list.action, Action::CreateReference { region, prefix_list: ListRef::Id(_), attachment_id, .. }
            if region.as_str() == E && attachment_id.as_str() == P),
        "{:?}",
        plan.actions
    );
    assert_eq!(plan.actions.len(), 1, "{:?}", plan.actions);
}

#[test]
fn a_vpc_tagged_in_prefix_list_mode_is_one_entry_and_no_route_write() {
    let plan = listed().vpc(W, "vpc-w2", Some("true"), &["10.2.0.0/16"]).plan();
    // The list grows to what it holds, then takes the entry: no route write.
    assert_eq!(kinds(&plan), ["resize_ledger", "update_ledger"], "{:?}", plan.actions);
    assert!(matches!(&plan.actions[1].action,
        Action::UpdateLedger { region, add, .. } if region.as_str() == E && add[0].cidr == cidr("10.2.0.0/16")));
}

#[test]
fn an_untagged_vpcs_entry_is_released_and_no_static_route_is_deleted() {
    let plan = listed().vpc(W, "vpc-w1", None, &["10.1.0.0/16"]).plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
    assert_eq!(released(&plan), [(E.to_string(), vec![cidr("10.1.0.0/16")])]);
}

#[test]
fn an_entry_that_would_take_a_vpcs_propagated_traffic_is_never_added() {
    // A prefix-list route wins over a route propagated from a VPC (route
    // evaluation order), so the static mode's conflict rule applies.
    let plan = listed()
        .vpc(W, "vpc-w2", Some("true"), &["10.9.0.0/16"])
        .foreign_route(E, "10.9.0.0/16", "tgw-attach-0vpc", "vpc", true)
        .plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::OverlapsPropagatedRoute
                && f.subject.contains("10.9.0.0/16")),
        "{:?}",
        plan.findings
    );
}

#[test]
fn switching_to_prefix_lists_references_first_and_keeps_every_static_route() {
    let plan = converged().prefix_list_mode().plan();
    assert_eq!(references(&plan).len(), 2, "{:?}", plan.actions);
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
    assert!(released(&plan).is_empty(), "{:?}", plan.actions);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::StaticRoutesAwaitReferences),
        "{:?}",
        plan.findings
    );
}

#[test]
fn switching_to_prefix_lists_then_withdraws_the_static_routes_the_lists_serve() {
    let plan = converged().prefix_list_mode().referenced(E, W, P).referenced(W, E, P).plan();
    assert!(deletes(&plan).is_empty(), "a retirement is no withdrawal: {:?}", plan.actions);
    let mut gone = retires(&plan);
    gone.sort();
    assert_eq!(
        gone,
        [(W.to_string(), "10.0.0.0/16".to_string()), (E.to_string(), "10.1.0.0/16".to_string())]
    );
    assert!(released(&plan).is_empty(), "the entries are the routes now: {:?}", plan.actions);
    assert!(references(&plan).is_empty(), "{:?}", plan.actions);
}

#[test]
fn the_static_route_stays_while_its_reference_goes_elsewhere() {
    // E's reference is still on the replaced peering P2: its list does not
    // route 10.1.0.0/16 toward P yet, so the static route stays.
    let plan = converged()
        .peering(P2, E, W, "deleted", 50)
        .prefix_list_mode()
        .referenced(E, W, "blackhole")
        .referenced(W, E, P)
        .plan();
    assert_eq!(retires(&plan), [(W.to_string(), "10.0.0.0/16".to_string())]);
    assert!(references(&plan).iter().any(|(r, a)| r == E && a.starts_with("modify")));
}

#[test]
fn switch_withdrawals_stay_within_the_withdrawal_budget() {
    let mut w = converged().configure(|c| c.max_withdrawals = Some(1));
    for i in 0..3 {
        let c = format!("10.1{i}.0.0/16");
        w = w.vpc(W, &format!("vpc-w{i}x"), Some("true"), &[&c]).route(E, &c, Some(P));
        w = w.ledger(E, W, &[&c]);
    }
    let plan = w.prefix_list_mode().referenced(E, W, P).referenced(W, E, P).plan();
    // 4 static routes served by the list, a budget of 1: one goes now, the
    // others in the next reconciles (no route is lost, nothing is held).
    let east: Vec<_> = retires(&plan).into_iter().filter(|(r, _)| r == E).collect();
    assert_eq!(east.len(), 1, "{:?}", plan.actions);
    assert!(!plan.findings.iter().any(|f| f.kind() == FindingKind::Held), "{:?}", plan.findings);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::RetirementsPaced
            && f.region.as_ref().is_some_and(|r| r.as_str() == E)),
        "{:?}",
        plan.findings
    );
}

#[test]
fn switching_to_static_routes_writes_them_first_and_keeps_the_reference() {
    let plan = listed().configure(|c| c.route_mode = tgw_peering_core::RouteMode::Static).plan();
    let mut made = creates(&plan);
    made.sort();
    assert_eq!(
        made,
        [
            (W.to_string(), "10.0.0.0/16".to_string(), P.to_string()),
            (E.to_string(), "10.1.0.0/16".to_string(), P.to_string())
        ]
    );
    assert!(references(&plan).is_empty(), "{:?}", plan.actions);
}

#[test]
fn switching_to_static_routes_then_removes_the_references_and_keeps_the_entries() {
    let plan = listed()
        .configure(|c| c.route_mode = tgw_peering_core::RouteMode::Static)
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .plan();
    let gone: Vec<_> =
        references(&plan).into_iter().map(|(r, a)| (r, a.starts_with("delete"))).collect();
    assert_eq!(gone, [(W.to_string(), true), (E.to_string(), true)], "{:?}", plan.actions);
    assert!(creates(&plan).is_empty() && deletes(&plan).is_empty(), "{:?}", plan.actions);
    assert!(released(&plan).is_empty(), "the entries record the static routes now");
}

#[test]
fn a_blackhole_reference_goes_in_static_mode_even_before_the_static_routes() {
    // Left by the deletion of the peering the list records.
    let plan = listed()
        .configure(|c| c.route_mode = tgw_peering_core::RouteMode::Static)
        .referenced(E, W, "blackhole")
        .recorded_peering(E, W, "tgw-attach-0gone")
        .plan();
    assert!(references(&plan).iter().any(|(r, a)| r == E && a.starts_with("delete")));
    assert!(!references(&plan).iter().any(|(r, _)| r == W), "{:?}", plan.actions);
}

#[test]
fn a_reference_someone_made_a_blackhole_freezes_its_list_in_either_mode() {
    // The list records the live peering: no deletion explains the blackhole.
    for mode in [tgw_peering_core::RouteMode::Static, tgw_peering_core::RouteMode::PrefixList] {
        let plan = listed()
            .configure(|c| c.route_mode = mode)
            .referenced(E, W, "blackhole")
            .vpc(W, "vpc-w2", Some("true"), &["10.2.0.0/16"])
            .plan();
        let moved = |(r, a): &(String, String)| r == E && !a.starts_with("the new list");
        assert!(!references(&plan).iter().any(moved), "{mode:?}: {:?}", plan.actions);
        let list_writes = plan.actions.iter().filter(|p| {
            p.action.region().as_str() == E
                && matches!(
                    p.action,
                    Action::UpdateLedger { .. }
                        | Action::ReleaseLedger { .. }
                        | Action::ResizeLedger { .. }
                )
        });
        assert_eq!(list_writes.count(), 0, "{mode:?}: {:?}", plan.actions);
        assert!(
            plan.findings
                .iter()
                .any(|f| f.code == FindingCode::Isolated && f.subject.contains(E_LIST)),
            "{mode:?}: {:?}",
            plan.findings
        );
    }
}

// --- The route quota ---------------------------------------------------------

/// `n` static routes toward a VPN in the Region's table.
fn with_vpn_routes(mut w: Scenario, r: &str, n: usize) -> Scenario {
    for i in 0..n {
        let c = format!("100.{}.{}.0/24", 64 + i / 256, i % 256);
        w.add_foreign_route(r, &c, "tgw-attach-0vpn", "vpn", false);
    }
    w
}

fn quota_of(plan: &Plan, r: &str) -> tgw_peering_core::planner::RouteQuota {
    plan.tables.iter().find(|t| t.region.as_str() == r).unwrap().quota.clone()
}

#[test]
fn a_referenced_list_counts_its_maximum_entries_against_the_route_quota() {
    let mut w = listed();
    w.region_mut(E).ledger[0].max_entries = 40;
    let plan = w.plan();
    // The local VPC's propagated route, and one referenced list of at most
    // 40 entries (holding one).
    assert_eq!(quota_of(&plan, E).counted, 1 + 40);
    assert_eq!(quota_of(&plan, W).counted, 1 + 1);
    assert_eq!(quota_of(&plan, E).quota, 10_000);
}

#[test]
fn a_plan_that_would_pass_the_route_quota_is_warned_of_in_either_mode() {
    // The local VPC's propagated route, the static route to the peer's VPC,
    // and 9,998 routes toward a VPN.
    let statics =
        with_vpn_routes(converged(), E, 9_998).vpc(W, "vpc-w2", Some("true"), &["10.2.0.0/16"]);
    let plan = statics.plan();
    assert_eq!(quota_of(&plan, E).counted, 10_000);
    assert_eq!(quota_of(&plan, E).after_plan, 10_001);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::RouteQuota
            && f.region.as_ref().is_some_and(|r| r.as_str() == E)),
        "{:?}",
        plan.findings
    );

    let lists =
        with_vpn_routes(listed(), E, 9_998).vpc(W, "vpc-w2", Some("true"), &["10.2.0.0/16"]);
    let plan = lists.plan();
    assert_eq!(quota_of(&plan, E).after_plan, 10_001, "the list grows by one entry");
    assert!(plan.findings.iter().any(|f| f.code == FindingCode::RouteQuota), "{:?}", plan.findings);

    let quiet = with_vpn_routes(listed(), E, 9_000).plan();
    assert!(!quiet.findings.iter().any(|f| f.kind() == FindingKind::Warning));
}

// --- VPC route tables (MANAGE_VPC_ROUTES) -------------------------------------

fn vpc_list_writes(plan: &Plan) -> Vec<String> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateVpcListRoute { route_table_id, prefix_list, .. } => {
                Some(format!("create {route_table_id} {prefix_list}"))
            }
            Action::DeleteVpcListRoute { route_table_id, prefix_list_id, .. } => {
                Some(format!("delete {route_table_id} {prefix_list_id}"))
            }
            Action::CreateVpcRoute { route_table_id, cidr, .. } => {
                Some(format!("create {route_table_id} {cidr}"))
            }
            Action::DeleteVpcRoute { route_table_id, cidr, .. } => {
                Some(format!("delete {route_table_id} {cidr}"))
            }
            Action::RetireVpcRoute { route_table_id, cidr, .. } => {
                Some(format!("retire {route_table_id} {cidr}"))
            }
            _ => None,
        })
        .collect()
}

/// [`listed`], with each tagged VPC's table routing to its transit gateway.
fn listed_vpcs() -> Scenario {
    listed().manage_vpc_routes().vpc_table(E, "vpc-e1", "rtb-e1", &["0.0.0.0/0>tgw"]).vpc_table(
        W,
        "vpc-w1",
        "rtb-w1",
        &["0.0.0.0/0>tgw"],
    )
}

#[test]
fn in_prefix_list_mode_a_vpc_table_gets_one_route_per_list_and_none_per_cidr() {
    let plan = listed_vpcs().plan();
    let mut writes = vpc_list_writes(&plan);
    writes.sort();
    assert_eq!(writes, ["create rtb-e1 pl-useast10", "create rtb-w1 pl-euwest10"]);
    let done = listed_vpcs().vpc_list_route(E, "rtb-e1", W).vpc_list_route(W, "rtb-w1", E).plan();
    assert!(done.actions.is_empty(), "{:?}", done.actions);
}

#[test]
fn a_vpc_tables_own_routes_go_only_once_its_list_route_is_in() {
    let per_cidr = listed_vpcs()
        .vpc_table(E, "vpc-e1", "rtb-e2", &["0.0.0.0/0>tgw", "10.1.0.0/16>tgw"])
        .vpc_list_route(W, "rtb-w1", E)
        .vpc_list_route(E, "rtb-e1", W);
    let first = per_cidr.plan();
    assert_eq!(vpc_list_writes(&first), ["create rtb-e2 pl-useast10"], "{:?}", first.actions);
    let second = per_cidr.vpc_list_route(E, "rtb-e2", W).plan();
    assert_eq!(vpc_list_writes(&second), ["retire rtb-e2 10.1.0.0/16"]);
}

#[test]
fn switching_vpc_tables_to_static_routes_writes_each_route_before_the_list_route_goes() {
    let east_table = |routes: &[&str]| {
        listed()
            .manage_vpc_routes()
            .configure(|c| c.route_mode = tgw_peering_core::RouteMode::Static)
            .route(E, "10.1.0.0/16", Some(P))
            .vpc_table(E, "vpc-e1", "rtb-e1", routes)
            .vpc_list_route(E, "rtb-e1", W)
            .plan()
    };
    let in_east = |plan: &Plan| -> Vec<String> {
        vpc_list_writes(plan).into_iter().filter(|w| w.contains("rtb-e1")).collect()
    };
    let first = east_table(&["0.0.0.0/0>tgw"]);
    assert_eq!(in_east(&first), ["create rtb-e1 10.1.0.0/16"], "{:?}", first.actions);
    let second = east_table(&["0.0.0.0/0>tgw", "10.1.0.0/16>tgw"]);
    assert_eq!(in_east(&second), ["delete rtb-e1 pl-useast10"], "{:?}", second.actions);
}

#[test]
fn no_list_route_takes_the_traffic_of_a_propagated_route_of_the_same_cidr() {
    let plan = listed()
        .manage_vpc_routes()
        .vpc_table(
            E,
            "vpc-e1",
            "rtb-e1",
            &["0.0.0.0/0>tgw", "10.1.0.0/16>vgw-1@EnableVgwRoutePropagation"],
        )
        .plan();
    assert!(vpc_list_writes(&plan).iter().all(|w| !w.contains("rtb-e1")), "{:?}", plan.actions);
}

#[test]
fn an_untagged_vpcs_list_route_is_removed() {
    let plan = listed_vpcs()
        .vpc(E, "vpc-e9", None, &["10.9.0.0/16"])
        .vpc_table(E, "vpc-e9", "rtb-e9", &["0.0.0.0/0>tgw"])
        .vpc_list_route(E, "rtb-e9", W)
        .vpc_list_route(E, "rtb-e1", W)
        .vpc_list_route(W, "rtb-w1", E)
        .plan();
    assert_eq!(vpc_list_writes(&plan), ["delete rtb-e9 pl-useast10"]);
}

#[test]
fn a_vpc_table_never_adds_an_entry_the_transit_gateway_table_refuses() {
    // 10.50.0.0/16 of the west is served in the east by a Direct Connect
    // route: the east table refuses it, so no VPC table of the east may
    // put it in the list (an entry would be a route of the east table too).
    let plan = listed_vpcs()
        .vpc(W, "vpc-w5", Some("true"), &["10.50.0.0/16"])
        .foreign_route(E, "10.50.0.0/16", "tgw-attach-0dx", "direct-connect-gateway", true)
        .vpc_list_route(E, "rtb-e1", W)
        .vpc_list_route(W, "rtb-w1", E)
        .plan();
    let added: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::UpdateLedger { region, add, .. } if region.as_str() == E => {
                Some(add.iter().map(|e| e.cidr.to_string()).collect::<Vec<_>>())
            }
            Action::CreateVpcRoute { region, cidr, .. } if region.as_str() == E => {
                Some(vec![cidr.to_string()])
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert!(added.is_empty(), "{:?}", plan.actions);
}

#[test]
fn in_static_mode_a_reference_of_the_tools_list_made_by_someone_else_is_left_alone() {
    let plan = listed()
        .configure(|c| c.route_mode = tgw_peering_core::RouteMode::Static)
        .foreign_route(E, "192.0.2.0/24", "tgw-attach-0vpn", "vpn", false)
        .referenced(E, W, "tgw-attach-0vpn")
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .plan();
    assert!(!references(&plan).iter().any(|(r, _)| r == E), "{:?}", plan.actions);
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::ListFrozen && f.subject.contains(E_LIST)),
        "{:?}",
        plan.findings
    );
}

#[test]
fn in_static_mode_a_reference_whose_entries_are_kept_but_unwanted_stays_and_is_no_wait() {
    // 10.1.0.0/16 is protected and no longer tagged: its listed route is
    // kept, it gets no static route, so the reference stays (a skip, not a
    // wait that would keep `apply` polling).
    let plan = listed()
        .configure(|c| {
            c.route_mode = tgw_peering_core::RouteMode::Static;
            c.protected_cidrs = vec![cidr("10.1.0.0/16")];
        })
        .vpc(W, "vpc-w1", None, &["10.1.0.0/16"])
        .route(W, "10.0.0.0/16", Some(P))
        .plan();
    assert!(!references(&plan).iter().any(|(r, _)| r == E), "{:?}", plan.actions);
    assert!(
        !plan.findings.iter().any(|f| f.kind() == FindingKind::Waiting
            && f.region.as_ref().is_some_and(|r| r.as_str() == E)),
        "{:?}",
        plan.findings
    );
}

#[test]
fn the_tools_blackhole_in_front_of_a_hidden_entry_is_retired_once_the_list_routes_it() {
    // The search lists the list's other entry but not 10.1.0.0/16, which
    // hides behind the tool's static route left on a blackhole.
    let mut w = listed()
        .vpc(W, "vpc-w9", Some("true"), &["10.9.0.0/16"])
        .ledger(E, W, &["10.9.0.0/16"])
        .referenced(E, W, P)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .recorded_peering(E, W, "tgw-attach-0gone");
    let list = w.region_mut(E).ledger[0].id.clone();
    let mut row = tgw_peering_core::domain::TgwRoute::static_to(
        cidr("10.9.0.0/16"),
        tgw_peering_core::domain::RouteTarget::Attachment(
            tgw_peering_core::domain::AttachmentId::parse(P).unwrap(),
        ),
    );
    row.kind = tgw_peering_core::domain::RouteKind::Propagated;
    row.prefix_list = Some(list);
    w.table(E).routes.push(row);
    let plan = w.plan();
    assert_eq!(retires(&plan), [(E.to_string(), "10.1.0.0/16".to_string())], "{:?}", plan.actions);
}

#[test]
fn someone_elses_static_route_in_front_of_an_entry_is_a_conflict_not_a_route() {
    let plan = listed().foreign_route(E, "10.1.0.0/16", "tgw-attach-0vpn", "vpn", false).plan();
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code == FindingCode::RouteExists && f.subject.contains("10.1.0.0/16")),
        "{:?}",
        plan.findings
    );
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
}

#[test]
fn with_max_withdrawals_zero_a_switch_is_held_for_a_person_not_waited_on() {
    let plan = converged()
        .configure(|c| c.max_withdrawals = Some(0))
        .prefix_list_mode()
        .referenced(E, W, P)
        .referenced(W, E, P)
        .plan();
    assert!(retires(&plan).is_empty(), "{:?}", plan.actions);
    assert!(plan.is_held() && !plan.is_waiting(), "{:?}", plan.findings);
}

#[test]
fn entries_of_a_reference_not_available_yet_are_withdrawn_only_within_the_budget() {
    let mut w = listed().configure(|c| c.max_withdrawals = Some(1));
    w = w.ledger(E, W, &["10.71.0.0/16", "10.72.0.0/16", "10.73.0.0/16"]);
    w.table(E).references[0].state = "pending".into();
    let plan = w.plan();
    // Three entries nothing wants, over a budget of one: all held, none
    // dropped as stale.
    assert!(released(&plan).iter().all(|(r, _)| r != E), "{:?}", plan.actions);
    assert!(plan.findings.iter().any(|f| f.code == FindingCode::OverBudget), "{:?}", plan.findings);
}
