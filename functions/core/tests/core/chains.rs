//! One live re-check chain per peering attachment: repeats and second
//! chains are dropped, the sweep starts none beside a live one, and a
//! failed look is not a repeat.

use crate::support::{fixture, sqs_batch, Rig, World};
use serde_json::json;
use tgw_peering_core::events::Recheck;
use tgw_peering_core::handler::Decision;

fn two_regions() -> Rig {
    let world = World::new(&["us-east-1", "eu-west-1"]);
    world.vpc("us-east-1", "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    Rig::new(world)
}

fn recheck(attachment: &str, started_at: i64, attempt: u32) -> Recheck {
    serde_json::from_value(json!({
        "attachment-id": attachment,
        "region": "us-east-1",
        "last-requester-state": "initiatingRequest",
        "last-accepter-state": null,
        "started-at": started_at,
        "attempt": attempt,
        "origin-event-id": "evt-origin",
    }))
    .unwrap()
}

/// The world's peering, requested by a tag event; its first re-check.
async fn requested(rig: &Rig) -> (String, Recheck) {
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    rig.bus.take();
    let (first, _) = rig.queue.take().pop().expect("the chain's first look");
    (rig.world.peerings()[0].0.to_string(), first)
}

fn redundant(report: &tgw_peering_core::handler::HandleReport) -> usize {
    report.decisions(Decision::Skip).filter(|r| r.kind == "redundant_recheck").count()
}

#[tokio::test]
async fn a_recheck_delivered_twice_is_made_once() {
    let rig = two_regions();
    let (_, first) = requested(&rig).await;
    rig.handler.handle(&sqs_batch(std::slice::from_ref(&first))).await.unwrap();
    assert_eq!(rig.queue.take().len(), 1, "the next look");
    let again = rig.handler.handle(&sqs_batch(&[first])).await.unwrap();
    assert_eq!(redundant(&again), 1, "{:?}", again.audit);
    assert!(rig.queue.take().is_empty(), "no fork");
}

#[tokio::test]
async fn the_newest_chain_goes_on_and_an_older_one_is_dropped() {
    let rig = two_regions();
    let (id, first) = requested(&rig).await;
    rig.handler.handle(&sqs_batch(std::slice::from_ref(&first))).await.unwrap();
    let (older_next, _) = rig.queue.take().pop().expect("the first chain's next look");

    // A newer chain (a new transition) is never dropped, even while the
    // first is live: no attachment is ever left unwatched.
    let newer = recheck(&id, first.chain.started_at + 1, 0);
    let report = rig.handler.handle(&sqs_batch(&[newer])).await.unwrap();
    assert_eq!(redundant(&report), 0);
    assert_eq!(rig.queue.take().len(), 1);

    // The older chain's next look is dropped: one chain goes on.
    let report = rig.handler.handle(&sqs_batch(&[older_next])).await.unwrap();
    assert_eq!(redundant(&report), 1, "{:?}", report.audit);
    assert!(rig.queue.take().is_empty());
}

#[tokio::test]
async fn a_failed_look_is_made_again_when_it_comes_back() {
    let rig = two_regions();
    let (_, first) = requested(&rig).await;
    rig.queue.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(rig.handler.handle(&sqs_batch(std::slice::from_ref(&first))).await.is_err());
    rig.queue.failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let report = rig.handler.handle(&sqs_batch(&[first])).await.unwrap();
    assert_eq!(redundant(&report), 0);
    assert_eq!(rig.queue.take().len(), 1);
}

#[tokio::test]
async fn the_sweep_starts_no_chain_beside_the_one_the_create_started() {
    let rig = two_regions();
    requested(&rig).await;
    rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert!(rig.queue.take().is_empty(), "the create's chain watches it");

    // Someone else's accept is a new transition: a new chain (the watcher
    // keeps one per attachment).
    rig.world.set_peering_state(tgw_peering_core::domain::PeeringState::Pending);
    rig.handler.handle(&fixture("cloudtrail-accept-tgw-peering.json")).await.unwrap();
    assert_eq!(rig.queue.take().len(), 1);
}

/// Brings messages back on request, and remembers how soon.
#[derive(Default)]
struct Redeliveries(std::sync::Mutex<Vec<(String, i32)>>);

#[async_trait::async_trait]
impl tgw_peering_core::ports::Redelivery for Redeliveries {
    async fn redeliver_in(
        &self,
        queue_url: &str,
        _receipt: &str,
        seconds: i32,
    ) -> Result<(), tgw_peering_core::Error> {
        self.0.lock().unwrap().push((queue_url.to_owned(), seconds));
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_recheck_comes_back_in_thirty_seconds_not_after_the_visibility_timeout() {
    let world = World::new(&["us-east-1", "eu-west-1"]);
    world.vpc("us-east-1", "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    let url = "https://sqs.us-east-1.amazonaws.com/123456789012/tgw-peering-recheck";
    let mut config = world.config();
    config.recheck_queue_url = Some(url.to_owned());
    let redeliveries = std::sync::Arc::new(Redeliveries::default());
    let mut rig = Rig::with_config(world, config);
    rig.handler = rig.handler.with_redelivery(redeliveries.clone());
    let (_, first) = requested(&rig).await;
    rig.queue.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let answer = rig.handler.lambda(&sqs_batch(&[first])).await.unwrap();
    assert_eq!(answer.batch.unwrap().batch_item_failures.len(), 1);
    assert_eq!(*redeliveries.0.lock().unwrap(), [(url.to_owned(), 30)]);
}
