//! The functions' dispatch on an in-memory world: the event chain from a tag
//! to routes, the watcher's re-checks, scope checks, bad input and the audit.

use std::sync::Arc;

use crate::support::{delivered, fixture, region, settle, sqs_batch, Caller, Rig, World};
use serde_json::{json, Value};
use tgw_peering_core::domain::PeeringState;
use tgw_peering_core::events::{
    Recheck, PEERING_ACCEPTED, PEERING_REQUESTED, PEERING_STUCK, ROUTES_CHANGED, STATE_CHANGE,
};
use tgw_peering_core::handler::{system_clock, Decision, HandleReport, Handler};

const VPC: &str = "vpc-0a1b2c3d4e5f60718";

/// The fixtures' world: a tagged VPC in us-east-1 (the fixtures' VPC) and
/// one in eu-west-1, no peering yet.
fn two_regions() -> Rig {
    let world = World::new(&["us-east-1", "eu-west-1"]);
    world.vpc("us-east-1", VPC, Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    Rig::new(world)
}

#[tokio::test]
async fn a_tag_event_requests_the_peering_and_schedules_a_recheck_in_four_seconds() {
    let rig = two_regions();
    let report = rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();

    let peerings = rig.world.peerings();
    assert_eq!(peerings.len(), 1);
    assert_eq!(peerings[0].1, PeeringState::InitiatingRequest);
    let published = rig.bus.take();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].detail_type(), PEERING_REQUESTED);
    assert_eq!(published[0].detail()["requester-region"], "us-east-1");
    assert_eq!(published[0].detail()["accepter-region"], "eu-west-1");
    assert_eq!(published[0].detail()["attachment-id"], json!(peerings[0].0));
    let rechecks = rig.queue.take();
    assert_eq!(rechecks.len(), 1);
    let (recheck, delay) = &rechecks[0];
    assert_eq!(*delay, 4);
    assert_eq!(recheck.attachment_id, peerings[0].0);
    assert_eq!(
        recheck.last_requester_state.as_ref().map(|s| s.as_str()),
        Some("initiatingRequest")
    );
    assert_eq!(recheck.last_accepter_state, None);
    assert_eq!(recheck.chain.origin_event_id, fixture_id("tag-change-added.json"));
    // Every audit line carries the triggering event's id.
    let id = fixture_id("tag-change-added.json");
    assert!(!report.audit.is_empty());
    assert!(report.audit.iter().all(|r| r.event_id == id));
}

fn fixture_id(name: &str) -> String {
    fixture(name)["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn events_alone_carry_a_tag_to_routes_in_both_regions() {
    let rig = two_regions();
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    settle(&rig).await;

    let peerings = rig.world.peerings();
    assert_eq!(peerings.len(), 1, "one peering for the pair");
    assert_eq!(peerings[0].1, PeeringState::Available);
    let attachment = peerings[0].0.to_string();
    assert_eq!(rig.world.routes("eu-west-1"), [format!("10.20.0.0/16 -> {attachment}")]);
    assert_eq!(rig.world.routes("us-east-1"), [format!("10.30.0.0/16 -> {attachment}")]);
    let accepts = rig.world.writes().iter().filter(|w| w.starts_with("accept eu-west-1")).count();
    assert_eq!(accepts, 1, "accepted once, in the accepter's Region");
}

#[tokio::test]
async fn the_chain_publishes_each_state_change_and_the_accept() {
    let rig = two_regions();
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    rig.bus.take();
    // AWS moves the request on; the re-check notices and says so.
    rig.world.set_peering_state(PeeringState::PendingAcceptance);
    let rechecks: Vec<Recheck> = rig.queue.take().into_iter().map(|(r, _)| r).collect();
    rig.handler.handle(&sqs_batch(&rechecks)).await.unwrap();
    let changes = rig.bus.take();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].detail_type(), STATE_CHANGE);
    assert_eq!(changes[0].detail()["previous-state"], "initiatingRequest");
    assert_eq!(changes[0].detail()["state"], "pendingAcceptance");
    assert!(rig.queue.take().is_empty(), "pendingAcceptance is not watched");

    // The state change leads to the accept, and a new chain watches it.
    rig.handler.handle(&delivered(&changes[0], "evt-change")).await.unwrap();
    let accepted = rig.bus.take();
    assert!(accepted.iter().any(|e| e.detail_type() == PEERING_ACCEPTED));
    let rechecks = rig.queue.take();
    assert_eq!(rechecks.len(), 1);
    assert_eq!(rechecks[0].0.last_accepter_state.as_ref().map(|s| s.as_str()), Some("pending"));
    assert_eq!(rechecks[0].0.region, region("eu-west-1"));
}

