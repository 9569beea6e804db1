//! Path verification (`tgw-peering verify`) against the EC2 emulator.
//!
//! The patched emulator behaves like AWS on what verification reads
//! (`tests/emulator/patches`): a VPC attachment propagates its CIDRs into
//! the default propagation table and `SearchTransitGatewayRoutes` lists
//! them as `propagated`; `DisableTransitGatewayRouteTablePropagation`
//! takes them out; a blackhole made by hand is listed as one. moto serves
//! `DescribeRouteTables` filtered by `vpc-id`, with each table's main and
//! subnet associations (checked with boto3 before writing these tests).

use aws_sdk_ec2::types::Filter;
use tgw_peering::commands::Session;
use tgw_peering::paths::{exit_status, verify_text};
use tgw_peering_core::verify::{Hop, Keep, PathStatus};
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

use super::common::converge;

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

/// The main route table of `vpc` (it serves the subnets the attachment
/// uses: none has a table of its own).
async fn main_table(world: &RegionWorld, vpc: &str) -> String {
    let out = world
        .ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(Filter::builder().name("association.main").values("true").build())
        .send()
        .await
        .expect("DescribeRouteTables");
    out.route_tables()[0].route_table_id().expect("an id").to_owned()
}

/// Sends 10.0.0.0/8 from `vpc`'s main table to the Region's gateway.
pub(super) async fn route_to_gateway(world: &RegionWorld, vpc: &str) -> String {
    let table = main_table(world, vpc).await;
    world
        .ec2
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block("10.0.0.0/8")
        .transit_gateway_id(&world.tgw)
        .send()
        .await
        .expect("CreateRoute");
    table
}

/// The attachment of `vpc` to the Region's gateway.
async fn attachment_of(world: &RegionWorld, vpc: &str) -> String {
    let out = world
        .ec2
        .describe_transit_gateway_attachments()
        .filters(Filter::builder().name("resource-id").values(vpc).build())
        .send()
        .await
        .expect("DescribeTransitGatewayAttachments");
    out.transit_gateway_attachments()[0]
        .transit_gateway_attachment_id()
        .expect("an attachment id")
        .to_owned()
}

#[tokio::test]
async fn a_converged_world_verifies_whole_and_each_break_is_named_at_its_hop() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let east = RegionWorld::new(&emulator, EAST).await;
    let west = RegionWorld::new(&emulator, WEST).await;
    let e1 = east.vpc("10.1.0.0/16", Some("true"), &[]).await;
    let e2 = east.vpc("10.4.0.0/16", Some("true"), &[]).await;
    let w1 = west.vpc("10.2.0.0/16", Some("true"), &[]).await;
    let w2 = west.vpc("10.3.0.0/16", Some("true"), &[]).await;
    // An untagged VPC is no end of any path.
    west.vpc("10.9.0.0/16", None, &[]).await;
    for vpc in [&e1, &e2] {
        route_to_gateway(&east, vpc).await;
    }
    for vpc in [&w1, &w2] {
        route_to_gateway(&west, vpc).await;
    }
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    let report = converge(&session).await;
    assert!(report.converged, "{report:?}");

    let (_, v) = session.plan_and_verify(Keep::All).await.expect("verify");
    assert_eq!(v.totals(), (8, 0, 0), "{}", verify_text(&v));
    assert_eq!(exit_status(&v), 0);

    // 1. w1's propagation leaves west's table (the peering's table there).
    let w1_attachment = attachment_of(&west, &w1).await;
    west.ec2
        .disable_transit_gateway_route_table_propagation()
        .transit_gateway_route_table_id(&west.route_table)
        .transit_gateway_attachment_id(&w1_attachment)
        .send()
        .await
        .expect("DisableTransitGatewayRouteTablePropagation");
    // 2. A blackhole by hand for half of w2's CIDR, in east's table.
    east.blackhole_route("10.3.128.0/17").await;
    // 3. e2's table no longer sends anything to the gateway.
    let e2_table = main_table(&east, &e2).await;
    east.ec2
        .delete_route()
        .route_table_id(&e2_table)
        .destination_cidr_block("10.0.0.0/8")
        .send()
        .await
        .expect("DeleteRoute");

    let (_, v) = session.plan_and_verify(Keep::All).await.expect("verify");
    let text = verify_text(&v);
    assert_eq!(exit_status(&v), 3, "{text}");
    // West's four paths stay whole; east's four are broken.
    assert_eq!(v.totals(), (4, 4, 0), "{text}");
    for p in &v.paths {
        let expected =
            if p.from_region.as_str() == EAST { PathStatus::Broken } else { PathStatus::Ok };
        assert_eq!(p.status, expected, "{p:?}\n{text}");
    }
    let hop = |kind: Hop, to: Option<&str>| {
        v.broken
            .iter()
            .find(|h| h.hop == kind && h.to.map(|c| c.to_string()).as_deref() == to)
            .unwrap_or_else(|| panic!("no broken {kind} hop toward {to:?}:\n{text}"))
    };
    let far = hop(Hop::PeeringRouteTable, Some("10.2.0.0/16"));
    assert_eq!(
        (far.region.as_str(), far.subject.as_str(), far.paths),
        (WEST, west.route_table.as_str(), 2)
    );
    let blackhole = hop(Hop::AttachmentRouteTable, Some("10.3.0.0/16"));
    assert_eq!(
        (blackhole.region.as_str(), blackhole.subject.as_str()),
        (EAST, east.route_table.as_str())
    );
    assert!(
        blackhole.reason.contains("10.3.128.0/17 of 10.3.0.0/16 goes to a blackhole"),
        "{text}"
    );
    let silent = hop(Hop::VpcRouteTable, None);
    assert_eq!((silent.subject.as_str(), silent.paths), (e2.as_str(), 2));
    // Each path names its first broken hop.
    let e1_to_w1 = v
        .paths
        .iter()
        .find(|p| p.from_vpc.as_str() == e1 && p.to_vpc.as_str() == w1)
        .expect("the path e1 → w1");
    assert_eq!(e1_to_w1.hop, Some(Hop::PeeringRouteTable), "{text}");
    let e2_to_w1 = v
        .paths
        .iter()
        .find(|p| p.from_vpc.as_str() == e2 && p.to_vpc.as_str() == w1)
        .expect("the path e2 → w1");
    assert_eq!(e2_to_w1.hop, Some(Hop::VpcRouteTable), "{text}");
    assert!(text.starts_with("Paths: 4 whole, 4 broken"), "{text}");
    assert!(
        text.contains(&format!("{e1} 10.1.0.0/16 ({EAST}) → 10.2.0.0/16 {w1} ({WEST})")),
        "{text}"
    );
}
