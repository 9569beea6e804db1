//! The event pipeline on the emulator: every trigger through the one FIFO
//! reconcile queue, a batch answered with one reconcile, and the order of
//! the queue kept.

use std::time::{Duration, Instant};

use serde_json::json;
use tgw_peering_core::aws::{CallCounter, WATCHER_CALLS};
use tgw_peering_core::handler::Handler;
use tgw_peering_tests::{
    tag_event, Emulator, EventPlumbing, Flavour, RegionWorld, EMULATOR_ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

struct Rig {
    // Dropped last: stops the emulator.
    _emulator: Emulator,
    ec2_calls: CallCounter,
    east: RegionWorld,
    west: RegionWorld,
    plumbing: EventPlumbing,
    /// The reconciler: the FIFO queue's batches.
    handler: Handler,
    /// The attachment-watcher: the re-checks, with its own counters.
    watcher: Handler,
    watcher_calls: (CallCounter, CallCounter),
    east_vpc: String,
}

/// A tagged VPC in each Region, peered and routed through the queue.
async fn converged() -> Rig {
    converged_with(&[]).await
}

/// [`converged`] on an emulator with more settings.
async fn converged_with(settings: &[(&'static str, &str)]) -> Rig {
    let emulator = Emulator::start_with(Flavour::Patched { phase_seconds: 1 }, settings);
    let east = RegionWorld::new(&emulator, EAST).await;
    let west = RegionWorld::new(&emulator, WEST).await;
    let east_vpc = east.vpc("10.1.0.0/16", Some("true"), &[]).await;
    west.vpc("10.2.0.0/16", Some("true"), &[]).await;
    let plumbing = EventPlumbing::create(&emulator).await;
    let shared = emulator.sdk_config().await;
    let (handler, ec2_calls, _) =
        tgw_peering_core::wiring::handler_counted(plumbing.paced_config(&[EAST, WEST]), &shared);
    let (watcher, watcher_ec2, watcher_other) =
        tgw_peering_core::wiring::handler_counted(plumbing.paced_config(&[EAST, WEST]), &shared);
    let rig = Rig {
        _emulator: emulator,
        ec2_calls,
        east,
        west,
        plumbing,
        handler,
        watcher,
        watcher_calls: (watcher_ec2, watcher_other),
        east_vpc,
    };
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &rig.east_vpc, true)).await;
    pump_until(&rig, || async { routed(&rig.west, "10.1.0.0/16").await }).await;
    rig
}

async fn routed(world: &RegionWorld, cidr: &str) -> bool {
    world.static_routes().await.iter().any(|(c, _)| c == cidr)
}

/// Every batch and re-check handled as the SQS event source mappings
/// would (the failed messages of a batch left in the queue), until `done`.
async fn pump_until<F, Fut>(rig: &Rig, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        while let Some((batch, handles)) = rig.plumbing.receive_events().await {
            let report = rig.handler.run(&batch).await;
            assert!(report.failure.is_none(), "{:?}", report.failure);
            rig.plumbing.delete_events(&handles, &report.failed_messages).await;
        }
        for d in rig.plumbing.take_rechecks().await {
            rig.watcher.handle(&d.payload).await.expect("handled");
        }
        if done().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not done in 120 s: {:?}",
            rig.west.static_routes().await
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_batch_of_ten_tag_events_for_ten_new_vpcs_is_one_reconcile_within_eighteen_reads_and_three_to_verify(
) {
    let rig = converged().await;
    let mut vpcs = Vec::new();
    for i in 0..10 {
        vpcs.push(rig.east.vpc(&format!("10.3.{i}.0/24"), Some("true"), &[]).await);
    }
    // The new attachments become available after a phase (1 s here).
    tokio::time::sleep(Duration::from_secs(3)).await;
    for vpc in &vpcs {
        rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, vpc, true)).await;
    }
    let (batch, handles) = rig.plumbing.receive_events().await.expect("a batch");
    assert_eq!(batch["Records"].as_array().map(Vec::len), Some(10));
    let before = rig.ec2_calls.snapshot();
    let report = rig.handler.run(&batch).await;
    let calls = rig.ec2_calls.snapshot().since(&before);
    assert!(report.failure.is_none(), "{:?}", report.failure);
    assert!(report.failed_messages.is_empty());
    rig.plumbing.delete_events(&handles, &report.failed_messages).await;

    assert_eq!(report.reconciles, 1);
    // Then path verification over what changed: each Region's tagged VPCs'
    // route tables, and the routes of the one table written, again.
    let of = |op: &str| calls.by_operation.get(op).copied().unwrap_or_default();
    assert_eq!(of("DescribeRouteTables"), 2, "{:?}", calls.by_operation);
    let verification = of("DescribeRouteTables") + 1;
    assert!(calls.reads - verification <= 18, "{} reads: {:?}", calls.reads, calls.by_operation);
    for i in 0..10 {
        let cidr = format!("10.3.{i}.0/24");
        assert!(routed(&rig.west, &cidr).await, "{cidr} is not routed in {WEST}");
    }
    assert!(rig.plumbing.receive_events().await.is_none(), "every message was deleted");
}