#[tokio::test]
async fn a_new_vpc_adds_only_its_routes_and_untagging_withdraws_them() {
    let rig = two_regions();
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    settle(&rig).await;
    let attachment = rig.world.peerings()[0].0.to_string();

    rig.world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee2", Some("true"), &["10.31.0.0/16"]);
    let before = rig.world.writes().len();
    rig.handler
        .handle(&tag_event("eu-west-1", "vpc-0eeeeeeeeeeeeeee2", true, "evt-new"))
        .await
        .unwrap();
    let writes = rig.world.writes()[before..].to_vec();
    // The ledger records the CIDR (its list grows by one) before the route.
    assert_eq!(
        writes,
        [
            "resize_ledger us-east-1",
            "update_ledger us-east-1",
            "create_route us-east-1 10.31.0.0/16"
        ]
    );
    // This world's VPCs have no route tables: the paths' events are the
    // subject of `paths.rs`.
    let changed = without_path_events(rig.bus.take());
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].detail_type(), ROUTES_CHANGED);
    assert_eq!(changed[0].detail()["added"], json!(["10.31.0.0/16"]));

    rig.world.untag("eu-west-1", "vpc-0eeeeeeeeeeeeeee2");
    rig.handler
        .handle(&tag_event("eu-west-1", "vpc-0eeeeeeeeeeeeeee2", false, "evt-gone"))
        .await
        .unwrap();
    assert_eq!(rig.world.routes("us-east-1"), [format!("10.30.0.0/16 -> {attachment}")]);
}

#[tokio::test]
async fn in_prefix_list_mode_a_new_vpc_is_one_entry_announced_as_a_route_of_the_table() {
    let world = two_regions().world;
    let mut config = world.config();
    config.route_mode = tgw_peering_core::RouteMode::PrefixList;
    let rig = Rig::with_config(world, config);
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    settle(&rig).await;
    rig.bus.take();

    rig.world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee2", Some("true"), &["10.31.0.0/16"]);
    let before = rig.world.writes().len();
    rig.handler
        .handle(&tag_event("eu-west-1", "vpc-0eeeeeeeeeeeeeee2", true, "evt-new"))
        .await
        .unwrap();
    let writes = rig.world.writes()[before..].to_vec();
    assert_eq!(writes, ["resize_ledger us-east-1", "update_ledger us-east-1"], "no route write");
    let changed = without_path_events(rig.bus.take());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].detail_type(), ROUTES_CHANGED);
    assert_eq!(changed[0].detail()["added"], json!(["10.31.0.0/16"]));
    assert!(rig.world.routes("us-east-1").is_empty(), "no static route");
}

/// A `Tag Change on Resource` event for a VPC, like the fixtures.
fn tag_event(r: &str, vpc: &str, tagged: bool, id: &str) -> Value {
    let mut e = fixture(if tagged { "tag-change-added.json" } else { "tag-change-removed.json" });
    e["id"] = json!(id);
    e["region"] = json!(r);
    e["resources"] = json!([format!("arn:aws:ec2:{r}:{}:vpc/{vpc}", crate::support::ACCOUNT)]);
    e
}

