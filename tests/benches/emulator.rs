//! Benchmarks on the patched emulator (timed phases off: a peering and an
//! attachment are available at once): EC2 calls per reconcile as the
//! network grows, route-write throughput by concurrency, and the handler's
//! wall time per event.
//!
//! `cargo bench -p tgw-peering-tests --bench emulator` (needs `make venv`);
//! prints Markdown tables; results in BENCHMARKS.md. Sizes can be narrowed
//! with TGW_BENCH_SIZES=10,100.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tgw_peering::commands::{apply, ApplyOptions, ApplyReport, Session};
use tgw_peering_core::aws::CallCounts;
use tgw_peering_core::execute::execute_with;
use tgw_peering_tests::{
    config, tag_event, Emulator, FaultProxy, Faults, Flavour, RegionWorld, EMULATOR_ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(600), poll: Duration::from_millis(200) };

/// VPC `i` of a Region (`n` = 10 or 20): 10.n.x.y/28 blocks, unique.
fn cidr(n: u32, i: u32) -> String {
    format!("10.{}.{}.{}/28", n + i / 4096, (i / 16) % 256, (i % 16) * 16)
}

async fn world(emulator: &Emulator, vpcs: u32) -> (RegionWorld, RegionWorld) {
    let east = RegionWorld::new(emulator, EAST).await;
    let west = RegionWorld::new(emulator, WEST).await;
    for (w, n) in [(&east, 10), (&west, 20)] {
        for i in 0..vpcs {
            w.vpc(&cidr(n, i), Some("true"), &[]).await;
        }
    }
    (east, west)
}

