//! The embedded metric format documents of a reconcile on the in-memory
//! world: every document holds what the specification requires, and each
//! metric is there with its dimensions and the value of the world.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tgw_peering_core::domain::*;
use tgw_peering_core::handler::HandleReport;
use tgw_peering_core::metrics::{Scope, CATALOG, NAMESPACE};
use tgw_peering_core::ports::Ec2Clients;

use crate::batches::{batch, FIFO_ARN};
use crate::path_events::{blackhole_west, whole_world};
use crate::support::{cidr, fixture, Rig, World};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const PAIR: &str = "eu-west-1/us-east-1";

/// Checks `doc` against the specification ("Specification: Embedded metric
/// format", CloudWatch User Guide): `_aws` with an integer `Timestamp` and
/// `CloudWatchMetrics`; each directive's `Namespace`, `Dimensions` (sets of
/// at most 30 names, each a string member of the root) and `Metrics` (at
/// most 100, each a number member of the root, with a CloudWatch unit).
fn assert_emf(doc: &Value) {
    let aws = &doc["_aws"];
    assert!(aws["Timestamp"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "{doc}");
    let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics");
    assert!(!directives.is_empty());
    for d in directives {
        assert_eq!(d["Namespace"], NAMESPACE);
        let sets = d["Dimensions"].as_array().expect("Dimensions");
        assert!(!sets.is_empty(), "at least one dimension set: {doc}");
        for set in sets {
            let set = set.as_array().expect("a dimension set");
            assert!(set.len() <= 30);
            for name in set {
                assert!(doc[name.as_str().unwrap()].is_string(), "{name} at the root: {doc}");
            }
        }
        let metrics = d["Metrics"].as_array().expect("Metrics");
        assert!(!metrics.is_empty() && metrics.len() <= 100);
        for m in metrics {
            assert!(doc[m["Name"].as_str().unwrap()].is_number(), "{m} at the root: {doc}");
            assert!(["Count", "Percent", "Milliseconds"].contains(&m["Unit"].as_str().unwrap()));
        }
    }
}

/// The documents of `report`, as the lines the functions write, parsed back
/// and checked against the specification and the catalog.
fn documents(report: &HandleReport) -> Vec<Value> {
    let docs: Vec<Value> =
        report.metrics.iter().map(|d| serde_json::from_str(&d.line()).unwrap()).collect();
    for doc in &docs {
        assert_emf(doc);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        for m in directive["Metrics"].as_array().unwrap() {
            let spec = CATALOG.iter().find(|c| c.name == m["Name"]).expect("in the catalog");
            assert_eq!(json!([spec.dimensions()]), directive["Dimensions"], "{}", spec.name);
        }
    }
    docs
}

/// The one document whose dimensions are exactly `dims`.
fn find<'a>(docs: &'a [Value], dims: &[(&str, &str)]) -> &'a Value {
    let names: Vec<&str> = dims.iter().map(|(n, _)| *n).collect();
    let found: Vec<&Value> = docs
        .iter()
        .filter(|d| d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == json!([names]))
        .filter(|d| dims.iter().all(|(n, v)| d[*n] == *v))
        .collect();
    assert_eq!(found.len(), 1, "one document of {dims:?} in {docs:#?}");
    found[0]
}

fn table_id(rig: &Rig, r: &str) -> String {
    let mut id = String::new();
    rig.world.edit(r, |s| id = s.route_table.as_ref().unwrap().id.to_string());
    id
}

fn gateway_id(rig: &Rig, r: &str) -> String {
    let mut id = String::new();
    rig.world.edit(r, |s| id = s.transit_gateways[0].id.to_string());
    id
}

async fn scheduled(rig: &Rig, id: &str) -> HandleReport {
    let mut e = fixture("scheduled-event.json");
    e["id"] = json!(id);
    rig.handler.handle(&e).await.unwrap()
}

