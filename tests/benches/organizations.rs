//! The reads of a no-op reconcile with workload accounts
//! (`WORKLOAD_ROLE_NAME`), on the patched emulator: 2 Regions whose
//! transit gateways the network account shares with `k` workload accounts,
//! each with 2 tagged VPCs attached in every Region, beside the network
//! account's own 10 VPCs per Region. The rule measured: each workload
//! account costs one `DescribeVpcs` per Region, nothing else.
//!
//! `cargo bench -p tgw-peering-tests --bench organizations --profile dev`
//! (needs `make venv`; `make bench-organizations`); prints a Markdown
//! table; results in BENCHMARKS.md. The counts are of EC2 calls; the
//! `sts:AssumeRole` of each workload role (once per process and account,
//! then cached by the SDK until the credentials near expiry) is not counted.

use std::time::Duration;

use tgw_peering::commands::{apply, ApplyOptions, ApplyReport, Session};
use tgw_peering_tests::{Emulator, Flavour, RegionWorld};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const ROLE_NAME: &str = "tgw-peering-workload-read";
const EXTERNAL_ID: &str = "tgw-peering-bench";
const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(600), poll: Duration::from_millis(200) };

async fn run_apply(session: &Session) -> ApplyReport {
    let report = apply(session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {:?}", report.error);
    report
}

fn account(k: usize) -> String {
    format!("{:012}", 222_222_222_222 + k)
}

/// (no-op EC2 reads, of which `DescribeVpcs`) with `k` workload accounts.
async fn measure(k: usize) -> (usize, usize) {
    let accounts: Vec<String> = (0..k).map(account).collect();
    let roles: Vec<String> = accounts
        .iter()
        .map(|a| format!("arn:aws:iam::{a}:role/{ROLE_NAME}={EXTERNAL_ID}"))
        .collect();
    let (shared, roles) = (accounts.join(","), roles.join(";"));
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_RAM_SHARED_WITH", &shared), ("TGW_EMULATOR_ROLES", &roles)],
    );
    for (r, region) in REGIONS.iter().enumerate() {
        let w = RegionWorld::shared(&emulator, region).await;
        for i in 0..10 {
            w.vpc(&format!("10.{}.{i}.0/24", 10 + r), Some("true"), &[]).await;
        }
        for (n, a) in accounts.iter().enumerate() {
            let workload = w.as_account(&emulator, a).await;
            for i in 0..2 {
                workload
                    .vpc(&format!("10.{}.{}.0/24", 10 + r, 100 + 2 * n + i), Some("true"), &[])
                    .await;
            }
        }
    }
    let config = tgw_peering_core::Config::from_lookup(|key| match key {
        "PEERING_REGIONS" => Some(REGIONS.join(",")),
        "WORKLOAD_ROLE_NAME" => Some(ROLE_NAME.to_owned()),
        "ROLE_EXTERNAL_ID" => Some(EXTERNAL_ID.to_owned()),
        _ => None,
    })
    .expect("a valid configuration");
    let session = Session::new(config, &emulator.sdk_config().await);
    run_apply(&session).await;
    let noop = run_apply(&session).await;
    assert_eq!(noop.ec2_calls.writes, 0);
    let vpcs = noop.ec2_calls.by_operation.get("DescribeVpcs").copied().unwrap_or_default();
    (noop.ec2_calls.reads, vpcs)
}

#[tokio::main]
async fn main() {
    println!("\n### Workload accounts: reads of a no-op reconcile (2 Regions, patched emulator)\n");
    println!(
        "| workload accounts | no-op EC2 reads | of which DescribeVpcs | reads beyond 0 accounts |"
    );
    println!("|---|---|---|---|");
    let mut base = None;
    for k in [0, 1, 2, 5] {
        let (reads, vpcs) = measure(k).await;
        let base = *base.get_or_insert(reads);
        println!("| {k} | {reads} | {vpcs} | {} |", reads - base);
    }
}
