//! SQS batches of EventBridge events (the FIFO reconcile queue): one
//! reconcile per batch, and `batchItemFailures` that keep the order.

use crate::support::{fixture, region, settle, Rig, World};
use serde_json::{json, Value};
use tgw_peering_core::events::{parse, Trigger};
use tgw_peering_core::handler::Decision;

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
pub(crate) const FIFO_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:tgw-peering-reconcile.fifo";

/// The events as the Lambda SQS integration delivers them from `queue_arn`,
/// each the body of one message (as EventBridge sends them).
pub(crate) fn batch(events: &[Value], queue_arn: &str) -> Value {
    batch_sent_at(events, queue_arn, 1_764_000_000_000)
}

/// The same, each message received by SQS at `sent_at_ms`.
fn batch_sent_at(events: &[Value], queue_arn: &str, sent_at_ms: i64) -> Value {
    let records: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({
                "messageId": format!("m-{i}"),
                "receiptHandle": "handle",
                "body": e.to_string(),
                "attributes": {
                    "MessageGroupId": "tgw-peering",
                    "SentTimestamp": sent_at_ms.to_string(),
                },
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": EAST,
            })
        })
        .collect();
    json!({ "Records": records })
}

fn tag_event(vpc: &str, n: usize) -> Value {
    let mut e = fixture("tag-change-added.json");
    e["id"] = json!(format!("tag-{n}"));
    e["resources"] = json!([format!("arn:aws:ec2:{EAST}:123456789012:vpc/{vpc}")]);
    e
}

fn vpc_id(i: usize) -> String {
    format!("vpc-0a00000000000{i:04}")
}

/// us-east-1 with `n` newly tagged VPCs, eu-west-1 with one; the peering
/// already available, so that a reconcile writes routes.
async fn peered_world(n: usize) -> Rig {
    let world = World::new(&[EAST, WEST]);
    world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    world.vpc(EAST, "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    let rig = Rig::new(world);
    rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    settle(&rig).await;
    for i in 0..n {
        rig.world.vpc(EAST, &vpc_id(i), Some("true"), &[&format!("10.21.{i}.0/24")]);
    }
    rig
}

#[test]
fn the_fifo_fixture_yields_each_event_with_its_message() {
    let parsed = parse(&fixture("sqs-events-fifo.json"), "addToTransitGateway").unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].id, fixture("tag-change-added.json")["id"]);
    assert!(matches!(parsed[0].trigger, Trigger::Vpc { .. }));
    assert!(matches!(parsed[1].trigger, Trigger::Vpc { .. }));
    for (i, p) in parsed.iter().enumerate() {
        let m = p.message.as_ref().unwrap();
        assert_eq!(m.id, fixture("sqs-events-fifo.json")["Records"][i]["messageId"]);
        assert!(m.ordered, "a .fifo queue keeps its order");
    }
}

#[tokio::test]
async fn a_batch_of_ten_tag_events_is_one_reconcile_that_routes_every_vpc() {
    let rig = peered_world(10).await;
    let reads_before = rig.world.reads();
    let events: Vec<Value> = (0..10).map(|i| tag_event(&vpc_id(i), i)).collect();
    let report = rig.handler.handle(&batch(&events, FIFO_ARN)).await.unwrap();

    assert_eq!(report.reconciles, 1);
    let coalesced: Vec<_> = report.audit.iter().filter(|r| r.kind == "coalesced").collect();
    assert_eq!(coalesced.len(), 9, "every event but the lead says which reconcile took it");
    assert!(coalesced.iter().all(|r| r.reason.contains("tag-0")));
    let routes = rig.world.routes(WEST);
    for i in 0..10 {
        let cidr = format!("10.21.{i}.0/24");
        assert!(routes.iter().any(|r| r.contains(&cidr)), "{cidr} missing from {routes:?}");
    }
    // One reconcile's reads: the same as a single event's on the same
    // world that routes one more VPC (each then reads what verifying the
    // paths needs).
    let batch_reads = rig.world.reads() - reads_before;
    rig.world.vpc(EAST, &vpc_id(10), Some("true"), &["10.21.10.0/24"]);
    let before = rig.world.reads();
    rig.handler.handle(&tag_event(&vpc_id(10), 99)).await.unwrap();
    assert!(rig.world.routes(WEST).iter().any(|r| r.contains("10.21.10.0/24")), "routed");
    assert_eq!(rig.world.reads() - before, batch_reads);
}

#[tokio::test]
async fn a_batch_with_nothing_to_reconcile_reads_nothing() {
    let rig = peered_world(0).await;
    let before = rig.world.reads();
    let events =
        [fixture("tag-change-other-key.json"), fixture("cloudtrail-failed-create-tags.json")];
    let report = rig.handler.handle(&batch(&events, FIFO_ARN)).await.unwrap();
    assert_eq!(report.reconciles, 0);
    assert_eq!(rig.world.reads(), before);
    assert_eq!(report.decisions(Decision::Skip).count(), 2);
}