#[tokio::test]
async fn a_scheduled_reconcile_of_a_whole_mesh_writes_each_table_gateway_pair_and_its_own_figures()
{
    let rig = whole_world().await;
    let (reads, writes) = (rig.world.reads(), rig.world.writes().len());
    let report = scheduled(&rig, "sweep-1").await;
    let docs = documents(&report);
    // Two tables, two gateways, one pair, the reconcile.
    assert_eq!(docs.len(), 6, "{docs:#?}");
    for r in [EAST, WEST] {
        let table = find(&docs, &[("Region", r), ("RouteTable", &table_id(&rig, r))]);
        // Its own VPC's route and the other Region's, toward the peering.
        assert_eq!(table["RoutesCounted"], 2, "{table}");
        for zero in ["MissingRoutes", "ExtraRoutes", "Conflicts", "HeldWithdrawals"] {
            assert_eq!(table[zero], 0, "{zero}: {table}");
        }
        let gateway = find(&docs, &[("Region", r), ("TransitGateway", &gateway_id(&rig, r))]);
        // 2 routes of the 10,000 a gateway may hold.
        assert_eq!(gateway["QuotaUsedPercent"], 0.02, "{gateway}");
    }
    let pair = find(&docs, &[("RegionPair", PAIR)]);
    assert_eq!((&pair["PeeringAvailable"], &pair["BrokenPaths"]), (&json!(1), &json!(0)));
    let run = find(&docs, &[]);
    assert_eq!(run["Reads"], rig.world.reads() - reads, "{run}");
    assert_eq!(run["Writes"], rig.world.writes().len() - writes);
    assert_eq!(run["Writes"], 0, "a converged mesh needs none");
    assert!(run["Reads"].as_u64().unwrap() > 0);
    // (Throttles: the in-memory world throttles nothing; the count is
    // checked against the fault proxy's on the emulator, reliability.rs.)
    for (metric, value) in [
        ("EventsCoalesced", json!(0)),
        ("MaxQuotaUsedPercent", json!(0.02)),
        ("BrokenPathsTotal", json!(0)),
        ("PeeringsUnavailable", json!(0)),
    ] {
        assert_eq!(run[metric], value, "{metric}: {run}");
    }
    assert!(run["ReconcileDurationMs"].is_u64());
    // Every metric of the catalog was written.
    let written: BTreeSet<&str> = docs
        .iter()
        .flat_map(|d| d["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap())
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    let catalog: BTreeSet<&str> = CATALOG.iter().map(|m| m.name).collect();
    assert_eq!(written, catalog);
}

#[tokio::test]
async fn missing_conflicting_and_broken_routes_are_counted_where_they_are() {
    let rig = whole_world().await;
    let mut peering = RouteTarget::Unknown;
    rig.world.edit(EAST, |s| {
        let routes = &s.route_table.as_ref().unwrap().routes;
        peering = routes.iter().find(|r| r.cidr == cidr("10.30.0.0/16")).unwrap().target.clone();
    });
    blackhole_west(&rig, true, &peering);
    // Two new VPCs in the west, tagged without an event: one's route is
    // missing in the east, the other's CIDR is routed there by hand.
    rig.world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee2", Some("true"), &["10.31.0.0/16"]);
    rig.world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee3", Some("true"), &["10.32.0.0/16"]);
    rig.world.edit(EAST, |s| {
        let table = s.route_table.as_mut().unwrap();
        let vpn = RouteTarget::Attachment(AttachmentId::parse("tgw-attach-0vpn").unwrap());
        table.routes.push(TgwRoute::static_to(cidr("10.32.0.0/16"), vpn));
    });
    let before = rig.world.calls();
    let report = scheduled(&rig, "sweep-1").await;
    let docs = documents(&report);
    let east = find(&docs, &[("Region", EAST), ("RouteTable", &table_id(&rig, EAST))]);
    assert_eq!(east["MissingRoutes"], 1, "{east}");
    assert_eq!(east["Conflicts"], 1, "{east}");
    let run = find(&docs, &[]);
    // The route writes and the record of the broken hop (a tag).
    assert_eq!(run["Writes"], rig.world.calls().since(before).writes, "{run}");
    assert!(run["Writes"].as_u64().unwrap() >= 2, "the missing route was created: {run}");
    // East to west: the blackhole (10.30.0.0/16) and the hand route toward
    // the VPN (10.32.0.0/16); west to east: the two new VPCs, which have no
    // route table sending anything to the gateway. 10.31.0.0/16 was routed.
    assert_eq!(find(&docs, &[("RegionPair", PAIR)])["BrokenPaths"], 4);
    assert_eq!(run["BrokenPathsTotal"], 4, "{run}");
}

#[tokio::test]
async fn a_withdrawal_over_the_budget_is_counted_held_and_extra_in_its_table() {
    let rig = whole_world().await;
    let mut config = rig.world.config();
    config.max_withdrawals = Some(0);
    let rig = Rig::with_config(rig.world.clone(), config);
    rig.world.untag(WEST, "vpc-0eeeeeeeeeeeeeee1");
    let report = scheduled(&rig, "sweep-1").await;
    let docs = documents(&report);
    let east = find(&docs, &[("Region", EAST), ("RouteTable", &table_id(&rig, EAST))]);
    assert_eq!((&east["HeldWithdrawals"], &east["ExtraRoutes"]), (&json!(1), &json!(1)), "{east}");
    let west = find(&docs, &[("Region", WEST), ("RouteTable", &table_id(&rig, WEST))]);
    assert_eq!(west["HeldWithdrawals"], 0, "{west}");
}

#[tokio::test]
async fn a_peering_that_is_not_available_long_after_its_creation_counts_in_its_pair_and_the_aggregate(
) {
    let rig = whole_world().await;
    // The world's peering was created at its start (a few seconds after
    // the epoch): long before the handler's clock.
    rig.world.set_peering_state(PeeringState::Modifying);
    let report = scheduled(&rig, "sweep-1").await;
    let docs = documents(&report);
    assert_eq!(find(&docs, &[("RegionPair", PAIR)])["PeeringAvailable"], 0);
    assert_eq!(find(&docs, &[])["PeeringsUnavailable"], 1);
}

#[tokio::test]
async fn a_peering_the_reconcile_requests_is_not_available_yet_and_not_counted_overdue() {
    let world = World::new(&[EAST, WEST]);
    world.vpc(EAST, "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    let rig = Rig::new(world);
    let report = scheduled(&rig, "sweep-1").await;
    let docs = documents(&report);
    assert_eq!(find(&docs, &[("RegionPair", PAIR)])["PeeringAvailable"], 0);
    assert_eq!(find(&docs, &[])["PeeringsUnavailable"], 0);
}

#[tokio::test]
async fn a_pair_that_needs_no_peering_has_no_peering_figure() {
    let world = World::new(&[EAST, WEST]);
    world.vpc(EAST, "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    let rig = Rig::new(world);
    let docs = documents(&scheduled(&rig, "sweep-1").await);
    let pair = docs.iter().find(|d| d["RegionPair"] == PAIR);
    assert!(pair.is_none_or(|d| d.get("PeeringAvailable").is_none()), "{pair:?}");
    assert_eq!(find(&docs, &[])["PeeringsUnavailable"], 0);
}

#[tokio::test]
async fn a_reconcile_whose_regions_all_wait_writes_no_aggregate_it_did_not_measure() {
    let rig = whole_world().await;
    for r in [EAST, WEST] {
        rig.world.edit(r, |s| s.transit_gateways[0].state = TgwState::Modifying);
    }
    let docs = documents(&scheduled(&rig, "sweep-1").await);
    let run = find(&docs, &[]);
    for absent in ["MaxQuotaUsedPercent", "PeeringsUnavailable"] {
        assert!(run.get(absent).is_none(), "{absent}: {run}");
    }
}

#[tokio::test]
async fn a_batch_of_events_is_one_reconcile_whose_document_counts_the_events_coalesced() {
    let rig = whole_world().await;
    let events: Vec<Value> = (0..3)
        .map(|i| {
            let vpc = format!("vpc-0a0000000000000{i}");
            rig.world.vpc(EAST, &vpc, Some("true"), &[&format!("10.21.{i}.0/24")]);
            let mut e = fixture("tag-change-added.json");
            e["id"] = json!(format!("tag-{i}"));
            e["resources"] = json!([format!("arn:aws:ec2:{EAST}:123456789012:vpc/{vpc}")]);
            e
        })
        .collect();
    let report = rig.handler.handle(&batch(&events, FIFO_ARN)).await.unwrap();
    assert_eq!(report.reconciles, 1);
    assert_eq!(find(&documents(&report), &[])["EventsCoalesced"], 2);
}

#[tokio::test]
async fn a_reconcile_whose_read_fails_still_writes_what_it_cost_and_nothing_of_a_plan() {
    let rig = whole_world().await;
    let mut config = rig.world.config();
    config.regions.push(Region::parse("ap-south-1").unwrap());
    // The handler knows a Region the world does not serve: the read fails.
    let rig = Rig::with_config(rig.world.clone(), config);
    let report = rig.handler.run(&fixture("scheduled-event.json")).await;
    assert!(report.failure.is_some());
    let docs = documents(&report);
    assert_eq!(docs.len(), 1, "{docs:#?}");
    let run = &docs[0];
    assert!(run["Reads"].is_u64() && run["ReconcileDurationMs"].is_u64(), "{run}");
    for absent in ["MaxQuotaUsedPercent", "PeeringsUnavailable", "BrokenPathsTotal"] {
        assert!(run.get(absent).is_none(), "{absent}: {run}");
    }
}

#[test]
fn each_scope_has_the_dimensions_the_alarms_and_the_dashboard_name() {
    assert_eq!(Scope::RouteTable.dimensions(), ["Region", "RouteTable"]);
    assert_eq!(Scope::TransitGateway.dimensions(), ["Region", "TransitGateway"]);
    assert_eq!(Scope::RegionPair.dimensions(), ["RegionPair"]);
    assert!(Scope::Reconcile.dimensions().is_empty());
}