#[tokio::test]
async fn a_malformed_event_is_a_permanent_error_and_touches_nothing() {
    let rig = two_regions();
    let mut broken = fixture("tag-change-added.json");
    broken["detail"].as_object_mut().unwrap().remove("resource-type");
    for payload in [broken, json!("text"), json!({"hello": "world"})] {
        let err = rig.handler.handle(&payload).await.unwrap_err();
        assert!(!err.is_retryable(), "{err}");
        // The Lambda answers Ok, so the event is not retried.
        let answer = serde_json::to_value(rig.handler.lambda(&payload).await.unwrap()).unwrap();
        assert_eq!(answer["errorType"], json!("Permanent"));
    }
    assert_eq!(rig.world.reads(), 0);
    assert!(rig.world.writes().is_empty());
    assert!(rig.bus.take().is_empty());
}

#[tokio::test]
async fn a_batch_typed_at_the_edge_is_handled_and_a_malformed_one_stays_permanent() {
    use tgw_peering_core::events::Payload;
    let rig = two_regions();
    let batch = fixture("sqs-recheck.json");
    assert!(matches!(crate::support::typed(&batch), Payload::Sqs(_)));
    let typed = rig.handler.run_payload(&crate::support::typed(&batch), None).await;
    let untyped = rig.handler.run(&batch).await;
    assert_eq!(typed.audit.len(), untyped.audit.len());
    assert!(!typed.audit.is_empty());
    assert!(typed.failure.is_none() && untyped.failure.is_none());
    let odd = [json!({"Records": "none"}), json!({"Records": [{"body": 3}]}), json!([[]])];
    for payload in odd.into_iter().chain([json!([[[]]])]) {
        assert!(matches!(crate::support::typed(&payload), Payload::Other(_)), "{payload}");
        let answer = serde_json::to_value(rig.handler.lambda(&payload).await.unwrap()).unwrap();
        assert_eq!(answer["errorType"], json!("Permanent"), "{payload}");
    }
    assert!(rig.world.writes().is_empty());
}

#[tokio::test]
async fn an_event_from_a_foreign_account_is_dropped_without_a_write() {
    let world = two_regions().world;
    let handler = Handler::new(
        world.config(),
        Arc::new(world.clone()),
        None,
        None,
        Arc::new(Caller("210987654321")),
    );
    let report = handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    let dropped: Vec<_> = report.decisions(Decision::Dropped).collect();
    assert_eq!(dropped.len(), 1);
    assert!(dropped[0].reason.contains("123456789012"), "{:?}", dropped[0]);
    assert_eq!(world.reads(), 0);
    assert!(world.writes().is_empty());
}

#[tokio::test]
async fn an_event_from_an_unmanaged_region_is_dropped_without_a_write() {
    let rig = two_regions();
    let report = rig
        .handler
        .handle(&tag_event("ap-south-1", "vpc-0a1b2c3d4e5f60718", true, "evt-x"))
        .await
        .unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 1);
    assert_eq!(rig.world.reads(), 0);
    assert!(rig.world.writes().is_empty());
}

#[tokio::test]
async fn a_change_of_another_tag_is_skipped_without_reading() {
    let rig = two_regions();
    let report = rig.handler.handle(&fixture("tag-change-other-key.json")).await.unwrap();
    assert_eq!(report.decisions(Decision::Skip).count(), 1);
    assert_eq!(rig.world.reads(), 0);
}

/// A re-check request that last saw `last_state` on both sides.
fn recheck(attachment: &str, last_state: &str, started_at: i64, attempt: u32) -> Recheck {
    serde_json::from_value(json!({
        "attachment-id": attachment,
        "region": "us-east-1",
        "last-requester-state": last_state,
        "last-accepter-state": last_state,
        "started-at": started_at,
        "attempt": attempt,
        "origin-event-id": "evt-origin",
    }))
    .unwrap()
}

async fn requested(rig: &Rig) -> String {
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    rig.bus.take();
    rig.queue.take();
    rig.world.peerings()[0].0.to_string()
}

