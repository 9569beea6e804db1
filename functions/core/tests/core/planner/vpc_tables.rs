//! The planner's VPC route tables (`MANAGE_VPC_ROUTES=true`) on hand-built
//! observed states: us-east-1 (`tgw-0`) and eu-west-1 (`tgw-1`), peered by
//! `tgw-attach-1`, available and associated on both sides.

use crate::support::{cidr, region, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::{Action, FindingCode, Plan};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const PEERING: &str = "tgw-attach-1";

fn tgw_of(r: &str) -> TransitGatewayId {
    TransitGatewayId::parse(if r == EAST { "tgw-0" } else { "tgw-1" }).unwrap()
}

/// The two Regions, peered (`managed` says whether tgw-peering created the
/// peering), with MANAGE_VPC_ROUTES on and no VPC yet.
fn world(managed: bool) -> Scenario {
    let views = [(EAST, "available"), (WEST, "available")];
    Scenario::new(&[EAST, WEST])
        .manage_vpc_routes()
        .peering_with(PEERING, EAST, WEST, &views, 1, managed)
        .associated(EAST, PEERING)
        .associated(WEST, PEERING)
}

/// The VPC route writes of a plan: (kind, Region, table, CIDR, gateway).
fn vpc_writes(plan: &Plan) -> Vec<(&'static str, String, String, String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateVpcRoute { region, route_table_id, cidr, transit_gateway_id } => {
                Some(("create", region, route_table_id, cidr, transit_gateway_id))
            }
            Action::DeleteVpcRoute { region, route_table_id, cidr, transit_gateway_id } => {
                Some(("delete", region, route_table_id, cidr, transit_gateway_id))
            }
            _ => None,
        })
        .map(|(k, r, t, c, g)| (k, r.to_string(), t.to_string(), c.to_string(), g.to_string()))
        .collect()
}

fn w(
    kind: &'static str,
    r: &str,
    t: &str,
    c: &str,
) -> (&'static str, String, String, String, String) {
    (kind, r.into(), t.into(), c.into(), tgw_of(r).to_string())
}

/// Findings about VPC route tables: those whose subject names one (an
/// `rtb-…` id, not a transit gateway's `tgw-rtb-…`), and the tables not
/// read. (code, subject), in the plan's order.
fn vpc_findings(plan: &Plan) -> Vec<(FindingCode, &str)> {
    plan.findings
        .iter()
        .filter(|f| {
            f.code == FindingCode::VpcTablesNotRead
                || f.subject.split([' ', '(', ')']).any(|id| id.starts_with("rtb-"))
        })
        .map(|f| (f.code, f.subject.as_str()))
        .collect()
}

/// Whether `found` are, in order, of these codes and about these routes
/// (their subjects name the CIDR, the table and the VPC).
fn are(found: &[(FindingCode, &str)], expected: &[(FindingCode, [&str; 3])]) -> bool {
    found.len() == expected.len()
        && found
            .iter()
            .zip(expected)
            .all(|((c, s), (code, ids))| c == code && ids.iter().all(|id| s.contains(id)))
}

/// East: tagged vpc-e1 (10.1.0.0/16); west: tagged vpc-w1 (10.2.0.0/16 and
/// 10.3.0.0/16) and untagged vpc-w2 (10.9.0.0/16).
fn two_tagged(managed: bool) -> Scenario {
    world(managed)
        .vpc(EAST, "vpc-e1", Some("true"), &["10.1.0.0/16"])
        .vpc(WEST, "vpc-w1", Some("true"), &["10.2.0.0/16", "10.3.0.0/16"])
        .vpc(WEST, "vpc-w2", None, &["10.9.0.0/16"])
}