#[tokio::test]
async fn untagging_then_tagging_again_a_second_later_through_the_queue_leaves_the_route() {
    let rig = converged().await;
    let cidr = "10.1.0.0/16";
    rig.east.untag(&rig.east_vpc).await;
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &rig.east_vpc, false)).await;
    // The untag is reconciled before the tag comes back: its route goes.
    pump_until(&rig, || async { !routed(&rig.west, cidr).await }).await;

    tokio::time::sleep(Duration::from_secs(1)).await;
    rig.east.tag(&rig.east_vpc, "true").await;
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &rig.east_vpc, true)).await;
    pump_until(&rig, || async { routed(&rig.west, cidr).await }).await;

    // Both events in one batch, in their order: one reconcile of the last state.
    rig.east.untag(&rig.east_vpc).await;
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &rig.east_vpc, false)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    rig.east.tag(&rig.east_vpc, "true").await;
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &rig.east_vpc, true)).await;
    // Past the reconcile interval of the last reconcile: not deferred.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (batch, handles) = rig.plumbing.receive_events().await.expect("a batch");
    assert_eq!(batch["Records"].as_array().map(Vec::len), Some(2));
    let report = rig.handler.run(&batch).await;
    rig.plumbing.delete_events(&handles, &report.failed_messages).await;
    assert_eq!(report.reconciles, 1);
    assert!(routed(&rig.west, cidr).await, "the route is present at the end");
    assert!(
        !report.audit.iter().any(|a| a.kind == "delete_route"),
        "a batch reconciles the last state only: {:?}",
        report.audit
    );
}

#[tokio::test]
async fn a_batch_right_after_a_reconcile_waits_out_the_interval_then_is_reconciled() {
    let rig = converged().await;
    let vpc = rig.east.vpc("10.4.0.0/24", Some("true"), &[]).await;
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &vpc, true)).await;
    // Within the interval of the reconcile that converged the world.
    rig.handler.run(&tag_event(EAST, EMULATOR_ACCOUNT, &rig.east_vpc, true)).await;
    let (batch, handles) = rig.plumbing.receive_events().await.expect("a batch");
    let report = rig.handler.run(&batch).await;
    assert_eq!(report.reconciles, 0);
    assert!(report.failure.is_none(), "a deferral is no failure: {:?}", report.failure);
    assert_eq!(report.failed_messages.len(), 1, "the message is left in the queue");
    assert!(report.audit.iter().any(|a| a.kind == "deferred"), "{:?}", report.audit);
    rig.plumbing.delete_events(&handles, &report.failed_messages).await;
    assert!(rig.plumbing.receive_events().await.is_none(), "invisible until the interval ends");

    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (batch, handles) = rig.plumbing.receive_events().await.expect("it came back");
    let report = rig.handler.run(&batch).await;
    rig.plumbing.delete_events(&handles, &report.failed_messages).await;
    assert_eq!(report.reconciles, 1);
    assert!(routed(&rig.west, "10.4.0.0/24").await);
}

#[tokio::test]
async fn a_vpc_tagged_while_its_attachment_is_pending_is_routed_within_seconds_of_it_becoming_available(
) {
    let rig = converged_with(&[("TGW_EMULATOR_ATTACHMENT_SECONDS", "4")]).await;
    let vpc = rig.east.vpc("10.7.0.0/24", Some("true"), &[]).await;
    rig.plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, &vpc, true)).await;
    let start = Instant::now();
    // Only the queues drive it: the tag event, the watcher's VPC re-checks
    // (every 5 s), its VPC Ready, the reconcile. No sweep.
    pump_until(&rig, || async { routed(&rig.west, "10.7.0.0/24").await }).await;
    let took = start.elapsed();
    assert!(took < Duration::from_secs(20), "routed after {took:?}");

    // The watcher made only the calls its role grants (WATCHER_CALLS).
    let (ec2, other) = &rig.watcher_calls;
    let mut called: Vec<String> =
        ec2.snapshot().by_operation.keys().map(|op| format!("ec2:{op}")).collect();
    called.extend(other.snapshot().by_operation.keys().map(|op| match op.as_str() {
        "PutEvents" => "events:PutEvents".to_owned(),
        op => format!("sqs:{op}"),
    }));
    assert!(called.iter().any(|c| c == "ec2:DescribeVpcs"), "{called:?}");
    for call in &called {
        assert!(WATCHER_CALLS.contains(&call.as_str()), "the watcher called {call}: {called:?}");
    }
}

#[tokio::test]
async fn a_state_change_reaches_the_reconcile_queue_in_its_message_group() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 1 });
    let plumbing = EventPlumbing::create(&emulator).await;
    let events = aws_sdk_eventbridge::Client::new(&emulator.sdk_config().await);
    let detail = json!({
        "attachment-id": "tgw-attach-0c0c0c0c0c0c0c0c3",
        "requester-region": EAST, "requester-transit-gateway-id": "tgw-0aaaaaaaaaaaaaaa1",
        "accepter-region": WEST, "accepter-transit-gateway-id": "tgw-0bbbbbbbbbbbbbbb2",
        "previous-state": "pending", "state": "available",
    });
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(&plumbing.bus_name)
        .source(tgw_peering_core::events::SOURCE)
        .detail_type(tgw_peering_core::events::STATE_CHANGE)
        .detail(detail.to_string())
        .build();
    events.put_events().entries(entry).send().await.expect("PutEvents");
    let (batch, _) = plumbing.receive_events().await.expect("the rule delivered it");
    let body: serde_json::Value =
        serde_json::from_str(batch["Records"][0]["body"].as_str().expect("a body")).expect("JSON");
    assert_eq!(body["detail-type"], tgw_peering_core::events::STATE_CHANGE);
    assert_eq!(body["detail"]["state"], "available");
}