#[tokio::test]
async fn an_unchanged_state_schedules_the_next_recheck_four_seconds_later() {
    let rig = two_regions();
    let id = requested(&rig).await;
    let started = system_clock();
    for (attempt, expected_delay) in [(0, 4), (1, 4), (2, 4), (3, 4), (7, 4)] {
        let r = recheck(&id, "initiatingRequest", started, attempt);
        rig.handler.handle(&sqs_batch(&[r])).await.unwrap();
        let next = rig.queue.take();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].0.chain.attempt, attempt + 1);
        assert_eq!(next[0].1, expected_delay, "after attempt {attempt}");
        assert!(rig.bus.take().is_empty(), "no change, no event");
    }
}

#[tokio::test]
async fn a_peering_stuck_for_thirty_minutes_is_reported_and_no_longer_watched() {
    let rig = two_regions();
    let id = requested(&rig).await;
    let r = recheck(&id, "initiatingRequest", system_clock() - 31 * 60, 12);
    let report = rig.handler.handle(&sqs_batch(&[r])).await.unwrap();
    let published = rig.bus.take();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].detail_type(), PEERING_STUCK);
    assert_eq!(published[0].detail()["attachment-id"], json!(id));
    assert!(rig.queue.take().is_empty());
    assert_eq!(report.decisions(Decision::Stuck).count(), 1);
}

#[tokio::test]
async fn a_recheck_of_a_vanished_attachment_ends_its_chain() {
    let rig = two_regions();
    let r = recheck("tgw-attach-0ffffffffffffffff", "pending", system_clock() - 300, 6);
    let report = rig.handler.handle(&sqs_batch(&[r])).await.unwrap();
    assert_eq!(report.decisions(Decision::Skip).count(), 1);
    assert!(rig.queue.take().is_empty());
    assert!(rig.bus.take().is_empty());
}

#[tokio::test]
async fn a_new_attachment_not_listed_yet_is_looked_for_again() {
    let rig = two_regions();
    let r = recheck("tgw-attach-0ffffffffffffffff", "pending", system_clock(), 0);
    rig.handler.handle(&sqs_batch(&[r])).await.unwrap();
    let next = rig.queue.take();
    assert_eq!(next.len(), 1, "describe calls are eventually consistent");
    assert_eq!(next[0].0.chain.attempt, 1);
}

#[tokio::test]
async fn the_watcher_waits_for_the_accepter_to_list_the_request_then_the_accept_follows() {
    let rig = two_regions();
    requested(&rig).await;
    // The requester sees pendingAcceptance; the accepter does not list it yet.
    rig.world.set_side_state("us-east-1", Some(PeeringState::PendingAcceptance));
    rig.world.set_side_state("eu-west-1", None);
    let first = recheck_of(&rig, "initiatingRequest", None);
    rig.handler.handle(&sqs_batch(&[first])).await.unwrap();
    let change = rig.bus.take();
    assert_eq!(change.len(), 1);
    assert_eq!(change[0].detail()["accepter-state"], "unlisted");
    let next = rig.queue.take();
    assert_eq!(next.len(), 1, "the chain goes on while one side lags");
    // The change leads to no accept yet: the accepter cannot accept it.
    rig.handler.handle(&delivered(&change[0], "evt-1")).await.unwrap();
    assert!(!rig.world.writes().iter().any(|w| w.starts_with("accept")));

    // The accepter lists it: the next re-check announces it and the accept follows.
    rig.world.set_side_state("eu-west-1", Some(PeeringState::PendingAcceptance));
    rig.handler.handle(&sqs_batch(&[next[0].0.clone()])).await.unwrap();
    let change = rig.bus.take();
    assert_eq!(change.len(), 1);
    assert_eq!(change[0].detail()["state"], "pendingAcceptance");
    assert!(rig.queue.take().is_empty(), "both sides agree: the chain ends");
    rig.handler.handle(&delivered(&change[0], "evt-2")).await.unwrap();
    assert!(rig.world.writes().iter().any(|w| w.starts_with("accept eu-west-1")));
}