#[tokio::test]
async fn a_failed_reconcile_of_a_fifo_batch_reports_its_events_and_every_later_message() {
    let world = World::new(&[EAST, WEST]);
    world.vpc(EAST, "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    // A managed Region the world cannot reach: the reconcile's read fails
    // retryably.
    let mut config = world.config();
    config.regions.push(region("ap-south-1"));
    let rig = Rig::with_config(world, config);
    let events = [
        fixture("tag-change-other-key.json"),
        tag_event("vpc-0a1b2c3d4e5f60718", 1),
        fixture("tag-change-other-key.json"),
        tag_event("vpc-0a1b2c3d4e5f60718", 3),
    ];
    let answer = rig.handler.lambda(&batch(&events, FIFO_ARN)).await.unwrap();
    let failed: Vec<String> =
        answer.batch.unwrap().batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
    assert_eq!(failed, ["m-1", "m-2", "m-3"], "the first message was handled; the rest keep order");

    // From a standard queue, only the failed messages come back.
    let standard = "arn:aws:sqs:us-east-1:123456789012:tgw-peering-events";
    let answer = rig.handler.lambda(&batch(&events, standard)).await.unwrap();
    let failed: Vec<String> =
        answer.batch.unwrap().batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
    assert_eq!(failed, ["m-1", "m-3"]);
}

#[tokio::test]
async fn events_a_finished_reconcile_already_read_cost_no_other_reconcile() {
    let rig = peered_world(3).await;
    let events: Vec<Value> = (0..3).map(|i| tag_event(&vpc_id(i), i)).collect();
    let first = rig.handler.handle(&batch(&events, FIFO_ARN)).await.unwrap();
    assert_eq!(first.reconciles, 1);

    // The same announcements, received before that reconcile read: covered.
    let reads = rig.world.reads();
    let again: Vec<Value> = (0..3).map(|i| tag_event(&vpc_id(i), 10 + i)).collect();
    let report = rig.handler.handle(&batch(&again, FIFO_ARN)).await.unwrap();
    assert_eq!(report.reconciles, 0);
    assert_eq!(rig.world.reads(), reads, "no read");
    let covered: Vec<_> = report.audit.iter().filter(|r| r.kind == "covered").collect();
    assert_eq!(covered.len(), 3);
    assert!(covered[0].reason.contains("tag-0"), "{}", covered[0].reason);

    // Received after the read began: reconciled.
    let later = batch_sent_at(&again[..1], FIFO_ARN, i64::MAX / 2);
    assert_eq!(rig.handler.handle(&later).await.unwrap().reconciles, 1);

    // An announcement the read disagrees with (the tag went since, or EC2
    // had not caught up): reconciled.
    rig.world.untag(EAST, &vpc_id(1));
    let mut removed = fixture("tag-change-removed.json");
    removed["id"] = json!("untag-1");
    removed["resources"] = json!([format!("arn:aws:ec2:{EAST}:123456789012:vpc/{}", vpc_id(1))]);
    let report = rig.handler.handle(&batch(&[removed], FIFO_ARN)).await.unwrap();
    assert_eq!(report.reconciles, 1, "{:?}", report.audit);

    // An event that is not about a tag (the schedule) is never covered.
    let mut scheduled = fixture("scheduled-event.json");
    scheduled["id"] = json!("sweep-1");
    let report = rig.handler.handle(&batch(&[scheduled], FIFO_ARN)).await.unwrap();
    assert_eq!(report.reconciles, 1);
}

#[test]
fn a_failed_message_comes_back_after_thirty_seconds_doubling_to_fifteen_minutes() {
    use tgw_peering_core::handler::retry_after_secs;
    let waits: Vec<i32> = [None, Some(1), Some(2), Some(3), Some(6), Some(50)]
        .into_iter()
        .map(retry_after_secs)
        .collect();
    assert_eq!(waits, [30, 30, 60, 120, 900, 900]);
}

/// An STS that cannot answer.
struct NoIdentity;

#[async_trait::async_trait]
impl tgw_peering_core::ports::Identity for NoIdentity {
    async fn account(
        &self,
    ) -> Result<tgw_peering_core::domain::AccountId, tgw_peering_core::Error> {
        Err(tgw_peering_core::Error::Deferred { reason: "STS is unreachable".into() })
    }
}

#[tokio::test]
async fn a_batch_whose_account_cannot_be_learned_comes_back_whole() {
    let world = World::new(&[EAST, WEST]);
    let handler = tgw_peering_core::handler::Handler::new(
        world.config(),
        std::sync::Arc::new(world.clone()),
        None,
        None,
        std::sync::Arc::new(NoIdentity),
    );
    let events = [fixture("tag-change-added.json"), fixture("tag-change-removed.json")];
    let answer = handler.lambda(&batch(&events, FIFO_ARN)).await.unwrap();
    let failed: Vec<String> =
        answer.batch.unwrap().batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
    assert_eq!(failed, ["m-0", "m-1"], "no message is lost");
    assert_eq!(world.reads(), 0);
}

/// Queues that refuse to bring a message back sooner.
struct Refusing;

#[async_trait::async_trait]
impl tgw_peering_core::ports::Redelivery for Refusing {
    async fn redeliver_in(&self, _: &str, _: &str, _: i32) -> Result<(), tgw_peering_core::Error> {
        Err(tgw_peering_core::Error::Deferred { reason: "refused".into() })
    }
}

#[tokio::test]
async fn a_batch_that_cannot_wait_is_reconciled_at_once() {
    let world = World::new(&[EAST, WEST]);
    world.vpc(EAST, "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    let mut config = world.config();
    config.reconcile_queue_url =
        Some("https://sqs.us-east-1.amazonaws.com/123456789012/tgw-peering-reconcile.fifo".into());
    let mut rig = Rig::with_config(world, config);
    rig.handler = rig.handler.with_redelivery(std::sync::Arc::new(Refusing));
    let first = batch(&[tag_event("vpc-0a1b2c3d4e5f60718", 1)], FIFO_ARN);
    assert_eq!(rig.handler.handle(&first).await.unwrap().reconciles, 1);
    // Within the interval, but the messages cannot be pushed back: reconciled now.
    let second = batch_sent_at(&[tag_event("vpc-0a1b2c3d4e5f60718", 2)], FIFO_ARN, i64::MAX / 2);
    let report = rig.handler.run(&second).await;
    assert_eq!(report.reconciles, 1, "{:?}", report.audit);
    assert!(report.failed_messages.is_empty());
}
