//! Organizations on the emulator: three accounts. The network account
//! (123456789012, moto's default) owns both Regions' transit gateways and
//! shares them through AWS RAM (`TGW_EMULATOR_RAM_SHARED_WITH`); workload
//! accounts B (222222222222) and C (333333333333) own VPCs attached to
//! them in both Regions, and a read-only role each (`TGW_EMULATOR_ROLES`, as the workload
//! StackSet deploys it) that the tool assumes with its external id. B's
//! role trusts two external ids, C's only the first: running with the
//! second (an external id being rotated, C's stack not updated yet) makes
//! C's role refuse the tool.

use std::time::Duration;

use serde_json::Value;
use tgw_peering::commands::{apply, ApplyOptions, Session};
use tgw_peering_core::handler::{Decision, HandleReport, Handler};
use tgw_peering_core::FindingCode;
use tgw_peering_tests::{
    delete_vpc_event, route_uninstalled_event, tag_event, Emulator, Flavour, RegionWorld,
    EMULATOR_ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const B: &str = "222222222222";
const C: &str = "333333333333";
const STRANGER: &str = "444444444444";
const ROLE_NAME: &str = "tgw-peering-workload-read";
const EXTERNAL_ID: &str = "tgw-peering-ext-1";
const ROTATED_ID: &str = "tgw-peering-ext-2";

struct World {
    // Dropped last: stops the emulator.
    emulator: Emulator,
    east: RegionWorld,
    west: RegionWorld,
    /// B's view of us-east-1, C's of eu-west-1.
    b_east: RegionWorld,
    c_west: RegionWorld,
    /// B's VPC in us-east-1 (10.20.0.0/16), C's in eu-west-1 (10.30.0.0/16);
    /// B also has 10.40.0.0/16 in eu-west-1, C 10.50.0.0/16 in us-east-1.
    b_vpc: String,
    c_vpc: String,
}

async fn world() -> World {
    let roles = format!(
        "arn:aws:iam::{B}:role/{ROLE_NAME}={EXTERNAL_ID}|{ROTATED_ID};arn:aws:iam::{C}:role/{ROLE_NAME}={EXTERNAL_ID}"
    );
    let shared = format!("{B},{C}");
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_RAM_SHARED_WITH", &shared), ("TGW_EMULATOR_ROLES", &roles)],
    );
    let east = RegionWorld::shared(&emulator, EAST).await;
    let west = RegionWorld::shared(&emulator, WEST).await;
    east.vpc("10.1.0.0/16", Some("true"), &[]).await;
    let b_east = east.as_account(&emulator, B).await;
    let c_west = west.as_account(&emulator, C).await;
    let b_vpc = b_east.vpc("10.20.0.0/16", Some("true"), &[]).await;
    let c_vpc = c_west.vpc("10.30.0.0/16", Some("true"), &[]).await;
    west.as_account(&emulator, B).await.vpc("10.40.0.0/16", Some("true"), &[]).await;
    east.as_account(&emulator, C).await.vpc("10.50.0.0/16", Some("true"), &[]).await;
    World { emulator, east, west, b_east, c_west, b_vpc, c_vpc }
}

fn config(external_id: &str) -> tgw_peering_core::Config {
    tgw_peering_core::Config::from_lookup(|k| match k {
        "PEERING_REGIONS" => Some(format!("{EAST},{WEST}")),
        "WORKLOAD_ROLE_NAME" => Some(ROLE_NAME.to_owned()),
        "ROLE_EXTERNAL_ID" => Some(external_id.to_owned()),
        _ => None,
    })
    .expect("a valid configuration")
}