#[test]
fn remote_tagged_cidrs_are_added_only_in_tables_that_serve_subnets_and_route_to_the_gateway() {
    let w0 = two_tagged(true)
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        // Routes to the gateway: managed.
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &["10.1.0.0/16>local@CreateRouteTable", "0.0.0.0/0>tgw"],
        )
        // No route to the gateway.
        .vpc_table(EAST, "vpc-e1", "rtb-b", &["0.0.0.0/0>igw-1"])
        // Routes to another gateway only.
        .vpc_table(EAST, "vpc-e1", "rtb-c", &["0.0.0.0/0>tgw-9"])
        // Serves no subnet.
        .vpc_table_with(EAST, "vpc-e1", "rtb-d", false, &["0.0.0.0/0>tgw"])
        // An untagged VPC's table.
        .vpc_table(EAST, "vpc-e2", "rtb-e", &["0.0.0.0/0>tgw"])
        // The anchor may be of any origin, and a summary.
        .vpc_table(WEST, "vpc-w1", "rtb-f", &["10.0.0.0/8>tgw@CreateRouteTable"]);
    let p = w0.plan();
    assert_eq!(
        vpc_writes(&p),
        vec![
            w("create", WEST, "rtb-f", "10.1.0.0/16"),
            w("create", EAST, "rtb-a", "10.2.0.0/16"),
            w("create", EAST, "rtb-a", "10.3.0.0/16"),
        ]
    );
    assert!(vpc_findings(&p).is_empty(), "{:?}", p.findings);
    let shown: Vec<String> = p.actions.iter().map(|a| a.action.to_string()).collect();
    assert!(
        shown.contains(&"us-east-1: add VPC route 10.2.0.0/16 -> tgw-0 in rtb-a".to_owned()),
        "{shown:?}"
    );
    assert!(p.actions.iter().any(|a| a.action.kind() == "create_vpc_route"));
    assert!(p.actions.iter().all(|a| !a.reason.is_empty()));
}

#[test]
fn a_table_that_already_holds_every_remote_cidr_needs_nothing() {
    let p = two_tagged(true)
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw", "10.3.0.0/16>tgw"],
        )
        .plan();
    assert_eq!(vpc_writes(&p), vec![]);
}

#[test]
fn nothing_is_planned_for_vpc_tables_when_manage_vpc_routes_is_off() {
    let mut w0 =
        two_tagged(true).vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw", "10.9.0.0/16>tgw"]);
    assert!(!vpc_writes(&w0.plan()).is_empty(), "the flag is what matters");
    w0.config.manage_vpc_routes = false;
    let p = w0.plan();
    assert_eq!(vpc_writes(&p), vec![]);
    assert!(vpc_findings(&p).is_empty(), "{:?}", p.findings);
    // Nor any other finding about a VPC.
    assert!(p.findings.iter().all(|f| !f.subject.contains("vpc-")), "{:?}", p.findings);
}

#[test]
fn with_the_flag_on_but_no_tables_read_a_skip_is_reported() {
    let mut w0 = two_tagged(true);
    w0.region_mut(EAST).vpc_route_tables = None;
    let p = w0.plan();
    assert_eq!(vpc_writes(&p), vec![]);
    assert!(
        p.findings
            .iter()
            .any(|f| f.code == FindingCode::VpcTablesNotRead && f.region == Some(region(EAST))),
        "{:?}",
        p.findings
    );
}

#[test]
fn a_route_for_a_remote_cidr_to_another_target_is_a_conflict_and_not_overwritten() {
    let p = two_tagged(true)
        .vpc(EAST, "vpc-e3", Some("true"), &["10.5.0.0/16"])
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &["0.0.0.0/0>tgw", "10.2.0.0/16>igw-1", "10.3.0.0/16>pcx-1"],
        )
        .vpc_table(
            EAST,
            "vpc-e3",
            "rtb-b",
            &["0.0.0.0/0>tgw", "10.2.0.0/16>nat-1", "10.3.0.0/16>tgw-9"],
        )
        .plan();
    assert_eq!(vpc_writes(&p), vec![]);
    let conflicts = vpc_findings(&p);
    let exists = FindingCode::RouteExists;
    assert!(
        are(
            &conflicts,
            &[
                (exists, ["10.2.0.0/16", "rtb-a", "vpc-e1"]),
                (exists, ["10.2.0.0/16", "rtb-b", "vpc-e3"]),
                (exists, ["10.3.0.0/16", "rtb-a", "vpc-e1"]),
                (exists, ["10.3.0.0/16", "rtb-b", "vpc-e3"]),
            ]
        ),
        "{:?}",
        p.findings
    );
    // The route's present target (AWS's) is named.
    let to_tgw9 = p
        .findings
        .iter()
        .find(|f| f.subject.contains("10.3.0.0/16") && f.subject.contains("rtb-b"));
    assert!(to_tgw9.is_some_and(|f| f.reason.contains("tgw-9")), "{:?}", p.findings);
}

