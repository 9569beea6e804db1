//! Routing truth on the emulator, which behaves like AWS on these points
//! (`tests/emulator/patches`): the tool withdraws exactly what its ledger
//! says it made, reads the whole route table, checks the local leg, and
//! moves its routes onto a peering that replaced a deleted one.

use super::common::converge;
use tgw_peering::commands::Session;
use tgw_peering_core::execute::ResultLabel;
use tgw_peering_core::{FindingCode, RouteMark};
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

async fn two_regions(emulator: &Emulator) -> (RegionWorld, RegionWorld, Session) {
    let east = RegionWorld::new(emulator, EAST).await;
    let west = RegionWorld::new(emulator, WEST).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    (east, west, session)
}

/// The peering's id, read in the east.
async fn live_peering(east: &RegionWorld) -> String {
    east.peerings()
        .await
        .into_iter()
        .find(|(_, state)| state == "available")
        .map(|(id, _)| id)
        .expect("an available peering")
}

/// A static route by hand, toward `attachment`.
async fn route_by_hand(world: &RegionWorld, cidr: &str, attachment: &str) {
    world
        .ec2
        .create_transit_gateway_route()
        .transit_gateway_route_table_id(&world.route_table)
        .destination_cidr_block(cidr)
        .transit_gateway_attachment_id(attachment)
        .send()
        .await
        .expect("CreateTransitGatewayRoute");
}

fn cidrs(routes: &[(String, Option<String>)]) -> Vec<&str> {
    routes.iter().map(|(c, _)| c.as_str()).collect()
}

#[tokio::test]
async fn a_deleted_tagged_vpc_loses_its_routes_while_routes_made_by_hand_stay() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, session) = two_regions(&emulator).await;
    east.vpc("10.10.0.0/24", Some("true"), &[]).await;
    let doomed = east.vpc("10.10.1.0/24", Some("true"), &[]).await;
    east.vpc("10.10.2.0/24", None, &[]).await;
    west.vpc("10.20.0.0/24", Some("true"), &[]).await;
    converge(&session).await;
    let peering = live_peering(&east).await;
    // By hand, toward the managed peering: a never-tagged VPC's CIDR, and a
    // summary.
    route_by_hand(&west, "10.10.2.0/24", &peering).await;
    route_by_hand(&west, "10.10.0.0/16", &peering).await;

    east.delete_vpc(&doomed).await;
    let report = converge(&session).await;
    let kinds: Vec<&str> = report.applied.iter().map(|a| a.action.kind()).collect();
    assert_eq!(kinds, ["delete_route", "release_ledger"], "{:#?}", report.applied);
    assert_eq!(
        cidrs(&west.static_routes().await),
        ["10.10.0.0/16", "10.10.0.0/24", "10.10.2.0/24"],
        "the deleted VPC's route is gone, the routes made by hand stay"
    );
    let again = converge(&session).await;
    assert_eq!(again.writes_done(), 0, "{:#?}", again.applied);
}

#[tokio::test]
async fn a_deleted_managed_peering_is_replaced_and_every_wanted_route_ends_active_toward_the_new_one(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, session) = two_regions(&emulator).await;
    for i in 0..3 {
        east.vpc(&format!("10.10.{i}.0/24"), Some("true"), &[]).await;
        west.vpc(&format!("10.20.{i}.0/24"), Some("true"), &[]).await;
    }
    converge(&session).await;
    let old = live_peering(&east).await;
    east.ec2
        .delete_transit_gateway_peering_attachment()
        .transit_gateway_attachment_id(&old)
        .send()
        .await
        .expect("DeleteTransitGatewayPeeringAttachment");
    // AWS keeps the routes toward a deleted attachment, as blackholes.
    for (_, target, state) in west.static_routes_with_state().await {
        assert_eq!((target, state.as_str()), (None, "blackhole"));
    }

    let report = converge(&session).await;
    let moves = report
        .applied
        .iter()
        .filter(|a| a.action.kind() == "replace_route" && a.result == ResultLabel::Done)
        .count();
    assert_eq!(moves, 6, "every route is moved, none deleted: {:#?}", report.applied);
    assert!(!report.applied.iter().any(|a| a.action.kind() == "delete_route"));
    let new = live_peering(&east).await;
    assert_ne!(new, old);
    for world in [&east, &west] {
        let routes = world.static_routes_with_state().await;
        assert_eq!(routes.len(), 3, "{routes:?}");
        for (cidr, target, state) in routes {
            assert_eq!(
                (target.as_deref(), state.as_str()),
                (Some(new.as_str()), "active"),
                "{cidr}"
            );
        }
    }
}

