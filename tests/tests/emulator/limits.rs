//! AWS's limits at run time on the emulator: a ledger list that cannot
//! grow, a route search that cannot be read whole, IPv6 on attachments
//! with and without IPv6 support, the VPC route table quota. Each emulator
//! switch behaves as the AWS page its patch cites.

use std::collections::BTreeSet;

use super::common::converge;
use tgw_peering::commands::Session;
use tgw_peering_core::execute::{execute, Execution, ResultLabel};
use tgw_peering_core::observe::observe;
use tgw_peering_core::{plan, Action, Finding, FindingCode, Plan};
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

async fn reconcile(session: &Session) -> (Plan, Execution) {
    let observed = observe(&session.clients, &session.config).await.expect("observe");
    let planned = plan(&observed, &session.config).expect("plan");
    let done = execute(&session.clients, &planned).await;
    (planned, done)
}

fn in_region<'a>(plan: &'a Plan, r: &str) -> Vec<&'a Action> {
    plan.actions.iter().map(|p| &p.action).filter(|a| a.region().as_str() == r).collect()
}

/// The finding of `code` whose subject names `id` (a list's, a gateway's or
/// a VPC's id, a Region).
fn finding<'a>(plan: &'a Plan, code: FindingCode, id: &str) -> Option<&'a Finding> {
    plan.findings.iter().find(|f| f.code == code && f.subject.contains(id))
}

/// What the emulator's `ModifyManagedPrefixList` leaves as the list's
/// `StateMessage` when a resize is refused (AWS's words).
const REFUSED: &str = "do not support the new maximum size";

async fn world(emulator: &Emulator) -> (RegionWorld, RegionWorld) {
    let east = RegionWorld::new(emulator, EAST).await;
    let west = RegionWorld::new(emulator, WEST).await;
    east.vpc("10.10.0.0/24", Some("true"), &[]).await;
    west.vpc("10.20.0.0/24", Some("true"), &[]).await;
    (east, west)
}

/// The CIDRs of `world`'s static routes that are active.
async fn routed(world: &RegionWorld) -> BTreeSet<String> {
    world
        .static_routes_with_state()
        .await
        .into_iter()
        .filter(|(_, _, state)| state == "active")
        .map(|(c, _, _)| c)
        .collect()
}

#[tokio::test]
async fn a_ledger_list_whose_resize_fails_is_not_resized_again_and_new_cidrs_of_its_peer_wait() {
    // Any growth past one entry ends in `modify-failed`.
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_PREFIX_LIST_MAX_RESIZE", "1")],
    );
    let (east, west) = world(&emulator).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    converge(&session).await;
    east.vpc("10.10.1.0/24", Some("true"), &[]).await;

    // The resize is asked once and fails.
    let (first, _) = reconcile(&session).await;
    let resizes = |p: &Plan| {
        in_region(p, WEST).iter().filter(|a| matches!(a, Action::ResizeLedger { .. })).count()
    };
    assert_eq!(resizes(&first), 1, "{:?}", first.actions);
    let list = west.ledger_lists().await.into_iter().next().expect("W's ledger list");
    assert_eq!(list.max_entries, 1, "the size stayed");

    // The next reconcile does not ask it again, says why with AWS's state
    // message, and gives the new CIDR to no other list.
    let (second, done) = reconcile(&session).await;
    assert_eq!(resizes(&second), 0, "{:?}", second.actions);
    assert!(
        !in_region(&second, WEST).iter().any(|a| matches!(a, Action::CreateLedger { .. })),
        "{:?}",
        second.actions
    );
    let failed = finding(&second, FindingCode::ListChangeFailed, &list.id);
    assert!(failed.is_some_and(|f| f.reason.contains(REFUSED)), "{:?}", second.findings);
    let waits = finding(&second, FindingCode::ResizeFailed, EAST);
    assert!(
        waits.is_some_and(|f| f.region.as_ref().is_some_and(|r| r.as_str() == WEST)
            && f.reason.contains(&list.id)
            && f.reason.contains(REFUSED)),
        "{:?}",
        second.findings
    );
    assert!(done.executed.iter().all(|e| e.label() != ResultLabel::Error), "{done:?}");
    assert_eq!(west.ledger_lists().await.len(), 1, "no other list");
    // What the list holds stays routed; the new CIDR waits.
    let routes = routed(&west).await;
    assert!(routes.contains("10.10.0.0/24"), "{routes:?}");
    assert!(!routes.contains("10.10.1.0/24"), "{routes:?}");
}

#[tokio::test]
async fn a_search_that_flags_more_routes_without_a_token_leads_to_no_write_in_that_table() {
    // Six routes a search at most, and no way to the rest.
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_SEARCH_PARTIAL", "6")],
    );
    let (east, west) = world(&emulator).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    converge(&session).await;
    // Someone's five blackholes take W's table past one page.
    for i in 0..5 {
        west.blackhole_route(&format!("192.168.{i}.0/24")).await;
    }
    east.vpc("10.10.1.0/24", Some("true"), &[]).await;

    let (planned, done) = reconcile(&session).await;
    assert!(in_region(&planned, WEST).is_empty(), "{:?}", planned.actions);
    // W's gateway is available: the wait is its table's, read in part.
    let waits = finding(&planned, FindingCode::GatewayInTransition, &west.tgw);
    assert!(
        waits.is_some_and(|f| f.region.as_ref().is_some_and(|r| r.as_str() == WEST)),
        "{:?}",
        planned.findings
    );
    assert!(!planned.is_converged());
    assert!(
        done.executed.iter().all(|e| e.planned.action.region().as_str() != WEST),
        "no write in W: {done:?}"
    );
}

/// The Amazon-provided IPv6 block of `vpc`, in canonical text (the
/// emulator answers `…:0700::/56`).
async fn ipv6_of(world: &RegionWorld, vpc: &str) -> String {
    let vpcs = world.ec2.describe_vpcs().vpc_ids(vpc).send().await.expect("DescribeVpcs");
    let v = vpcs.vpcs().first().expect("the VPC");
    let block = v.ipv6_cidr_block_association_set().first().expect("an IPv6 block");
    let cidr: ipnet::IpNet = block.ipv6_cidr_block().expect("a CIDR").parse().expect("a CIDR");
    cidr.to_string()
}

#[tokio::test]
async fn a_dual_stack_vpc_has_its_ipv6_block_routed_only_when_attached_with_ipv6_support() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west) = world(&emulator).await;
    let without = east.vpc_with_ipv6_without_support("10.10.1.0/24", Some("true")).await;
    let with = east.vpc_with_ipv6("10.10.2.0/24", Some("true")).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    let report = converge(&session).await;
    let routes = routed(&west).await;
    for v4 in ["10.10.1.0/24", "10.10.2.0/24"] {
        assert!(routes.contains(v4), "{v4}: {routes:?}");
    }
    let (unsupported, supported) = (ipv6_of(&east, &without).await, ipv6_of(&east, &with).await);
    assert!(!routes.contains(&unsupported), "{unsupported}: {routes:?}");
    assert!(routes.contains(&supported), "{supported}: {routes:?}");
    let skipped = report
        .findings
        .iter()
        .any(|f| f.code == FindingCode::Ipv6Unsupported && f.subject.contains(&without));
    assert!(skipped, "{:?}", report.findings);
}
