//! The reads of a no-op reconcile with segments, on the patched emulator:
//! 2 Regions, 10 VPCs tagged `true` per Region (the default segment, the
//! gateway's default table), then a peering table and `k` more segment
//! tables per Region, each with one VPC of its segment. The rule measured:
//! the tables are found in the read the tool makes anyway
//! (`DescribeTransitGatewayRouteTables`), and each table beyond the
//! managed one costs two reads (its routes, its prefix-list references),
//! plus one per ledger list of its segment (its entries).
//!
//! `cargo bench -p tgw-peering-tests --bench segments --profile dev`
//! (needs `make venv`; `make bench-segments`); prints a Markdown table;
//! results in BENCHMARKS.md.

use std::time::Duration;

use tgw_peering::commands::{apply, ApplyOptions, ApplyReport, Session};
use tgw_peering_tests::{Emulator, Flavour, RegionWorld};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(600), poll: Duration::from_millis(200) };

async fn run_apply(session: &Session) -> ApplyReport {
    let report = apply(session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {:?}", report.error);
    report
}

/// A VPC of segment `name`, associated with `table` (moved off the
/// default table it was associated with on attaching).
async fn segment_vpc(w: &RegionWorld, cidr: &str, name: &str, table: &str) {
    let vpc = w.vpc_unattached(cidr, Some(name)).await;
    let attachment = w.attach(&vpc, cidr).await.attachment;
    w.ec2
        .disassociate_transit_gateway_route_table()
        .transit_gateway_route_table_id(&w.route_table)
        .transit_gateway_attachment_id(&attachment)
        .send()
        .await
        .expect("DisassociateTransitGatewayRouteTable");
    w.ec2
        .associate_transit_gateway_route_table()
        .transit_gateway_route_table_id(table)
        .transit_gateway_attachment_id(&attachment)
        .send()
        .await
        .expect("AssociateTransitGatewayRouteTable");
}

/// No-op EC2 reads with `segments` more segment tables per Region (and a
/// peering table when `segments` is `Some`), and the reads of the tables'
/// routes and references among them.
async fn measure(segments: Option<usize>) -> (usize, usize) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    for (r, region) in REGIONS.iter().enumerate() {
        let w = RegionWorld::new(&emulator, region).await;
        for i in 0..10 {
            w.vpc(&format!("10.{}.{i}.0/24", 10 + r), Some("true"), &[]).await;
        }
        let Some(k) = segments else { continue };
        w.tagged_table("tgw-peering:role", "peering").await;
        for s in 0..k {
            let name = format!("seg{s}");
            let id = w.tagged_table("tgw-peering:segment", &name).await;
            segment_vpc(&w, &format!("10.{}.{}.0/24", 10 + r, 100 + s), &name, &id).await;
        }
    }
    let config = tgw_peering_core::Config::from_lookup(|key| {
        (key == "PEERING_REGIONS").then(|| REGIONS.join(","))
    })
    .expect("a valid configuration");
    let session = Session::new(config, &emulator.sdk_config().await);
    run_apply(&session).await;
    let noop = run_apply(&session).await;
    assert_eq!(noop.ec2_calls.writes, 0, "a no-op writes nothing");
    let of = |op: &str| noop.ec2_calls.by_operation.get(op).copied().unwrap_or_default();
    let tables = of("SearchTransitGatewayRoutes") + of("GetTransitGatewayPrefixListReferences");
    (noop.ec2_calls.reads, tables)
}

#[tokio::main]
async fn main() {
    println!("\n### Segments: reads of a no-op reconcile (2 Regions, patched emulator)\n");
    println!(
        "| tables per Region | no-op EC2 reads | of which routes and references | reads beyond no segments, per Region |"
    );
    println!("|---|---|---|---|");
    let (base, _) = measure(None).await;
    for k in [None, Some(0), Some(1), Some(3)] {
        let (reads, tables) = measure(k).await;
        let label = match k {
            None => "1 (no segment declared)".to_owned(),
            Some(k) => format!("{} (default, peering, {k} more segment(s))", k + 2),
        };
        println!("| {label} | {reads} | {tables} | {} |", (reads - base) / 2);
    }
}
