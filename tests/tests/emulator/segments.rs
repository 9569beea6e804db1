//! Segments on the emulator: two Regions whose gateways disable default
//! association and propagation, each with a prod, dev and shared table and
//! a peering table, VPCs tagged with segment names. Routes stay within
//! segments (shared both ways), the peering sits in the peering tables, a
//! VPC in the wrong segment's table and a typo are held and named, a move
//! from dev to prod moves the routes, and prefix-list mode converges with
//! no static route from the tool.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{
    DefaultRouteTableAssociationValue, DefaultRouteTablePropagationValue, Filter,
    TransitGatewayRequestOptions,
};

use super::common::converge;
use tgw_peering::commands::{apply, Session};
use tgw_peering_core::execute::execute;
use tgw_peering_core::FindingCode;
use tgw_peering_tests::{config_with, Emulator, Flavour, RegionWorld};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const TABLES: [&str; 4] = ["prod", "dev", "shared", "peer"];

/// One Region: its gateway (no default table) and its four tables.
struct Segmented {
    world: RegionWorld,
    tables: BTreeMap<&'static str, String>,
}

impl Segmented {
    async fn new(emulator: &Emulator, region: &str) -> Segmented {
        let ec2 = emulator.ec2(region).await;
        let options = TransitGatewayRequestOptions::builder()
            .default_route_table_association(DefaultRouteTableAssociationValue::Disable)
            .default_route_table_propagation(DefaultRouteTablePropagationValue::Disable)
            .build();
        let tgw = ec2
            .create_transit_gateway()
            .options(options)
            .send()
            .await
            .expect("CreateTransitGateway")
            .transit_gateway
            .and_then(|g| g.transit_gateway_id)
            .expect("a gateway");
        let world = RegionWorld { region: region.to_owned(), ec2, tgw, route_table: String::new() };
        let mut tables = BTreeMap::new();
        for name in TABLES {
            let id = match name {
                "peer" => world.tagged_table("tgw-peering:role", "peering").await,
                _ => world.tagged_table("tgw-peering:segment", name).await,
            };
            tables.insert(name, id);
        }
        let world = RegionWorld { route_table: tables["peer"].clone(), ..world };
        Segmented { world, tables }
    }

    /// The same Region, its checks aimed at table `name`.
    fn table(&self, name: &str) -> RegionWorld {
        RegionWorld {
            region: self.world.region.clone(),
            ec2: self.world.ec2.clone(),
            tgw: self.world.tgw.clone(),
            route_table: self.tables[name].clone(),
        }
    }

    /// A VPC tagged `tag`, attached, its attachment associated with table
    /// `assoc` and propagating into the peering table.
    async fn vpc(&self, cidr: &str, tag: &str, assoc: &str) -> (String, String) {
        let vpc = self.world.vpc_unattached(cidr, Some(tag)).await;
        let attachment = self.world.attach(&vpc, cidr).await.attachment;
        self.associate(&attachment, assoc).await;
        self.world
            .ec2
            .enable_transit_gateway_route_table_propagation()
            .transit_gateway_route_table_id(&self.tables["peer"])
            .transit_gateway_attachment_id(&attachment)
            .send()
            .await
            .expect("EnableTransitGatewayRouteTablePropagation");
        (vpc, attachment)
    }

    async fn associate(&self, attachment: &str, table: &str) {
        self.world
            .ec2
            .associate_transit_gateway_route_table()
            .transit_gateway_route_table_id(&self.tables[table])
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
            .expect("AssociateTransitGatewayRouteTable");
    }

    async fn disassociate(&self, attachment: &str, table: &str) {
        self.world
            .ec2
            .disassociate_transit_gateway_route_table()
            .transit_gateway_route_table_id(&self.tables[table])
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
            .expect("DisassociateTransitGatewayRouteTable");
    }

    /// The static routes of each segment table.
    async fn statics(&self) -> BTreeMap<&'static str, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for name in TABLES {
            let routes = self.table(name).static_routes().await;
            out.insert(name, routes.into_iter().map(|(c, _)| c).collect());
        }
        out
    }

    /// The CIDRs each table routes through a prefix list.
    async fn listed(&self) -> BTreeMap<&'static str, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for name in TABLES {
            let routes = self.table(name).active_routes().await;
            let cidrs = routes.into_iter().filter(|r| r.prefix_list.is_some()).map(|r| r.cidr);
            out.insert(name, cidrs.collect());
        }
        out
    }

    /// The table each peering attachment of the gateway is associated with.
    async fn peering_tables(&self) -> BTreeSet<String> {
        let out = self
            .world
            .ec2
            .describe_transit_gateway_attachments()
            .filters(Filter::builder().name("resource-type").values("peering").build())
            .send()
            .await
            .expect("DescribeTransitGatewayAttachments");
        out.transit_gateway_attachments()
            .iter()
            .filter(|a| a.transit_gateway_id() == Some(self.world.tgw.as_str()))
            .filter_map(|a| a.association()?.transit_gateway_route_table_id().map(str::to_owned))
            .collect()
    }
}