/// The re-check of the world's peering that last saw these states.
fn recheck_of(rig: &Rig, requester: &str, accepter: Option<&str>) -> Recheck {
    serde_json::from_value(json!({
        "attachment-id": rig.world.peerings()[0].0,
        "region": "us-east-1",
        "last-requester-state": requester,
        "last-accepter-state": accepter,
        "started-at": system_clock(),
        "attempt": 0,
        "origin-event-id": "evt-origin",
    }))
    .unwrap()
}

#[tokio::test]
async fn a_recheck_that_cannot_be_scheduled_fails_so_its_message_comes_back() {
    let rig = two_regions();
    let id = requested(&rig).await;
    rig.queue.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let batch = sqs_batch(&[recheck(&id, "initiatingRequest", system_clock(), 0)]);
    let err = rig.handler.handle(&batch).await.unwrap_err();
    assert!(err.is_retryable());
    let answer = serde_json::to_value(rig.handler.lambda(&batch).await.unwrap()).unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        json!([{ "itemIdentifier": batch["Records"][0]["messageId"] }])
    );
}

#[tokio::test]
async fn a_peering_call_seen_in_cloudtrail_starts_watching_a_peering_between_states() {
    let rig = two_regions();
    requested(&rig).await;
    // Accepted by someone else: pending on both sides, and nobody watches it.
    rig.world.set_peering_state(PeeringState::Pending);
    let report = rig.handler.handle(&fixture("cloudtrail-accept-tgw-peering.json")).await.unwrap();
    assert_eq!(report.decisions(Decision::Action).count(), 0);
    let watch = rig.queue.take();
    assert_eq!(watch.len(), 1);
    assert_eq!(watch[0].0.last_accepter_state, None, "the first look announces");
}

#[tokio::test]
async fn a_rejected_peering_ends_the_chain_is_announced_as_a_conflict_with_its_code_and_is_not_requested_again(
) {
    let rig = two_regions();
    let id = requested(&rig).await;
    rig.world.set_peering_state(PeeringState::Rejected);
    let r = recheck(&id, "initiatingRequest", system_clock(), 0);
    rig.handler.handle(&sqs_batch(&[r])).await.unwrap();
    assert!(rig.queue.take().is_empty());
    let change = rig.bus.take();
    assert_eq!(change[0].detail()["state"], "rejected");
    let report = rig.handler.handle(&delivered(&change[0], "evt-rejected")).await.unwrap();
    assert_eq!(report.decisions(Decision::Action).count(), 0);
    let conflicts: Vec<_> = report.decisions(Decision::Conflict).collect();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, Some(tgw_peering_core::FindingCode::PeeringFailed));
    let announced = rig.bus.take();
    let conflict: Vec<_> =
        announced.iter().filter(|e| e.detail_type() == "Route Conflict").collect();
    assert_eq!(conflict.len(), 1, "the conflict is announced once");
    assert_eq!(conflict[0].detail()["code"], "peering_failed", "with its code");
    assert_eq!(rig.world.peerings().len(), 1);
}

#[tokio::test]
async fn a_write_refused_for_good_is_a_permanent_error_that_is_not_retried() {
    let rig = two_regions();
    requested(&rig).await;
    rig.world.set_peering_state(PeeringState::Available);
    rig.world.refuse_routes();
    let event = fixture("tag-change-added.json");
    let err = rig.handler.handle(&event).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("InvalidParameterValue"), "{err}");
    let answer = serde_json::to_value(rig.handler.lambda(&event).await.unwrap()).unwrap();
    assert_eq!(answer["errorType"], json!("Permanent"));
}

#[tokio::test]
async fn a_bad_message_in_a_batch_does_not_cost_the_good_ones() {
    let rig = two_regions();
    let id = requested(&rig).await;
    let mut batch = sqs_batch(&[recheck(&id, "initiatingRequest", system_clock(), 0)]);
    let mut bad = batch["Records"][0].clone();
    bad["messageId"] = json!("msg-bad");
    bad["body"] = json!("{\"not\": \"a recheck\"}");
    batch["Records"].as_array_mut().unwrap().insert(0, bad);

    let report = rig.handler.run(&batch).await;
    assert!(!report.failure.as_ref().unwrap().is_retryable());
    assert_eq!(rig.queue.take().len(), 1, "the good message was handled");
    assert!(report.decisions(Decision::Error).any(|r| r.event_id == "msg-bad"));
}

