//! `ROUTE_MODE=static` against `ROUTE_MODE=prefix-list` on the patched
//! emulator, in a mesh of 5 Regions with `n` tagged VPCs each: the EC2
//! writes to add one VPC, the routes each managed table counts against the
//! transit gateway's route quota, and the reads of a no-op reconcile.
//!
//! `cargo bench -p tgw-peering-tests --bench modes --profile dev` (needs
//! `make venv`; `make bench-modes`); prints a Markdown table; results in
//! BENCHMARKS.md. Sizes can be narrowed with TGW_BENCH_SIZES=10.

use std::collections::BTreeMap;
use std::time::Duration;

use tgw_peering::commands::{apply, ApplyOptions, ApplyReport, Session};
use tgw_peering_core::observe::observe;
use tgw_peering_core::{plan, RouteMode};
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

const REGIONS: [&str; 5] =
    ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1"];
const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(600), poll: Duration::from_millis(200) };

async fn run_apply(session: &Session) -> ApplyReport {
    let report = apply(session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {:?}", report.error);
    report
}

/// VPC `i` of Region `r`: 10.(10+r).x.y/28 blocks, unique.
fn cidr(r: usize, i: usize) -> String {
    format!("10.{}.{}.{}/28", 10 + r, i / 16, (i % 16) * 16)
}

struct Row {
    writes: BTreeMap<String, usize>,
    counted: usize,
    noop_reads: usize,
}

async fn measure(mode: RouteMode, n: usize) -> Row {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let mut worlds = Vec::new();
    for (r, region) in REGIONS.iter().enumerate() {
        let w = RegionWorld::new(&emulator, region).await;
        for i in 0..n {
            w.vpc(&cidr(r, i), Some("true"), &[]).await;
        }
        worlds.push(w);
    }
    let mut c = config(&REGIONS);
    c.route_mode = mode;
    let session = Session::new(c, &emulator.sdk_config().await);
    run_apply(&session).await;
    worlds[0].vpc(&cidr(0, n), Some("true"), &[]).await;
    let added = run_apply(&session).await;
    let noop = run_apply(&session).await;
    assert_eq!(noop.ec2_calls.writes, 0);
    let observed = observe(&session.clients, &session.config).await.expect("observe");
    let planned = plan(&observed, &session.config).expect("plan");
    let counted = planned.tables.iter().map(|t| t.quota.counted).max().unwrap_or_default();
    let writes = added
        .ec2_calls
        .by_operation
        .iter()
        .filter(|(op, _)| !tgw_peering_core::aws::is_read_operation(op))
        .map(|(op, n)| (op.clone(), *n))
        .collect();
    Row { writes, counted, noop_reads: noop.ec2_calls.reads }
}

fn writes_text(w: &BTreeMap<String, usize>) -> String {
    let total: usize = w.values().sum();
    let each: Vec<String> = w.iter().map(|(op, n)| format!("{n} {op}")).collect();
    format!("{total} ({})", each.join(", "))
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("TGW_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100]);
    println!("\n### Static routes against prefix-list references (5 Regions, patched emulator)\n");
    println!("| VPCs per Region | mode | EC2 writes to add one VPC | routes counted (largest table) | no-op reads |");
    println!("|---|---|---|---|---|");
    for n in sizes {
        for mode in [RouteMode::Static, RouteMode::PrefixList] {
            let row = measure(mode, n).await;
            println!(
                "| {n} | {} | {} | {} | {} |",
                mode.as_str(),
                writes_text(&row.writes),
                row.counted,
                row.noop_reads
            );
        }
    }
}
