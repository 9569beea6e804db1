//! The watcher function's `Watcher`: the looks of watch chains and their
//! announcements on the bus; no reconcile, and no write (it holds EC2 reads
//! only).

use std::sync::Arc;

use crate::support::{fixture, sqs_batch, typed, Caller, Rig, World, ACCOUNT};
use tgw_peering_core::domain::PeeringState;
use tgw_peering_core::events::{Recheck, STATE_CHANGE};
use tgw_peering_core::handler::{HandleReport, Watcher};
use tgw_peering_core::ports::{Ec2ReadClients, EventBus, RecheckQueue};
use tgw_peering_core::Error;

fn two_regions() -> Rig {
    let world = World::new(&["us-east-1", "eu-west-1"]);
    world.vpc("us-east-1", "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    Rig::new(world)
}

/// The watcher function of `rig`'s world, with or without its bus.
fn watcher(rig: &Rig, with_bus: bool) -> Watcher {
    let reads: Arc<dyn Ec2ReadClients> = Arc::new(rig.world.clone());
    let bus = with_bus.then(|| rig.bus.clone() as Arc<dyn EventBus>);
    let mut watcher = Watcher::new(rig.world.config(), reads, Arc::new(Caller(ACCOUNT)));
    (watcher.bus, watcher.queue) = (bus, Some(rig.queue.clone() as Arc<dyn RecheckQueue>));
    watcher
}

/// What the watcher function (with or without its bus) did with the
/// re-checks of a peering the reconciler requested, once AWS moved it on to
/// `pendingAcceptance`; and the writes made before its look.
async fn look_after_a_move(rig: &Rig, with_bus: bool) -> (HandleReport, usize) {
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    rig.bus.take();
    rig.world.set_peering_state(PeeringState::PendingAcceptance);
    let rechecks: Vec<Recheck> = rig.queue.take().into_iter().map(|(r, _)| r).collect();
    let writes = rig.world.writes().len();
    let batch = typed(&sqs_batch(&rechecks));
    (watcher(rig, with_bus).run_payload(&batch, None).await, writes)
}

#[tokio::test]
async fn the_watcher_function_announces_a_state_change_and_writes_nothing() {
    let rig = two_regions();
    let (report, writes) = look_after_a_move(&rig, true).await;
    assert!(report.failure.is_none(), "{:?}", report.failure);
    let changes = rig.bus.take();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].detail_type(), STATE_CHANGE);
    assert_eq!((rig.world.writes().len(), report.reconciles), (writes, 0));
}

#[tokio::test]
async fn the_watcher_function_refuses_an_event_that_asks_for_a_reconcile_for_good() {
    let rig = two_regions();
    let payload = typed(&fixture("tag-change-added.json"));
    let answer = watcher(&rig, true).lambda_before(&payload, None).await.unwrap();
    let answer = serde_json::to_value(answer).unwrap();
    assert_eq!(answer["errorType"], "Permanent");
    assert_eq!(rig.world.reads(), 0);
    assert!(rig.world.writes().is_empty());
}

#[tokio::test]
async fn without_a_bus_the_watcher_function_cannot_announce_and_fails_for_good() {
    let rig = two_regions();
    let (report, writes) = look_after_a_move(&rig, false).await;
    assert!(rig.bus.take().is_empty());
    assert!(matches!(report.failure, Some(Error::Config(_))), "{:?}", report.failure);
    assert_eq!((rig.world.writes().len(), report.reconciles), (writes, 0));
}