#[tokio::test]
async fn a_failed_publish_is_logged_and_the_action_stands() {
    let rig = two_regions();
    rig.bus.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let report = rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    assert_eq!(rig.world.peerings().len(), 1, "the peering was requested");
    assert!(report.decisions(Decision::Error).any(|r| r.kind == "publish"));
    assert_eq!(rig.queue.take().len(), 1, "and is still watched");
}

#[tokio::test]
async fn a_state_change_that_cannot_be_published_is_retried() {
    let rig = two_regions();
    let id = requested(&rig).await;
    rig.world.set_peering_state(PeeringState::PendingAcceptance);
    rig.bus.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let batch = sqs_batch(&[recheck(&id, "initiatingRequest", system_clock(), 0)]);
    let err = rig.handler.handle(&batch).await.unwrap_err();
    assert!(err.is_retryable());
    // The message is reported as a batch item failure, so SQS delivers it again.
    let answer = serde_json::to_value(rig.handler.lambda(&batch).await.unwrap()).unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        json!([{ "itemIdentifier": batch["Records"][0]["messageId"] }])
    );
}

#[tokio::test]
async fn every_event_five_times_in_shuffled_order_gives_the_same_network() {
    // The reference: each event once, in order.
    let reference = two_regions();
    reference.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    settle(&reference).await;

    let rig = two_regions();
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    let mut seed = 0x2545_f491_u64;
    for _ in 0..20 {
        let mut events: Vec<Value> = Vec::new();
        for (i, e) in rig.bus.take().iter().enumerate() {
            if e.detail_type() != STATE_CHANGE {
                continue;
            }
            events.extend((0..5).map(|_| delivered(e, &format!("evt-{i}"))));
        }
        let rechecks: Vec<Recheck> = rig.queue.take().into_iter().map(|(r, _)| r).collect();
        for r in &rechecks {
            events.extend((0..5).map(|_| sqs_batch(std::slice::from_ref(r))));
        }
        for _ in 0..5 {
            events.push(fixture("tag-change-added.json"));
        }
        if events.len() == 5 {
            break;
        }
        shuffle(&mut events, &mut seed);
        let next = match rig.world.peerings().first().map(|p| p.1.clone()) {
            Some(PeeringState::InitiatingRequest) => Some(PeeringState::PendingAcceptance),
            Some(PeeringState::Pending) => Some(PeeringState::Available),
            _ => None,
        };
        if let Some(state) = next {
            rig.world.set_peering_state(state);
        }
        for e in &events {
            rig.handler.handle(e).await.unwrap();
        }
    }
    assert_eq!(rig.world.peerings().len(), 1);
    assert_eq!(rig.world.peerings()[0].1, PeeringState::Available);
    for r in ["us-east-1", "eu-west-1"] {
        let strip = |routes: Vec<String>| -> Vec<String> {
            routes.iter().map(|s| s.split(" -> ").next().unwrap().to_owned()).collect()
        };
        assert!(!reference.world.routes(r).is_empty(), "{r}");
        assert_eq!(strip(rig.world.routes(r)), strip(reference.world.routes(r)), "{r}");
    }
}

