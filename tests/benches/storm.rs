//! A storm of tag events through the FIFO reconcile queue, on the patched
//! emulator behind EC2's request rate limiting (the fault proxy's token
//! buckets: 100 tokens per action and Region, 20 refilled a second, the
//! example of "Request throttling for the Amazon EC2 API").
//!
//! 100 VPCs in us-east-1, tagged and routed; then 1,000 tag changes within
//! 60 s, 10 rounds over the 100 VPCs (untag, tag, …, the last round tags),
//! each made in EC2 and its `Tag Change on Resource` event sent to the queue
//! as the hub's rule does. One consumer polls the queue as the Lambda SQS
//! integration does (at most 10 messages, the failed ones left), and hands
//! each batch to the reconciler's handler. Reported: reconciles, events
//! covered by an earlier read, EC2 calls and throttles, peering creates, and
//! the time to converge after the last event.
//!
//! `cargo bench -p tgw-peering-tests --bench storm --profile dev` (needs
//! `make venv`; `make bench-storm`); results in BENCHMARKS.md.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tgw_peering::commands::{apply, ApplyOptions, Session};
use tgw_peering_tests::{
    config, tag_event, Emulator, EventPlumbing, FaultProxy, Faults, Flavour, RegionWorld,
    EMULATOR_ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const VPCS: usize = 100;
const EVENTS: usize = 1_000;
const WINDOW: Duration = Duration::from_secs(60);

fn cidr(i: usize) -> String {
    format!("10.5.{i}.0/24")
}

#[derive(Default)]
struct Tally {
    batches: usize,
    /// Messages handled, deliveries again of deferred ones included.
    deliveries: usize,
    deferred: usize,
    reconciles: usize,
    covered: usize,
    failed_messages: usize,
}

#[tokio::main]
async fn main() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let east = Arc::new(RegionWorld::new(&emulator, EAST).await);
    let west = RegionWorld::new(&emulator, WEST).await;
    let mut vpcs = Vec::new();
    for i in 0..VPCS {
        vpcs.push(east.vpc(&cidr(i), Some("true"), &[]).await);
    }
    west.vpc("10.6.0.0/16", Some("true"), &[]).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    let options =
        ApplyOptions { timeout: Duration::from_secs(300), poll: Duration::from_millis(200) };
    assert!(apply(&session, options, |_| {}).await.expect("apply runs").converged);

    let plumbing = Arc::new(EventPlumbing::create(&emulator).await);
    let faults = Faults { bucket: Some((100, 20)), ..Faults::default() };
    let proxy = FaultProxy::start(&emulator, faults);
    let (handler, ec2_calls, _) = tgw_peering_core::wiring::handler_counted(
        plumbing.paced_config(&[EAST, WEST]),
        &proxy.sdk_config().await,
    );

    // The producer: 1,000 tag changes, evenly spread over 60 s.
    let done = Arc::new(AtomicBool::new(false));
    let producer = {
        let (east, plumbing, done, vpcs) = (east.clone(), plumbing.clone(), done.clone(), vpcs);
        tokio::spawn(async move {
            let start = Instant::now();
            for k in 0..EVENTS {
                let due = start + WINDOW.mul_f64(k as f64 / EVENTS as f64);
                tokio::time::sleep_until(due.into()).await;
                let (vpc, tagged) = (&vpcs[k % VPCS], (k / VPCS) % 2 == 1);
                if tagged {
                    east.tag(vpc, "true").await;
                } else {
                    east.untag(vpc).await;
                }
                plumbing.send_event(&tag_event(EAST, EMULATOR_ACCOUNT, vpc, tagged)).await;
            }
            done.store(true, Ordering::SeqCst);
            Instant::now()
        })
    };

    // The consumer: the reconciler, one batch at a time.
    let started = Instant::now();
    let mut tally = Tally::default();
    let wanted: Vec<String> = (0..VPCS).map(cidr).collect();
    loop {
        match plumbing.receive_events().await {
            Some((batch, handles)) => {
                let report = handler.run(&batch).await;
                tally.batches += 1;
                tally.deliveries += handles.len();
                tally.deferred += report.audit.iter().filter(|a| a.kind == "deferred").count();
                tally.reconciles += report.reconciles;
                tally.covered += report.audit.iter().filter(|a| a.kind == "covered").count();
                tally.failed_messages += report.failed_messages.len();
                plumbing.delete_events(&handles, &report.failed_messages).await;
            }
            None if done.load(Ordering::SeqCst) => {
                let routes: Vec<String> =
                    west.static_routes().await.into_iter().map(|(c, _)| c).collect();
                if wanted.iter().all(|c| routes.contains(c)) {
                    break;
                }
                // Converged by events only: nothing left to deliver means a
                // lost update, which the benchmark reports rather than hides.
                assert!(started.elapsed() < Duration::from_secs(600), "did not converge");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let last_event = producer.await.expect("the producer ran");
    let converge = last_event.elapsed();
    let calls = ec2_calls.snapshot();
    let faults = proxy.counts();
    let creates =
        calls.by_operation.get("CreateTransitGatewayPeeringAttachment").copied().unwrap_or(0);

    println!("\n### A storm of tag events (1,000 within 60 s, 100 VPCs, FIFO reconcile queue)\n");
    println!("| events | batches | deliveries | reconciles | events deferred | events covered by an earlier read | EC2 reads | EC2 writes | HTTP attempts | throttled | peering creates | converged after the last event |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {EVENTS} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} s |",
        tally.batches,
        tally.deliveries,
        tally.reconciles,
        tally.deferred,
        tally.covered,
        calls.reads,
        calls.writes,
        calls.attempts,
        faults.throttled,
        creates,
        converge.as_secs_f64()
    );
    assert!(tally.deliveries >= EVENTS, "every event was delivered");
    assert_eq!(tally.failed_messages, tally.deferred, "no message failed but those deferred");
    assert_eq!(creates, 0, "no duplicate peering create");
    assert!(
        tally.reconciles * 10 <= EVENTS,
        "{} reconciles for {EVENTS} events: more than one per 10",
        tally.reconciles
    );
}