async fn run_apply(session: &Session) -> ApplyReport {
    let report = apply(session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {:?}", report.error);
    report
}

fn calls(c: &CallCounts) -> String {
    format!("{} | {}", c.reads, c.writes)
}

async fn ec2_calls(sizes: &[u32]) {
    println!("\n### EC2 calls per reconcile (2 Regions, patched emulator)\n");
    println!("| VPCs per Region | first apply: reads | writes | routes written | no-op: reads | writes | one new VPC: reads | writes |");
    println!("|---|---|---|---|---|---|---|---|");
    for &n in sizes {
        let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
        let (east, west) = world(&emulator, n).await;
        let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
        let first = run_apply(&session).await;
        let routes = first
            .applied
            .iter()
            .filter(|a| {
                a.action.kind() == "create_route"
                    && a.result == tgw_peering_core::execute::ResultLabel::Done
            })
            .count();
        let noop = run_apply(&session).await;
        west.vpc(&cidr(20, n), Some("true"), &[]).await;
        let one = run_apply(&session).await;
        println!(
            "| {n} | {} | {routes} | {} | {} |",
            calls(&first.ec2_calls),
            calls(&noop.ec2_calls),
            calls(&one.ec2_calls)
        );
        assert_eq!(routes, 2 * n as usize, "writes equal the missing routes");
        assert_eq!(noop.ec2_calls.writes, 0);
        // 9 reads per Region: gateways, VPCs, peerings, ledger lists, one
        // list's entries, the gateway's route tables, attachments, one route
        // search, the table's prefix-list references; one page each up to
        // 100 ledger entries (a page of entries holds 100 at most).
        if n <= 100 {
            assert_eq!(noop.ec2_calls.reads, 18, "a no-op reads each Region once");
        }
        drop((east, west));
    }
}

/// A world of `vpcs` per Region whose peering is available and associated,
/// with every route missing: the plan that remains is the route writes.
/// Run on the emulator, and through the proxy that adds `delay_ms` to every
/// EC2 call, a stand-in for a real endpoint's latency (moto answers in a few
/// milliseconds and serialises its work, which hides what concurrency buys).
async fn write_throughput(vpcs: u32, delays_ms: &[u64]) {
    println!("\n### Route writes: {} missing routes\n", 2 * vpcs);
    println!("| EC2 latency | in flight | seconds | writes per second |");
    println!("|---|---|---|---|");
    for &delay_ms in delays_ms {
        for in_flight in [1, 4, 8] {
            let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
            let _world = world(&emulator, vpcs).await;
            let proxy = FaultProxy::start(&emulator, Faults { delay_ms, ..Faults::default() });
            let session = Session::new(config(&[EAST, WEST]), &proxy.sdk_config().await);
            // Create, accept and associate the peering first, without routes.
            let plan = loop {
                let mut plan = session.plan().await.expect("a plan");
                let setup: Vec<_> =
                    plan.actions.iter().filter(|p| !p.action.is_route_write()).cloned().collect();
                if setup.is_empty() && !plan.actions.is_empty() {
                    break plan;
                }
                plan.actions = setup;
                execute_with(&session.clients, &plan, 1).await;
            };
            let start = Instant::now();
            let done = execute_with(&session.clients, &plan, in_flight).await;
            let seconds = start.elapsed().as_secs_f64();
            assert_eq!(done.failures().count(), 0);
            assert_eq!(done.executed.len(), 2 * vpcs as usize);
            let latency = if delay_ms == 0 {
                "moto alone".to_owned()
            } else {
                format!("moto + {delay_ms} ms")
            };
            println!(
                "| {latency} | {in_flight} | {seconds:.1} | {:.0} |",
                done.executed.len() as f64 / seconds
            );
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Wall time per event through the functions' dispatch (no bus, no queue).
async fn handler_latency(vpcs: u32, events: usize) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west) = world(&emulator, vpcs).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    run_apply(&session).await;
    let (attachment, _) = east.peerings().await.into_iter().next().expect("a peering");
    let handler =
        tgw_peering_core::wiring::handler(config(&[EAST, WEST]), &emulator.sdk_config().await);
    // A tagged VPC: an event that announces a tag the read does not show
    // is deferred (the VPC watch), which is not what is measured here.
    let tagged = aws_sdk_ec2::types::Filter::builder()
        .name("tag:addToTransitGateway")
        .values("true")
        .build();
    let vpc = east
        .ec2
        .describe_vpcs()
        .filters(tagged)
        .send()
        .await
        .expect("DescribeVpcs")
        .vpcs()
        .iter()
        .find_map(|v| v.vpc_id().map(str::to_owned))
        .expect("a VPC");
    let state_change = json!({
        "version": "0", "id": "bench", "detail-type": tgw_peering_core::events::STATE_CHANGE,
        "source": "tgw-peering", "account": EMULATOR_ACCOUNT, "time": "2026-11-26T00:00:00Z",
        "region": EAST, "resources": [],
        "detail": {
            "attachment-id": attachment, "requester-region": EAST,
            "requester-transit-gateway-id": east.tgw, "accepter-region": WEST,
            "accepter-transit-gateway-id": west.tgw, "previous-state": "pending", "state": "available",
        },
    });
    println!("\n### Handler wall time per event ({vpcs} VPCs per Region, 2 Regions, patched emulator, {events} events)\n");
    println!("| event | p50 ms | p95 ms |");
    println!("|---|---|---|");
    for (name, event) in [
        ("Tag Change on Resource", tag_event(EAST, EMULATOR_ACCOUNT, &vpc, true)),
        ("State Change", state_change),
    ] {
        let mut times = Vec::with_capacity(events);
        for i in 0..events {
            let mut e: Value = event.clone();
            e["id"] = json!(format!("bench-{i}"));
            let start = Instant::now();
            let report = handler.handle(&e).await.expect("handled");
            times.push(start.elapsed());
            assert_eq!(
                report.decisions(tgw_peering_core::handler::Decision::Action).count(),
                0,
                "a converged world"
            );
        }
        times.sort();
        println!("| {name} | {:.1} | {:.1} |", percentile(&times, 0.5), percentile(&times, 0.95));
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing useful.
    let sizes: Vec<u32> = std::env::var("TGW_BENCH_SIZES")
        .unwrap_or_else(|_| "10,100,1000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("TGW_BENCH_SIZES: numbers"))
        .collect();
    ec2_calls(&sizes).await;
    handler_latency(100, 100).await;
    write_throughput(1000, &[0, 50]).await;
}