#[tokio::test]
async fn a_table_of_1100_foreign_routes_converges_and_a_wanted_cidr_routed_elsewhere_past_page_one_stays_a_conflict(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, session) = two_regions(&emulator).await;
    east.vpc("10.10.0.0/24", Some("true"), &[]).await;
    west.vpc("10.20.0.0/24", Some("true"), &[]).await;
    west.vpc("10.200.0.0/24", Some("true"), &[]).await;
    // An untagged VPC of the east, attached; 1,100 static routes toward it,
    // and one for 10.200.0.0/24, which sorts after all of them (page 2).
    let foreign_vpc = east.vpc_unattached("172.16.0.0/16", None).await;
    let foreign = east.attach(&foreign_vpc, "172.16.0.0/16").await.attachment;
    for i in 0..1100 {
        route_by_hand(&east, &format!("10.100.{}.{}/28", i / 16, (i % 16) * 16), &foreign).await;
    }
    route_by_hand(&east, "10.200.0.0/24", &foreign).await;

    let first = converge(&session).await;
    assert!(
        !first.applied.iter().any(|a| a.action.to_string().contains("10.200.0.0/24")),
        "nothing is written for the conflicting CIDR: {:#?}",
        first.applied
    );
    let second = converge(&session).await;
    assert_eq!(second.ec2_calls.writes, 0, "{:?}", second.ec2_calls);
    // Two pages of routes in the east: one read more than the base 7.
    assert_eq!(
        second.ec2_calls.by_operation.get("SearchTransitGatewayRoutes"),
        Some(&3),
        "{:?}",
        second.ec2_calls
    );
    let status = session.plan().await.expect("a plan");
    let east_table = status.tables.iter().find(|t| t.region.as_str() == EAST).expect("east");
    let mark = east_table.routes.iter().find(|r| r.cidr.to_string() == "10.200.0.0/24");
    assert_eq!(mark.map(|r| r.mark), Some(RouteMark::Conflict), "{:?}", east_table.routes);
    assert!(
        status.findings.iter().any(|f| f.code == FindingCode::RouteExists
            && f.subject.contains("10.200.0.0/24")
            && f.reason.contains(&foreign)),
        "{:#?}",
        status.findings
    );
}

#[tokio::test]
async fn no_static_route_is_written_for_a_propagated_cidr_a_shared_cidr_or_an_unattached_vpc_until_it_is_attached(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, session) = two_regions(&emulator).await;
    east.vpc("10.10.0.0/24", Some("true"), &[]).await;
    // The east gateway propagates 10.20.9.0/24 from a VPC of its own.
    east.vpc("10.20.9.0/24", None, &[]).await;
    west.vpc("10.20.0.0/24", Some("true"), &[]).await;
    west.vpc("10.20.9.0/24", Some("true"), &[]).await;
    // Two tagged VPCs of the west hold 100.64.0.0/24.
    west.vpc("100.64.0.0/24", Some("true"), &[]).await;
    west.vpc("100.64.0.0/24", Some("true"), &[]).await;
    // A tagged VPC of the west without an attachment.
    let loose = west.vpc_unattached("10.20.4.0/24", Some("true")).await;

    converge(&session).await;
    assert_eq!(cidrs(&east.static_routes().await), ["10.20.0.0/24"]);
    let propagated = east
        .ec2
        .search_transit_gateway_routes()
        .transit_gateway_route_table_id(&east.route_table)
        .filters(aws_sdk_ec2::types::Filter::builder().name("type").values("propagated").build())
        .send()
        .await
        .expect("SearchTransitGatewayRoutes");
    assert!(propagated.routes().iter().any(|r| r.destination_cidr_block() == Some("10.20.9.0/24")));
    let plan = session.plan().await.expect("a plan");
    let report = plan.vpcs.iter().find(|v| v.vpc_id.as_str() == loose).expect("reported");
    assert!(
        report.tagged == Some(true) && report.attachment.is_none() && !report.advertised,
        "{report:?}"
    );

    // Once its attachment appears, its route is written.
    west.attach(&loose, "10.20.4.0/24").await;
    converge(&session).await;
    assert_eq!(cidrs(&east.static_routes().await), ["10.20.0.0/24", "10.20.4.0/24"]);
}
