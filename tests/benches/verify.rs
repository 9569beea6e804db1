//! Path verification's cost on the patched emulator: 2 Regions with `n`
//! tagged VPCs each (100, then 1,000), each VPC attached and its main
//! route table sending 10.0.0.0/8 to the gateway, converged with `apply`.
//! Measured: the EC2 reads a read with verification makes beyond the
//! plan's read (counted by the SDK interceptor), the wall time of that
//! read, and the time of the pure walk (`verify`) over it, in this
//! profile.
//!
//! `cargo bench -p tgw-peering-tests --bench verify --profile dev` (needs
//! `make venv`; `make bench-verify`); prints a Markdown table; results in
//! BENCHMARKS.md.

use std::time::{Duration, Instant};

use aws_sdk_ec2::types::Filter;
use tgw_peering::commands::{apply, ApplyOptions, Session};
use tgw_peering_core::observe::{observe, observe_for};
use tgw_peering_core::verify::{verify, Keep};
use tgw_peering_tests::{Emulator, Flavour, RegionWorld};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(1800), poll: Duration::from_millis(200) };

/// A tagged VPC, attached, whose main table sends 10.0.0.0/8 to the gateway.
async fn routed_vpc(w: &RegionWorld, cidr: &str) {
    let vpc = w.vpc(cidr, Some("true"), &[]).await;
    let out = w
        .ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .expect("DescribeRouteTables");
    let table = out.route_tables()[0].route_table_id().expect("an id").to_owned();
    w.ec2
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block("10.0.0.0/8")
        .transit_gateway_id(&w.tgw)
        .send()
        .await
        .expect("CreateRoute");
}

struct Measured {
    paths: usize,
    extra_reads: usize,
    plain_read: Duration,
    verified_read: Duration,
    walk: Duration,
}

async fn measure(n: usize) -> Measured {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    for (r, region) in REGIONS.iter().enumerate() {
        let w = RegionWorld::new(&emulator, region).await;
        for i in 0..n {
            routed_vpc(&w, &format!("10.{}.{}.{}/28", 10 + r, i / 16, (i % 16) * 16)).await;
        }
    }
    let config = tgw_peering_core::Config::from_lookup(|key| {
        (key == "PEERING_REGIONS").then(|| REGIONS.join(","))
    })
    .expect("a valid configuration");
    let session = Session::new(config, &emulator.sdk_config().await);
    let report = apply(&session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {:?}", report.error);

    let before = session.calls().reads;
    let start = Instant::now();
    observe(&session.clients, &session.config).await.expect("a read");
    let plain_read = start.elapsed();
    let plain = session.calls().reads - before;
    let before = session.calls().reads;
    let start = Instant::now();
    let observed = observe_for(&session.clients, &session.config, true).await.expect("a read");
    let verified_read = start.elapsed();
    let verified = session.calls().reads - before;
    let start = Instant::now();
    let v = verify(&observed, &session.config, Keep::None);
    let walk = start.elapsed();
    let (ok, broken, unverified) = v.totals();
    assert_eq!((broken, unverified), (0, 0), "a converged world is whole: {:?}", v.broken);
    Measured { paths: ok, extra_reads: verified - plain, plain_read, verified_read, walk }
}

#[tokio::main]
async fn main() {
    println!("\n### Path verification (2 Regions, patched emulator, this profile)\n");
    println!("| VPCs per Region | paths | extra EC2 reads per read | read | read with verification | walk (`verify`) |");
    println!("|---|---|---|---|---|---|");
    for n in [100, 1000] {
        let m = measure(n).await;
        println!(
            "| {n} | {} | {} | {:.2} s | {:.2} s | {:.3} s |",
            m.paths,
            m.extra_reads,
            m.plain_read.as_secs_f64(),
            m.verified_read.as_secs_f64(),
            m.walk.as_secs_f64()
        );
    }
}
