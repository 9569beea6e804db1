//! A Region whose transit gateway is in transition (`ModifyTransitGateway`
//! puts it in `modifying`) is a wait, never a permanent failure: nothing is
//! written there, the other Regions go on, and the Region is watched until
//! `Transit Gateway Ready` brings the next reconcile.

use crate::support::{delivered, fixture, Rig, World};
use serde_json::Value;
use tgw_peering_core::events::{GatewayRecheck, GATEWAY_READY, GATEWAY_RECHECK_GIVE_UP_SECS};
use tgw_peering_core::handler::Decision;
use tgw_peering_core::FindingCode;

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

fn world() -> World {
    let world = World::new(&[EAST, WEST]);
    world.vpc(EAST, "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    world
}

fn bare(recheck: &GatewayRecheck) -> Value {
    serde_json::to_value(recheck).unwrap()
}

#[tokio::test]
async fn a_modifying_gateway_is_watched_until_ready_and_then_the_mesh_converges() {
    let rig = Rig::new(world());
    rig.world.set_gateway_state(WEST, "modifying");
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.expect("no failure");
    assert!(report.failure.is_none(), "a wait is no failure: {:?}", report.audit);
    assert!(rig.world.peerings().is_empty(), "nothing is requested toward a modifying gateway");
    let sent = rig.queue.take_gateway();
    assert_eq!(sent.len(), 1, "{:?}", report.audit);
    let (recheck, delay) = &sent[0];
    assert_eq!((recheck.region.as_str(), *delay), (WEST, 10));
    assert!(
        report.decisions(Decision::Waiting).any(|r| r.code
            == Some(FindingCode::GatewayInTransition)
            && r.subject.contains("tgw-1")),
        "{:?}",
        report.audit
    );

    // A second reconcile while it lasts starts no second chain.
    rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert!(rig.queue.take_gateway().is_empty(), "one chain per Region");

    // Still modifying: the next look.
    let report = rig.handler.handle(&bare(recheck)).await.unwrap();
    assert!(report.published.is_empty());
    let (next, _) = rig.queue.take_gateway().pop().expect("the next look");
    assert_eq!(next.chain.attempt, 1);

    // Available: Transit Gateway Ready, whose delivery reconciles.
    rig.world.set_gateway_state(WEST, "available");
    let report = rig.handler.handle(&bare(&next)).await.unwrap();
    let ready = report.published.first().expect("Transit Gateway Ready");
    assert_eq!(ready.detail_type(), GATEWAY_READY);
    assert_eq!(ready.detail()["region"], WEST);
    assert!(rig.queue.take_gateway().is_empty(), "the chain ends");
    rig.handler.handle(&delivered(ready, "ready-1")).await.unwrap();
    assert_eq!(rig.world.peerings().len(), 1, "the reconcile requested the peering");
}

#[tokio::test]
async fn a_gateway_watch_gives_up_after_its_time_with_an_audit_line() {
    let rig = Rig::new(world());
    rig.world.set_gateway_state(WEST, "modifying");
    rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    let (mut recheck, _) = rig.queue.take_gateway().pop().expect("a watch");
    recheck.chain.started_at -= GATEWAY_RECHECK_GIVE_UP_SECS;
    let report = rig.handler.handle(&bare(&recheck)).await.unwrap();
    assert!(rig.queue.take_gateway().is_empty(), "no next look");
    assert!(report.decisions(Decision::Warning).any(|r| r.kind == "gateway_wait_given_up"));
}