fn set(cidrs: &[&str]) -> BTreeSet<String> {
    cidrs.iter().map(|c| (*c).to_owned()).collect()
}

/// What each table of a Region holds once converged, given the peer
/// Region's prod, dev and shared CIDRs.
fn expected(prod: &str, dev: &str, shared: &str) -> BTreeMap<&'static str, BTreeSet<String>> {
    [
        ("prod", set(&[prod, shared])),
        ("dev", set(&[dev, shared])),
        ("shared", set(&[prod, dev, shared])),
        ("peer", BTreeSet::new()),
    ]
    .into_iter()
    .collect()
}

/// The world: E with a VPC per segment, a VPC tagged prod in the dev
/// table and one tagged `prdo`; W with a VPC per segment. Returns the
/// Regions and E's dev VPC and its attachment.
async fn world(emulator: &Emulator) -> (Segmented, Segmented, (String, String)) {
    let east = Segmented::new(emulator, EAST).await;
    let west = Segmented::new(emulator, WEST).await;
    east.vpc("10.0.0.0/16", "prod", "prod").await;
    let dev = east.vpc("10.1.0.0/16", "dev", "dev").await;
    east.vpc("10.2.0.0/16", "Shared", "shared").await;
    east.vpc("10.3.0.0/16", "prod", "dev").await;
    east.vpc("10.4.0.0/16", "prdo", "prod").await;
    west.vpc("10.10.0.0/16", "prod", "prod").await;
    west.vpc("10.11.0.0/16", "dev", "dev").await;
    west.vpc("10.12.0.0/16", "shared", "shared").await;
    (east, west, dev)
}

async fn session(emulator: &Emulator, vars: &[(&str, &str)]) -> Session {
    let mut all = vec![("SHARED_SEGMENTS", "shared")];
    all.extend_from_slice(vars);
    Session::new(config_with(&[EAST, WEST], &all), &emulator.sdk_config().await)
}

#[tokio::test]
async fn segments_route_only_within_themselves_and_shared_both_ways_and_a_move_keeps_prod_reachable(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, (dev_vpc, dev_attachment)) = world(&emulator).await;
    let session = session(&emulator, &[]).await;
    converge(&session).await;

    assert_eq!(east.statics().await, expected("10.10.0.0/16", "10.11.0.0/16", "10.12.0.0/16"));
    assert_eq!(west.statics().await, expected("10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"));
    for side in [&east, &west] {
        assert_eq!(
            side.peering_tables().await,
            set(&[&side.tables["peer"]]),
            "{}",
            side.world.region
        );
    }
    // The wrong association and the typo: not advertised, named by plan.
    let plan = session.plan().await.expect("a plan");
    let named = |code: FindingCode| {
        plan.findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| f.reason.clone())
            .collect::<Vec<_>>()
    };
    let mismatch = named(FindingCode::SegmentMismatch);
    assert!(mismatch.len() == 1 && mismatch[0].contains(&east.tables["dev"]), "{mismatch:?}");
    let typo = named(FindingCode::SegmentUnknown);
    assert!(typo.len() == 1 && typo[0].contains("\"prdo\""), "{typo:?}");
    // A second apply writes nothing.
    let again = apply(&session, super::common::OPTIONS, |_| {}).await.expect("apply runs");
    assert_eq!(again.writes_done(), 0, "{:#?}", again.applied);

    // Move E's dev VPC to prod: its tag, then its association.
    east.world.tag(&dev_vpc, "prod").await;
    east.disassociate(&dev_attachment, "dev").await;
    east.associate(&dev_attachment, "prod").await;
    let planned = session.plan().await.expect("a plan");
    let done = execute(&session.clients, &planned).await;
    assert_eq!(done.failures().count(), 0);
    let after = west.statics().await;
    assert!(after["prod"].contains("10.1.0.0/16"), "prod reaches the moved VPC: {after:?}");
    assert!(!after["dev"].contains("10.1.0.0/16"), "dev no longer does: {after:?}");
    converge(&session).await;
    let moved = west.statics().await;
    assert_eq!(moved["prod"], set(&["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]));
    assert_eq!(moved["dev"], set(&["10.2.0.0/16"]));
    assert_eq!(moved["shared"], set(&["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]));
}

#[tokio::test]
async fn segments_in_prefix_list_mode_converge_with_no_static_route_from_the_tool() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, _) = world(&emulator).await;
    let session = session(&emulator, &[("ROUTE_MODE", "prefix-list")]).await;
    converge(&session).await;
    for side in [&east, &west] {
        assert!(side.statics().await.values().all(BTreeSet::is_empty), "{}", side.world.region);
    }
    assert_eq!(east.listed().await, expected("10.10.0.0/16", "10.11.0.0/16", "10.12.0.0/16"));
    assert_eq!(west.listed().await, expected("10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"));
    let again = apply(&session, super::common::OPTIONS, |_| {}).await.expect("apply runs");
    assert_eq!(again.writes_done(), 0, "{:#?}", again.applied);
}