/// Peers the gateways and writes every route (`tgw-peering apply`).
async fn converge(w: &World) {
    let session = Session::new(config(EXTERNAL_ID), &w.emulator.sdk_config().await);
    let options =
        ApplyOptions { timeout: Duration::from_secs(60), poll: Duration::from_millis(200) };
    let report = apply(&session, options, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {report:#?}");
}

async fn cidrs(world: &RegionWorld) -> Vec<String> {
    let mut cidrs: Vec<String> = world.static_routes().await.into_iter().map(|(c, _)| c).collect();
    cidrs.sort();
    cidrs
}

async fn handle(handler: &Handler, payload: &Value) -> HandleReport {
    handler.handle(payload).await.unwrap_or_else(|e| panic!("handling failed: {e}\n{payload:#}"))
}

#[tokio::test]
async fn workload_vpcs_are_routed_across_regions_through_their_accounts_roles() {
    let w = world().await;
    converge(&w).await;
    assert_eq!(cidrs(&w.west).await, ["10.1.0.0/16", "10.20.0.0/16", "10.50.0.0/16"]);
    assert_eq!(cidrs(&w.east).await, ["10.30.0.0/16", "10.40.0.0/16"]);
    // The network account cannot list the workload VPCs itself.
    let listed = w.east.ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    assert!(listed.vpcs().iter().all(|v| v.vpc_id() != Some(w.b_vpc.as_str())));
}

#[tokio::test]
async fn a_workload_accounts_events_add_and_withdraw_its_routes_and_a_strangers_are_dropped() {
    let w = world().await;
    converge(&w).await;
    let handler =
        tgw_peering_core::wiring::handler(config(EXTERNAL_ID), &w.emulator.sdk_config().await);

    // B tags a new VPC: its event (as B's forwarder delivers it) routes it.
    let vpc = w.b_east.vpc("10.21.0.0/16", Some("true"), &[]).await;
    let report = handle(&handler, &tag_event(EAST, B, &vpc, true)).await;
    assert_eq!(report.decisions(Decision::Dropped).count(), 0, "{:?}", report.audit);
    assert_eq!(
        cidrs(&w.west).await,
        ["10.1.0.0/16", "10.20.0.0/16", "10.21.0.0/16", "10.50.0.0/16"]
    );

    // B untags it: withdrawn.
    w.b_east.untag(&vpc).await;
    handle(&handler, &tag_event(EAST, B, &vpc, false)).await;
    assert_eq!(cidrs(&w.west).await, ["10.1.0.0/16", "10.20.0.0/16", "10.50.0.0/16"]);

    // C deletes its VPC (its attachment first). C's DeleteVpc record names
    // a VPC no longer attached: dropped. The network account's own event
    // (Network Manager: the attachment's propagated route uninstalled)
    // reconciles, and the route is withdrawn.
    w.c_west.delete_vpc(&w.c_vpc).await;
    let report = handle(&handler, &delete_vpc_event(WEST, C, &w.c_vpc)).await;
    assert_eq!(report.decisions(Decision::Dropped).count(), 1, "{:?}", report.audit);
    assert_eq!(cidrs(&w.east).await, ["10.30.0.0/16", "10.40.0.0/16"]);
    let event = route_uninstalled_event(WEST, EMULATOR_ACCOUNT, "10.30.0.0/16");
    let report = handle(&handler, &event).await;
    assert_eq!(report.reconciles, 1, "{:?}", report.audit);
    assert_eq!(cidrs(&w.east).await, ["10.40.0.0/16"]);

    // An account that owns no attached VPC: dropped before any write.
    let before = (cidrs(&w.east).await, cidrs(&w.west).await);
    let report = handle(&handler, &tag_event(EAST, STRANGER, &w.b_vpc, false)).await;
    let dropped: Vec<_> = report.decisions(Decision::Dropped).collect();
    assert_eq!(dropped.len(), 1, "{:?}", report.audit);
    assert!(dropped[0].reason.contains(STRANGER), "{}", dropped[0].reason);
    assert_eq!(report.reconciles, 0);
    assert_eq!(report.decisions(Decision::Action).count(), 0);
    assert_eq!((cidrs(&w.east).await, cidrs(&w.west).await), before);
}

#[tokio::test]
async fn a_workload_role_that_cannot_be_assumed_leaves_its_routes_and_the_others_converge() {
    let w = world().await;
    converge(&w).await;
    // C untags its VPC, B tags a new one; the tool now runs with the
    // rotated external id, which C's role does not trust yet.
    w.c_west.untag(&w.c_vpc).await;
    let vpc = w.b_east.vpc("10.22.0.0/16", Some("true"), &[]).await;
    let handler =
        tgw_peering_core::wiring::handler(config(ROTATED_ID), &w.emulator.sdk_config().await);
    let report = handle(&handler, &tag_event(EAST, B, &vpc, true)).await;
    assert_eq!(
        cidrs(&w.west).await,
        ["10.1.0.0/16", "10.20.0.0/16", "10.22.0.0/16", "10.50.0.0/16"],
        "C's route from us-east-1 is left as it is"
    );
    assert_eq!(cidrs(&w.east).await, ["10.30.0.0/16", "10.40.0.0/16"], "and its untagged one");
    let held: Vec<_> = report.decisions(Decision::Held).collect();
    // C's account cannot be read: the refusal names the role STS refused.
    let c_held: Vec<_> = held
        .iter()
        .filter(|r| r.code == Some(FindingCode::AccountUnreadable) && r.subject.contains(C))
        .collect();
    assert!(!c_held.is_empty(), "{:?}", report.audit);
    let refused = format!("arn:aws:iam::{C}:role/{ROLE_NAME}");
    assert!(c_held.iter().all(|r| r.reason.contains(&refused)), "{c_held:?}");
    assert!(
        held.iter().all(|r| !r.subject.contains(B) && !r.reason.contains(B)),
        "B's role still works: {held:?}"
    );

    // Back on the id C's role trusts: the untag is seen, the route goes.
    let handler =
        tgw_peering_core::wiring::handler(config(EXTERNAL_ID), &w.emulator.sdk_config().await);
    handle(&handler, &tag_event(WEST, C, &w.c_vpc, false)).await;
    assert_eq!(cidrs(&w.east).await, ["10.40.0.0/16"]);
}