#[test]
fn cidrs_that_overlap_between_regions_get_no_vpc_route() {
    let p = two_tagged(true)
        .vpc(EAST, "vpc-e3", Some("true"), &["10.2.5.0/24"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw"])
        .vpc_table(WEST, "vpc-w1", "rtb-w", &["0.0.0.0/0>tgw"])
        .plan();
    assert_eq!(
        vpc_writes(&p),
        vec![w("create", WEST, "rtb-w", "10.1.0.0/16"), w("create", EAST, "rtb-a", "10.3.0.0/16"),]
    );
}

#[test]
fn a_remote_cidr_that_overlaps_an_untagged_vpc_of_the_region_gets_no_vpc_route() {
    // 10.3.0.0/16 is tagged in eu-west-1 and used by an untagged VPC in
    // us-east-1: the transit gateway route table does not route it, so no
    // VPC route table sends it there either.
    let p = two_tagged(true)
        .vpc(EAST, "vpc-e4", None, &["10.3.0.0/16"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw"])
        .vpc_table(WEST, "vpc-w1", "rtb-w", &["0.0.0.0/0>tgw"])
        .plan();
    assert_eq!(
        vpc_writes(&p),
        vec![w("create", WEST, "rtb-w", "10.1.0.0/16"), w("create", EAST, "rtb-a", "10.2.0.0/16"),]
    );
}

#[test]
fn no_vpc_route_is_added_before_the_peering_is_available_on_this_side() {
    let mut w0 = two_tagged(true).vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw"]);
    for p in &mut w0.region_mut(EAST).peerings {
        p.states.insert(region(EAST), PeeringState::Pending);
    }
    assert_eq!(vpc_writes(&w0.plan()), vec![]);
}

#[test]
fn untagging_a_remote_vpc_withdraws_its_routes_and_unproven_routes_stay() {
    let mut w0 = two_tagged(true)
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16", "10.9.0.0/16"])
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &[
                "0.0.0.0/0>tgw",
                "10.2.0.0/16>tgw",
                "10.3.0.0/16>tgw",
                // vpc-w2 is not tagged: withdrawn.
                "10.9.0.0/16>tgw",
                // Not in the ledger: not proven to be the tool's, kept.
                "192.168.0.0/16>tgw",
            ],
        );
    w0.config.prune_routes = true;
    let p = w0.plan();
    assert_eq!(vpc_writes(&p), vec![w("delete", EAST, "rtb-a", "10.9.0.0/16")]);
    let reason = &p.actions.iter().find(|a| a.action.kind() == "delete_vpc_route").unwrap().reason;
    assert!(reason.contains("vpc-w2") && reason.contains(WEST), "{reason}");

    // A disassociated CIDR of a tagged VPC is withdrawn too.
    let p = two_tagged(true)
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16", "10.7.0.0/16", "10.8.0.0/16"])
        .vpc(WEST, "vpc-w3", Some("true"), &["10.7.0.0/16", "10.8.0.0/16!"])
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &[
                "0.0.0.0/0>tgw",
                "10.2.0.0/16>tgw",
                "10.3.0.0/16>tgw",
                "10.7.0.0/16>tgw",
                "10.8.0.0/16>tgw",
            ],
        )
        .plan();
    assert_eq!(vpc_writes(&p), vec![w("delete", EAST, "rtb-a", "10.8.0.0/16")]);
}

#[test]
fn the_table_of_an_untagged_vpc_loses_the_remote_routes_but_keeps_the_others() {
    let p = two_tagged(true)
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16", "10.9.0.0/16"])
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc_table(
            EAST,
            "vpc-e2",
            "rtb-u",
            &[
                "10.4.0.0/16>local@CreateRouteTable",
                "0.0.0.0/0>tgw",
                "10.2.0.0/16>tgw",
                "10.3.0.0/16>tgw",
                "10.9.0.0/16>tgw",
                "172.16.0.0/12>tgw",
            ],
        )
        .plan();
    assert_eq!(
        vpc_writes(&p),
        vec![
            w("delete", EAST, "rtb-u", "10.2.0.0/16"),
            w("delete", EAST, "rtb-u", "10.3.0.0/16"),
            w("delete", EAST, "rtb-u", "10.9.0.0/16"),
        ]
    );
}

#[test]
fn vpc_routes_outside_the_ledger_are_added_but_never_removed() {
    // The peering was not created by the tool and the ledger is empty: the
    // routes toward the gateway are someone else's, even for CIDRs the tool
    // would withdraw.
    let p = two_tagged(false)
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw", "10.9.0.0/16>tgw"])
        .vpc_table(EAST, "vpc-e2", "rtb-u", &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw"])
        .plan();
    assert_eq!(
        vpc_writes(&p),
        vec![w("create", EAST, "rtb-a", "10.2.0.0/16"), w("create", EAST, "rtb-a", "10.3.0.0/16"),]
    );
    // Once the tool has routed them (its ledger records them), a route in
    // the untagged VPC's table is withdrawn, on any peering.
    let p = two_tagged(false)
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16"])
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc_table(EAST, "vpc-e2", "rtb-u", &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw"])
        .plan();
    assert_eq!(vpc_writes(&p), vec![w("delete", EAST, "rtb-u", "10.2.0.0/16")]);
}

#[test]
fn a_protected_cidr_is_never_deleted() {
    let mut w0 = two_tagged(true)
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16", "10.9.0.0/16"])
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw", "10.3.0.0/16>tgw", "10.9.0.0/16>tgw"],
        )
        .vpc_table(EAST, "vpc-e2", "rtb-u", &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw"]);
    assert_eq!(vpc_writes(&w0.plan()).len(), 2, "both would go unprotected");
    w0.config.protected_cidrs = vec![cidr("10.9.0.0/16"), cidr("10.2.0.0/15")];
    let p = w0.plan();
    assert_eq!(vpc_writes(&p), vec![]);
    let kept = vpc_findings(&p);
    assert!(
        are(
            &kept,
            &[
                (FindingCode::Protected, ["10.2.0.0/16", "rtb-u", "vpc-e2"]),
                (FindingCode::Protected, ["10.9.0.0/16", "rtb-a", "vpc-e1"]),
            ]
        ),
        "{kept:?}"
    );
}

#[test]
fn propagated_and_local_routes_are_never_touched() {
    let p = two_tagged(true)
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &[
                "0.0.0.0/0>tgw",
                // A propagated route for a wanted CIDR: a conflict, not replaced.
                "10.2.0.0/16>vgw-1@EnableVgwRoutePropagation",
                "10.3.0.0/16>tgw",
                // Withdrawn CIDR, but not made by CreateRoute (or origin unknown).
                "10.9.0.0/16>tgw@EnableVgwRoutePropagation",
            ],
        )
        .vpc_table(
            EAST,
            "vpc-e2",
            "rtb-u",
            &[
                "10.4.0.0/16>local@CreateRouteTable",
                "0.0.0.0/0>tgw",
                "10.2.0.0/16>tgw@",
                "10.3.0.0/16>tgw@CreateRouteTable",
            ],
        )
        .plan();
    assert_eq!(vpc_writes(&p), vec![]);
    let found = vpc_findings(&p);
    assert!(
        are(&found, &[(FindingCode::RouteExists, ["10.2.0.0/16", "rtb-a", "vpc-e1"])]),
        "{found:?}"
    );
}

#[test]
fn ipv6_cidrs_are_routed_only_from_vpcs_that_have_an_ipv6_block() {
    let p = world(true)
        .vpc(EAST, "vpc-e1", Some("true"), &["10.1.0.0/16"])
        .vpc(EAST, "vpc-e2", Some("true"), &["10.4.0.0/16", "2600:1f18:1::/56"])
        .vpc(WEST, "vpc-w1", Some("true"), &["10.2.0.0/16", "2600:1f18:2::/56"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw"])
        .vpc_table(EAST, "vpc-e2", "rtb-b", &["0.0.0.0/0>tgw"])
        .plan();
    assert_eq!(
        vpc_writes(&p),
        vec![
            w("create", EAST, "rtb-a", "10.2.0.0/16"),
            w("create", EAST, "rtb-b", "10.2.0.0/16"),
            w("create", EAST, "rtb-b", "2600:1f18:2::/56"),
        ]
    );
}

#[test]
fn vpc_route_writes_run_with_the_route_writes_in_their_own_region() {
    let p = two_tagged(true)
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16", "10.9.0.0/16"])
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw"])
        .vpc_table(EAST, "vpc-e2", "rtb-u", &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw"])
        .plan();
    let vpc: Vec<&Action> =
        p.actions.iter().map(|a| &a.action).filter(|a| a.kind().ends_with("_vpc_route")).collect();
    assert_eq!(vpc.len(), 3, "{vpc:?}");
    for a in vpc {
        assert!(a.is_route_write(), "{a}");
        assert_eq!(a.region(), &region(EAST), "{a}");
    }
    let shown: Vec<String> = p.actions.iter().map(|a| a.action.to_string()).collect();
    assert!(
        shown.contains(&"us-east-1: remove VPC route 10.2.0.0/16 -> tgw-0 from rtb-u".to_owned()),
        "{shown:?}"
    );
}

#[test]
fn an_entry_stays_while_another_table_still_routes_its_cidr() {
    // 10.2.0.0/16 of vpc-w1 is routed in east's transit gateway table and
    // in the tables of vpc-e1 (tagged) and vpc-e2 (untagged now).
    let plan = world(false)
        .vpc(EAST, "vpc-e1", Some("true"), &["10.1.0.0/16"])
        .vpc(EAST, "vpc-e2", None, &["10.4.0.0/16"])
        .vpc(WEST, "vpc-w1", Some("true"), &["10.2.0.0/16"])
        .route(EAST, "10.2.0.0/16", Some(PEERING))
        .route(WEST, "10.1.0.0/16", Some(PEERING))
        .ledger(EAST, WEST, &["10.2.0.0/16"])
        .ledger(WEST, EAST, &["10.1.0.0/16"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw"])
        .vpc_table(EAST, "vpc-e2", "rtb-b", &["0.0.0.0/0>tgw", "10.2.0.0/16>tgw"])
        .plan();
    assert_eq!(vpc_writes(&plan), [w("delete", EAST, "rtb-b", "10.2.0.0/16")]);
    let released = plan.actions.iter().any(|p| match &p.action {
        Action::ReleaseLedger { remove, .. } | Action::UpdateLedger { remove, .. } => {
            remove.contains(&cidr("10.2.0.0/16"))
        }
        _ => false,
    });
    assert!(!released, "the entry is still needed: {:?}", plan.actions);
}

#[test]
fn a_cidr_the_transit_gateway_table_refuses_gets_no_vpc_route_and_an_untagged_tables_goes() {
    // 10.50.0.0/16 of the west is served in the east by a VPN route: the
    // east's transit gateway table refuses it. A tagged VPC's table gets no
    // new route for it; the tool's route in an untagged VPC's table goes.
    let plan = world(true)
        .vpc(EAST, "vpc-e1", Some("true"), &["10.10.0.0/16"])
        .vpc(EAST, "vpc-e2", None, &["10.11.0.0/16"])
        .vpc(WEST, "vpc-w1", Some("true"), &["10.50.0.0/16"])
        .foreign_route(EAST, "10.50.0.0/16", "tgw-attach-0vpn", "vpn", false)
        .ledger(EAST, WEST, &["10.50.0.0/16"])
        .vpc_table(EAST, "vpc-e1", "rtb-e1", &["0.0.0.0/0>tgw"])
        .vpc_table(EAST, "vpc-e2", "rtb-e2", &["0.0.0.0/0>tgw", "10.50.0.0/16>tgw"])
        .plan();
    let east: Vec<_> = vpc_writes(&plan).into_iter().filter(|w| w.1 == EAST).collect();
    assert_eq!(east, [w("delete", EAST, "rtb-e2", "10.50.0.0/16")], "{:?}", plan.actions);
}

// --- The quota of routes per VPC route table ---------------------------------

fn quota_of<'a>(
    p: &'a Plan,
    table: &str,
    family: Family,
) -> &'a tgw_peering_core::planner::VpcTableQuota {
    p.vpc_tables
        .iter()
        .find(|q| q.route_table_id.as_str() == table && q.family == family)
        .unwrap_or_else(|| panic!("no {family:?} count of {table}: {:?}", p.vpc_tables))
}

#[test]
fn a_vpc_table_at_its_quota_gets_no_write_that_passes_it_and_a_warning() {
    let p = two_tagged(true)
        .configure(|c| c.vpc_route_quota = 3)
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &["10.1.0.0/16>local@CreateRouteTable", "0.0.0.0/0>tgw"],
        )
        .plan();
    // The local route and the default count: one of the two additions fits.
    assert_eq!(vpc_writes(&p), vec![w("create", EAST, "rtb-a", "10.2.0.0/16")]);
    assert!(
        p.findings.iter().any(|f| f.code == FindingCode::VpcRouteQuota
            && f.region == Some(region(EAST))
            && f.subject.contains("rtb-a")),
        "{:?}",
        p.findings
    );
    let q = quota_of(&p, "rtb-a", Family::Ipv4);
    assert_eq!((q.counted, q.after_plan, q.quota), (2, 3, 3));
}

#[test]
fn the_vpc_route_quota_counts_each_family_apart_and_propagated_routes_not_at_all() {
    let p = world(true)
        .configure(|c| c.vpc_route_quota = 2)
        .vpc(EAST, "vpc-e1", Some("true"), &["10.1.0.0/16", "2600:1f18:9::/56"])
        .vpc(WEST, "vpc-w1", Some("true"), &["10.2.0.0/16", "2600:1f18:1::/56"])
        .vpc_table(
            EAST,
            "vpc-e1",
            "rtb-a",
            &[
                "0.0.0.0/0>tgw",
                "::/0>tgw",
                "10.8.0.0/16>vgw-1",
                "10.9.0.0/16>vgw-1@EnableVgwRoutePropagation",
            ],
        )
        .plan();
    // IPv4 is full (two routes; the propagated one is not counted); IPv6
    // has room.
    assert_eq!(vpc_writes(&p), vec![w("create", EAST, "rtb-a", "2600:1f18:1::/56")]);
    let v4 = quota_of(&p, "rtb-a", Family::Ipv4);
    assert_eq!((v4.counted, v4.after_plan), (2, 2));
    let v6 = quota_of(&p, "rtb-a", Family::Ipv6);
    assert_eq!((v6.counted, v6.after_plan), (1, 2));
}

#[test]
fn a_route_toward_a_ledger_list_weighs_the_lists_maximum_entries() {
    let p = world(true)
        .prefix_list_mode()
        .configure(|c| c.vpc_route_quota = 10)
        .vpc(EAST, "vpc-e1", Some("true"), &["10.1.0.0/16"])
        .vpc(WEST, "vpc-w1", Some("true"), &["10.2.0.0/16", "10.3.0.0/16"])
        .ledger(EAST, WEST, &["10.2.0.0/16", "10.3.0.0/16"])
        .vpc_table(EAST, "vpc-e1", "rtb-a", &["0.0.0.0/0>tgw"])
        .vpc_list_route(EAST, "rtb-a", WEST)
        .plan();
    // The default route and the list's two entries.
    assert_eq!(quota_of(&p, "rtb-a", Family::Ipv4).counted, 3);
}
