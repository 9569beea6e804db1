//! `Path Broken` and `Path Restored` from the reconciler's handler on the
//! in-memory world: once per broken hop, once when it heals, also across a
//! cold start (a new handler over the same world: a new process, whose
//! memory is empty, finds the record on the route table).

use serde_json::{json, Value};
use tgw_peering_core::domain::*;
use tgw_peering_core::events::outgoing::{PATH_BROKEN, PATH_RESTORED};
use tgw_peering_core::verify::records::BROKEN_TAG_PREFIX;

use crate::support::{cidr, fixture, settled_two_regions, Rig};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

/// The settled two Regions, each VPC's main table sending 10.0.0.0/8 to
/// its gateway: every path whole.
pub(crate) async fn whole_world() -> Rig {
    let rig = settled_two_regions().await;
    for (r, vpc, table) in
        [(EAST, "vpc-0a1b2c3d4e5f60718", "rtb-0e1"), (WEST, "vpc-0eeeeeeeeeeeeeee1", "rtb-0w1")]
    {
        rig.world.edit(r, |s| {
            let tgw = s.transit_gateways[0].id.clone();
            s.vpc_route_tables.get_or_insert_with(Vec::new).push(VpcRouteTable {
                id: VpcRouteTableId::parse(table).unwrap(),
                vpc_id: VpcId::parse(vpc).unwrap(),
                serves_subnets: true,
                routes: vec![VpcRoute {
                    cidr: cidr("10.0.0.0/8"),
                    target: VpcRouteTarget::TransitGateway(tgw),
                    origin: CREATE_ROUTE_ORIGIN.to_owned(),
                    state: "active".to_owned(),
                }],
                list_routes: Vec::new(),
            });
        });
    }
    rig.bus.take();
    rig
}

/// Runs the scheduled reconcile; its path events (detail-type, detail).
async fn sweep(rig: &Rig, id: &str) -> Vec<(&'static str, Value)> {
    let mut e = fixture("scheduled-event.json");
    e["id"] = json!(id);
    rig.handler.handle(&e).await.unwrap();
    rig.bus
        .take()
        .into_iter()
        .filter(|e| [PATH_BROKEN, PATH_RESTORED].contains(&e.detail_type()))
        .map(|e| (e.detail_type(), e.detail()))
        .collect()
}

/// East's route toward west's VPC made a blackhole by hand (or put back).
pub(crate) fn blackhole_west(rig: &Rig, blackhole: bool, peering: &RouteTarget) {
    rig.world.edit(EAST, |s| {
        let table = s.route_table.as_mut().unwrap();
        for r in table.routes.iter_mut().filter(|r| r.cidr == cidr("10.30.0.0/16")) {
            r.target = if blackhole { RouteTarget::Blackhole } else { peering.clone() };
            r.state = if blackhole { "blackhole" } else { "active" }.to_owned();
        }
    });
}

/// The record tags on east's managed table.
fn records(rig: &Rig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    rig.world.edit(EAST, |s| {
        let id = s.route_table.as_ref().unwrap().id.clone();
        let tables = s.route_tables.iter().flatten();
        for t in tables.filter(|t| t.id == id) {
            out.extend(
                t.tags
                    .iter()
                    .filter(|(k, _)| k.starts_with(BROKEN_TAG_PREFIX))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
    });
    out
}

#[tokio::test]
async fn a_broken_hop_is_announced_once_and_its_healing_once_also_across_a_cold_start() {
    let rig = whole_world().await;
    assert_eq!(sweep(&rig, "sweep-0").await, [], "every path is whole");
    let mut peering = RouteTarget::Unknown;
    rig.world.edit(EAST, |s| {
        let route =
            s.route_table.as_ref().unwrap().routes.iter().find(|r| r.cidr == cidr("10.30.0.0/16"));
        peering = route.unwrap().target.clone();
    });

    blackhole_west(&rig, true, &peering);
    let events = sweep(&rig, "sweep-1").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (kind, detail) = &events[0];
    assert_eq!(*kind, PATH_BROKEN);
    assert_eq!(detail["region"], json!(EAST));
    assert_eq!(detail["hop"], json!("attachment_route_table"));
    assert_eq!(detail["to"], json!("10.30.0.0/16"));
    assert_eq!(detail["paths"], json!(1));
    assert!(detail["reason"].as_str().unwrap().contains("blackhole"), "{detail}");
    let recorded = records(&rig);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(
        recorded[0].1.ends_with(" attachment_route_table tgw-rtb-0 10.30.0.0/16"),
        "{recorded:?}"
    );

    // Known: not announced again, by this process or by a cold one.
    assert_eq!(sweep(&rig, "sweep-2").await, []);
    let cold = Rig::new(rig.world.clone());
    assert_eq!(sweep(&cold, "sweep-3").await, [], "the record survives a cold start");

    blackhole_west(&rig, false, &peering);
    let events = sweep(&cold, "sweep-4").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, PATH_RESTORED);
    assert_eq!(events[0].1["to"], json!("10.30.0.0/16"));
    assert_eq!(events[0].1["hop"], json!("attachment_route_table"));
    assert_eq!(records(&rig), [], "the record is gone with the break");
    // Neither process announces the healing again.
    assert_eq!(sweep(&cold, "sweep-5").await, []);
    assert_eq!(sweep(&rig, "sweep-6").await, []);
}

#[tokio::test]
async fn a_reconcile_that_changes_routes_verifies_over_a_new_read() {
    let rig = whole_world().await;
    // A new tagged VPC in the west with no route table toward the gateway:
    // the reconcile of its tag event routes it, then verifies, and the
    // VPC's own first hop is broken.
    rig.world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee2", Some("true"), &["10.31.0.0/16"]);
    let mut e = fixture("tag-change-added.json");
    e["id"] = json!("tag-new");
    e["region"] = json!(WEST);
    e["resources"] = json!(["arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0eeeeeeeeeeeeeee2"]);
    rig.handler.handle(&e).await.unwrap();
    let events: Vec<_> =
        rig.bus.take().into_iter().filter(|e| e.detail_type() == PATH_BROKEN).collect();
    assert_eq!(events.len(), 1, "{events:?}");
    let d = events[0].detail();
    assert_eq!(
        (d["region"].clone(), d["hop"].clone(), d["subject"].clone()),
        (json!(WEST), json!("vpc_route_table"), json!("vpc-0eeeeeeeeeeeeeee2"))
    );
    // The route the reconcile wrote is there when it verifies: no hop of
    // east's table is broken.
    assert_eq!(d["paths"], json!(1));
}