/// A small deterministic Fisher–Yates shuffle (xorshift), so a failure repeats.
fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = (*seed % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// The guard against concurrent creators, on its own: right after its
/// create, the handler reads again and deletes the newer of two peerings
/// for the pair, whichever invocation made it, and keeps the oldest.
async fn race(rival_is_older: bool) -> (Rig, HandleReport) {
    let rig = two_regions();
    rig.world.race_next_create(rival_is_older);
    let report = rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    (rig, report)
}

#[tokio::test]
async fn a_create_that_lost_the_race_deletes_its_own_peering_and_keeps_the_older_one() {
    let (rig, report) = race(true).await;
    let left = rig.world.peerings();
    assert_eq!(left.len(), 1, "one peering for the pair: {left:?}");
    let deletes: Vec<&str> = report
        .decisions(Decision::Action)
        .filter(|r| r.kind == "delete_peering")
        .map(|r| r.subject.as_str())
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert!(!deletes[0].contains(left[0].0.as_str()), "the older is kept");
    // The deleted peering is not watched; nothing re-checks it.
    let rechecks = rig.queue.take();
    assert!(rechecks.is_empty(), "{rechecks:?}");
}

#[tokio::test]
async fn a_create_that_won_the_race_deletes_the_newer_duplicate_and_watches_its_own() {
    let (rig, report) = race(false).await;
    let left = rig.world.peerings();
    assert_eq!(left.len(), 1, "one peering for the pair: {left:?}");
    assert_eq!(
        report.decisions(Decision::Action).filter(|r| r.kind == "delete_peering").count(),
        1
    );
    let rechecks = rig.queue.take();
    assert_eq!(rechecks.len(), 1);
    assert_eq!(rechecks[0].0.attachment_id, left[0].0, "its own is watched");
}

#[tokio::test]
async fn a_create_without_a_race_reads_again_and_deletes_nothing() {
    let rig = two_regions();
    let report = rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    assert_eq!(rig.world.peerings().len(), 1);
    assert_eq!(
        report.decisions(Decision::Action).filter(|r| r.kind == "delete_peering").count(),
        0
    );
    assert_eq!(
        rig.world.reads(),
        28,
        "one read of both Regions for the plan, one after the create (7 reads a Region: gateways, VPCs, peerings, ledger, route tables, attachments, routes)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_runs_on_a_spawned_task_of_a_multi_threaded_runtime() {
    // The whole handling future is `Send`: concurrent invocations may run
    // on separate tasks (as the reliability tests do).
    let Rig { world, handler, .. } = two_regions();
    let payload = fixture("tag-change-added.json");
    let report =
        tokio::spawn(async move { handler.handle(&payload).await }).await.unwrap().unwrap();
    assert_eq!(report.decisions(Decision::Action).count(), 1);
    assert_eq!(world.peerings().len(), 1);
}

#[tokio::test]
async fn the_lambda_answer_names_the_retry_policy_in_its_error_type() {
    // Retryable: a state change that cannot be published, in an invocation
    // of its own: an error answer, which Lambda retries.
    let rig = two_regions();
    let id = requested(&rig).await;
    rig.world.set_peering_state(PeeringState::PendingAcceptance);
    rig.bus.failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let bare = serde_json::to_value(recheck(&id, "initiatingRequest", system_clock(), 0)).unwrap();
    let diagnostic = rig.handler.lambda(&bare).await.unwrap_err();
    assert_eq!(diagnostic.error_type, "Retryable");
    assert!(diagnostic.error_message.contains("PutEvents"), "{diagnostic:?}");
    // Permanent: a malformed event: a success answer (never retried) that
    // carries its diagnostic.
    let answer = rig.handler.lambda(&json!({"hello": "world"})).await.unwrap();
    let failure = answer.failure.expect("a diagnostic");
    assert_eq!(failure.error_type, "Permanent");
    assert!(failure.error_message.contains("invalid input"), "{failure:?}");
    assert!(answer.batch.is_none());
}

/// The events but `Path Broken` and `Path Restored`.
fn without_path_events(
    events: Vec<tgw_peering_core::events::OutEvent>,
) -> Vec<tgw_peering_core::events::OutEvent> {
    use tgw_peering_core::events::outgoing::{PATH_BROKEN, PATH_RESTORED};
    events
        .into_iter()
        .filter(|e| ![PATH_BROKEN, PATH_RESTORED].contains(&e.detail_type()))
        .collect()
}
