//! VPC route tables toward the transit gateway (`MANAGE_VPC_ROUTES`), with
//! `tgw-peering apply` against the EC2 emulator.
//!
//! moto 5.2.5 serves what this needs as AWS documents it (checked with boto3
//! before writing these tests): `DescribeRouteTables` reports each route's
//! `Origin` (`CreateRouteTable` for the local route, `CreateRoute`) and its
//! `TransitGatewayId`, subnet and main associations; `CreateRoute` with
//! `TransitGatewayId` works and a duplicate is `RouteAlreadyExists`;
//! `DeleteRoute` of a missing route is `InvalidRoute.NotFound`. Emulator gaps:
//! moto lists VPC attachments in `DescribeTransitGatewayPeeringAttachments`
//! (patched in `tests/emulator/server.py`, so these tests need the patched
//! flavour); it accepts a route to a transit gateway the VPC is not attached
//! to (AWS requires an attachment: these tests attach each VPC anyway); and
//! it has no propagated routes, so "never touch a propagated route" is proven
//! by the planner tests only.

use std::collections::{BTreeMap, BTreeSet};

use super::common::converge as run_apply;
use aws_sdk_ec2::types::Filter;
use tgw_peering::commands::{ApplyReport, Session};
use tgw_peering_core::aws::VPC_ROUTE_CALLS;
use tgw_peering_core::events::ROUTES_CHANGED;
use tgw_peering_core::FindingCode;
use tgw_peering_tests::{config, Emulator, EventPlumbing, Flavour, RegionWorld, EMULATOR_ACCOUNT};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
/// The route that opts a table in: the default route toward the transit gateway.
const ANCHOR: &str = "0.0.0.0/0";

async fn session(emulator: &Emulator, manage_vpc_routes: bool) -> Session {
    let mut cfg = config(&[EAST, WEST]);
    cfg.manage_vpc_routes = manage_vpc_routes;
    Session::new(cfg, &emulator.sdk_config().await)
}

/// A VPC with one subnet attached to the Region's transit gateway, and a
/// route table associated with the subnet that sends `ANCHOR` to the gateway.
struct AttachedVpc {
    vpc: String,
    table: String,
}

async fn attached_vpc(world: &RegionWorld, cidr: &str, tagged: bool) -> AttachedVpc {
    let vpc = world.vpc_unattached(cidr, tagged.then_some("true")).await;
    let subnet = world.attach(&vpc, cidr).await.subnet;
    let ec2 = &world.ec2;
    let table = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateRouteTable")
        .route_table
        .and_then(|t| t.route_table_id)
        .expect("a route table");
    ec2.associate_route_table()
        .route_table_id(&table)
        .subnet_id(&subnet)
        .send()
        .await
        .expect("AssociateRouteTable");
    ec2.create_route()
        .route_table_id(&table)
        .destination_cidr_block(ANCHOR)
        .transit_gateway_id(&world.tgw)
        .send()
        .await
        .expect("CreateRoute (the anchor)");
    AttachedVpc { vpc, table }
}

/// Every route table of the Region: table -> (CIDR -> target), read back
/// from EC2 independently of the tool.
async fn tables(world: &RegionWorld) -> BTreeMap<String, BTreeMap<String, String>> {
    let out = world.ec2.describe_route_tables().send().await.expect("DescribeRouteTables");
    out.route_tables()
        .iter()
        .map(|t| {
            let routes = t
                .routes()
                .iter()
                .filter_map(|r| {
                    let cidr = r.destination_cidr_block().or(r.destination_ipv6_cidr_block())?;
                    let target = r
                        .transit_gateway_id()
                        .or(r.gateway_id())
                        .or(r.vpc_peering_connection_id())
                        .unwrap_or("other");
                    Some((cidr.to_owned(), target.to_owned()))
                })
                .collect();
            (t.route_table_id().expect("an id").to_owned(), routes)
        })
        .collect()
}

/// The CIDRs that `table` sends to the Region's transit gateway, the anchor left out.
async fn toward_gateway(world: &RegionWorld, table: &str) -> BTreeSet<String> {
    tables(world).await[table]
        .iter()
        .filter(|(c, t)| **t == world.tgw && c.as_str() != ANCHOR)
        .map(|(c, _)| c.clone())
        .collect()
}

/// The associated CIDRs of the tagged VPCs of a Region, read from EC2.
async fn tagged_cidrs(world: &RegionWorld) -> BTreeSet<String> {
    let out = world
        .ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:addToTransitGateway").values("true").build())
        .send()
        .await
        .expect("DescribeVpcs");
    out.vpcs()
        .iter()
        .flat_map(|v| v.cidr_block_association_set())
        .filter_map(|a| a.cidr_block().map(str::to_owned))
        .collect()
}

fn count(report: &ApplyReport, kind: &str) -> usize {
    report.applied.iter().filter(|a| a.action.kind() == kind).count()
}

/// East: tagged e1 and e2 and untagged e3; west: tagged w1 and w2. Each is
/// attached to its Region's gateway, with a table that routes `ANCHOR` there.
struct Mesh {
    east: RegionWorld,
    west: RegionWorld,
    e1: AttachedVpc,
    e2: AttachedVpc,
    e3: AttachedVpc,
    w1: AttachedVpc,
    w2: AttachedVpc,
}

async fn mesh(emulator: &Emulator) -> Mesh {
    let east = RegionWorld::new(emulator, EAST).await;
    let west = RegionWorld::new(emulator, WEST).await;
    let e1 = attached_vpc(&east, "10.10.0.0/24", true).await;
    let e2 = attached_vpc(&east, "10.10.1.0/24", true).await;
    let e3 = attached_vpc(&east, "10.10.2.0/24", false).await;
    let w1 = attached_vpc(&west, "10.20.0.0/24", true).await;
    let w2 = attached_vpc(&west, "10.20.1.0/24", true).await;
    Mesh { east, west, e1, e2, e3, w1, w2 }
}

#[tokio::test]
async fn with_manage_vpc_routes_each_attached_table_of_a_tagged_vpc_routes_exactly_the_remote_tagged_cidrs_and_untagging_removes_them(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let m = mesh(&emulator).await;
    let before_east = tables(&m.east).await;
    let session = session(&emulator, true).await;

    let first = run_apply(&session).await;
    assert_eq!(count(&first, "create_vpc_route"), 8, "{:#?}", first.applied);
    assert!(
        first.applied.iter().all(|a| a.result == tgw_peering_core::execute::ResultLabel::Done),
        "{:#?}",
        first.applied
    );
    let west_tagged = tagged_cidrs(&m.west).await;
    let east_tagged = tagged_cidrs(&m.east).await;
    assert_eq!(west_tagged.len(), 2);
    assert_eq!(east_tagged.len(), 2, "e3 is not tagged");
    for vpc in [&m.e1, &m.e2] {
        assert_eq!(toward_gateway(&m.east, &vpc.table).await, west_tagged, "{}", vpc.vpc);
    }
    for vpc in [&m.w1, &m.w2] {
        assert_eq!(toward_gateway(&m.west, &vpc.table).await, east_tagged, "{}", vpc.vpc);
    }
    // The untagged VPC's table and every table without a route to the
    // gateway (the main tables) are as they were.
    let after_east = tables(&m.east).await;
    for (id, routes) in &before_east {
        if *id != m.e1.table && *id != m.e2.table {
            assert_eq!(&after_east[id], routes, "{id}");
        }
    }
    assert!(toward_gateway(&m.east, &m.e3.table).await.is_empty());
    // The anchors stay.
    assert_eq!(tables(&m.east).await[&m.e1.table][ANCHOR], m.east.tgw);

    // A no-op costs one DescribeRouteTables per Region more than without
    // the flag: 9 + 1 a Region.
    let second = run_apply(&session).await;
    assert_eq!(second.ec2_calls.writes, 0, "{:?}", second.ec2_calls);
    assert_eq!(second.ec2_calls.reads, 20, "{:?}", second.ec2_calls);
    assert_eq!(second.ec2_calls.by_operation.get("DescribeRouteTables"), Some(&2));

    // Untag w2 (a remote VPC) and e2 (a VPC whose table the tool filled).
    m.west.untag(&m.w2.vpc).await;
    m.east.untag(&m.e2.vpc).await;
    let third = run_apply(&session).await;
    // e1 loses w2's CIDR, e2 loses both west CIDRs, w1 loses e2's CIDR and
    // w2 (now untagged) loses e1's and e2's.
    assert_eq!(count(&third, "delete_vpc_route"), 6, "{:#?}", third.applied);
    assert_eq!(count(&third, "create_vpc_route"), 0, "{:#?}", third.applied);
    let only = |c: &str| BTreeSet::from([c.to_owned()]);
    assert_eq!(toward_gateway(&m.east, &m.e1.table).await, only("10.20.0.0/24"));
    assert!(toward_gateway(&m.east, &m.e2.table).await.is_empty());
    assert_eq!(toward_gateway(&m.west, &m.w1.table).await, only("10.10.0.0/24"));
    assert!(toward_gateway(&m.west, &m.w2.table).await.is_empty());
    for (world, vpc) in [(&m.east, &m.e2), (&m.west, &m.w2)] {
        assert_eq!(tables(world).await[&vpc.table][ANCHOR], world.tgw, "the anchor stays");
    }

    // Every VPC route table call of SDK_CALLS was made over these applies.
    let mut called: BTreeSet<String> = BTreeSet::new();
    for report in [&first, &second, &third] {
        called.extend(report.ec2_calls.by_operation.keys().map(|op| format!("ec2:{op}")));
    }
    for call in VPC_ROUTE_CALLS {
        assert!(called.contains(*call), "{call} not called: {called:?}");
    }
}

#[tokio::test]
async fn without_manage_vpc_routes_no_vpc_route_table_is_read_or_written() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let m = mesh(&emulator).await;
    let before = (tables(&m.east).await, tables(&m.west).await);
    let session = session(&emulator, false).await;

    let first = run_apply(&session).await;
    assert!(count(&first, "create_route") > 0, "the transit gateway side is set up");
    assert_eq!(count(&first, "create_vpc_route"), 0);
    assert_eq!((tables(&m.east).await, tables(&m.west).await), before);
    let second = run_apply(&session).await;
    // 9 reads a Region, none of them DescribeRouteTables.
    assert_eq!(second.ec2_calls.reads, 18, "{:?}", second.ec2_calls);
    for report in [&first, &second] {
        for op in ["DescribeRouteTables", "CreateRoute", "DeleteRoute"] {
            assert!(
                !report.ec2_calls.by_operation.contains_key(op),
                "{op}: {:?}",
                report.ec2_calls
            );
        }
    }
}

#[tokio::test]
async fn a_route_for_a_remote_cidr_to_an_internet_gateway_is_a_conflict_and_is_not_overwritten() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let m = mesh(&emulator).await;
    let ec2 = &m.east.ec2;
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("CreateInternetGateway")
        .internet_gateway
        .and_then(|g| g.internet_gateway_id)
        .expect("an internet gateway");
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&m.e1.vpc)
        .send()
        .await
        .expect("AttachInternetGateway");
    ec2.create_route()
        .route_table_id(&m.e1.table)
        .destination_cidr_block("10.20.0.0/24")
        .gateway_id(&igw)
        .send()
        .await
        .expect("CreateRoute (to the internet gateway)");
    let session = session(&emulator, true).await;

    let report = run_apply(&session).await;
    let conflict = report
        .findings
        .iter()
        .find(|f| {
            f.subject.contains("10.20.0.0/24")
                && f.subject.contains(&m.e1.table)
                && f.subject.contains(&m.e1.vpc)
        })
        .unwrap_or_else(|| panic!("no finding on 10.20.0.0/24 in e1: {:#?}", report.findings));
    assert_eq!(conflict.code, FindingCode::RouteExists, "{conflict:?}");
    // The route's present target (AWS's) is named.
    assert!(conflict.reason.contains(&igw), "{}", conflict.reason);
    let e1 = &tables(&m.east).await[&m.e1.table];
    assert_eq!(e1["10.20.0.0/24"], igw, "not overwritten");
    assert_eq!(e1["10.20.1.0/24"], m.east.tgw, "the other CIDR is added");
    // The other tagged VPC's table gets both.
    assert_eq!(toward_gateway(&m.east, &m.e2.table).await, tagged_cidrs(&m.west).await);
    // And a second apply still writes nothing there.
    let again = run_apply(&session).await;
    assert_eq!(again.ec2_calls.writes, 0, "{:?}", again.ec2_calls);
}

/// The fixture `scheduled-event.json` with the id `id`.
fn scheduled_event(id: &str) -> serde_json::Value {
    let path = tgw_peering_tests::workspace_root().join("tests/fixtures/scheduled-event.json");
    let mut event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture")).expect("JSON");
    event["id"] = id.into();
    event["account"] = EMULATOR_ACCOUNT.into();
    event
}

#[tokio::test]
async fn the_functions_audit_each_vpc_route_write_and_announce_it_per_route_table() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let m = mesh(&emulator).await;
    let plumbing = EventPlumbing::create(&emulator).await;
    let mut cfg = plumbing.config(&[EAST, WEST]);
    cfg.manage_vpc_routes = true;
    let handler = tgw_peering_core::wiring::handler(cfg, &emulator.sdk_config().await);

    let (mut audit, mut published) = (Vec::new(), Vec::new());
    for round in 0..10 {
        let report = handler
            .handle(&scheduled_event(&format!("sweep-{round}")))
            .await
            .expect("the scheduled reconcile runs");
        assert!(report.failure.is_none(), "{:?}", report.failure);
        audit.extend(report.audit);
        published.extend(report.published);
        if toward_gateway(&m.east, &m.e1.table).await.len() == 2
            && toward_gateway(&m.west, &m.w1.table).await.len() == 2
        {
            break;
        }
    }
    let writes: Vec<_> = audit
        .iter()
        .filter(|a| {
            a.decision == tgw_peering_core::handler::Decision::Action
                && a.kind == "create_vpc_route"
        })
        .collect();
    assert_eq!(writes.len(), 8, "{audit:#?}");
    for a in &writes {
        assert_eq!(a.result.as_deref(), Some("done"), "{a:?}");
        assert!(a.subject.contains(": add VPC route "), "{a:?}");
        assert!(!a.reason.is_empty(), "{a:?}");
    }
    let announced: BTreeSet<String> = published
        .iter()
        .filter(|e| e.detail_type() == ROUTES_CHANGED)
        .filter_map(|e| e.detail()["route-table-id"].as_str().map(str::to_owned))
        .filter(|t| t.starts_with("rtb-"))
        .collect();
    let tables: BTreeSet<String> =
        [&m.e1, &m.e2, &m.w1, &m.w2].iter().map(|v| v.table.clone()).collect();
    assert_eq!(announced, tables);
}

#[tokio::test]
async fn a_repeated_vpc_route_create_or_delete_is_a_repeat_not_an_error() {
    use tgw_peering_core::domain::{Cidr, Region, TransitGatewayId, VpcRouteTableId};
    use tgw_peering_core::ports::Outcome;
    use tgw_peering_core::Action;

    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let east = RegionWorld::new(&emulator, EAST).await;
    let e1 = attached_vpc(&east, "10.10.0.0/24", true).await;
    let cfg = config(&[EAST, WEST]);
    let clients =
        tgw_peering_core::aws::AwsClients::new(&emulator.sdk_config().await, &cfg.regions);
    let (region, table, cidr, tgw) = (
        Region::parse(EAST).expect("a Region"),
        VpcRouteTableId::parse(&e1.table).expect("a route table"),
        Cidr::parse("10.20.0.0/24").expect("a CIDR"),
        TransitGatewayId::parse(&east.tgw).expect("a gateway"),
    );
    let create = Action::CreateVpcRoute {
        region: region.clone(),
        route_table_id: table.clone(),
        cidr,
        transit_gateway_id: tgw.clone(),
    };
    let delete =
        Action::DeleteVpcRoute { region, route_table_id: table, cidr, transit_gateway_id: tgw };
    let run = |a: &Action| {
        let a = a.clone();
        let clients = &clients;
        async move { tgw_peering_core::execute::run(clients, &a).await }
    };
    assert_eq!(run(&create).await.expect("created"), Outcome::Done);
    assert!(
        matches!(run(&create).await, Ok(Outcome::AlreadyDone(why)) if why.contains("RouteAlreadyExists")),
        "a second create is a repeat"
    );
    assert_eq!(tables(&east).await[&e1.table]["10.20.0.0/24"], east.tgw);
    assert_eq!(run(&delete).await.expect("deleted"), Outcome::Done);
    assert!(
        matches!(run(&delete).await, Ok(Outcome::AlreadyDone(why)) if why.contains("InvalidRoute.NotFound")),
        "a second delete is a repeat"
    );
    assert!(!tables(&east).await[&e1.table].contains_key("10.20.0.0/24"));
}

/// The prefix lists a VPC route table sends to the Region's transit gateway.
async fn lists_toward_gateway(world: &RegionWorld, table: &str) -> Vec<String> {
    let out = world
        .ec2
        .describe_route_tables()
        .route_table_ids(table)
        .send()
        .await
        .expect("DescribeRouteTables");
    out.route_tables()[0]
        .routes()
        .iter()
        .filter(|r| r.transit_gateway_id() == Some(world.tgw.as_str()))
        .filter_map(|r| r.destination_prefix_list_id().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn in_prefix_list_mode_each_vpc_table_routes_one_list_per_peer_and_switches_back_to_its_own_routes(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let m = mesh(&emulator).await;
    let mut lists = session(&emulator, true).await;
    lists.config.route_mode = tgw_peering_core::RouteMode::PrefixList;
    run_apply(&lists).await;
    let (east_lists, west_lists) = (m.east.references().await, m.west.references().await);
    assert_eq!((east_lists.len(), west_lists.len()), (1, 1));
    for vpc in [&m.e1, &m.e2] {
        assert_eq!(lists_toward_gateway(&m.east, &vpc.table).await, [east_lists[0].0.clone()]);
        assert!(toward_gateway(&m.east, &vpc.table).await.is_empty(), "{}", vpc.vpc);
    }
    assert!(lists_toward_gateway(&m.east, &m.e3.table).await.is_empty(), "e3 is not tagged");
    for vpc in [&m.w1, &m.w2] {
        assert_eq!(lists_toward_gateway(&m.west, &vpc.table).await, [west_lists[0].0.clone()]);
    }

    let statics = session(&emulator, true).await;
    run_apply(&statics).await;
    let west_tagged = tagged_cidrs(&m.west).await;
    for vpc in [&m.e1, &m.e2] {
        assert!(lists_toward_gateway(&m.east, &vpc.table).await.is_empty(), "{}", vpc.vpc);
        assert_eq!(toward_gateway(&m.east, &vpc.table).await, west_tagged, "{}", vpc.vpc);
    }
    assert_eq!(run_apply(&statics).await.ec2_calls.writes, 0);
}

#[tokio::test]
async fn a_vpc_table_at_its_quota_gets_a_warning_and_a_quota_set_too_high_meets_route_limit_exceeded_as_a_conflict(
) {
    use tgw_peering_core::execute::{execute, ResultLabel};
    use tgw_peering_core::observe::observe;
    // The account's quota: three routes a table (the emulator counts those
    // made by CreateRoute, the anchor included).
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_VPC_ROUTE_QUOTA", "3")],
    );
    let east = RegionWorld::new(&emulator, EAST).await;
    let west = RegionWorld::new(&emulator, WEST).await;
    let e1 = attached_vpc(&east, "10.10.0.0/24", true).await;
    for i in 0..3 {
        west.vpc(&format!("10.20.{i}.0/24"), Some("true"), &[]).await;
    }
    let sdk = emulator.sdk_config().await;
    let session = |quota: usize| {
        let mut cfg = config(&[EAST, WEST]);
        cfg.manage_vpc_routes = true;
        cfg.vpc_route_quota = quota;
        Session::new(cfg, &sdk)
    };
    let reconcile = |session: Session| async move {
        let observed = observe(&session.clients, &session.config).await.expect("observe");
        let planned = tgw_peering_core::plan(&observed, &session.config).expect("plan");
        (planned.clone(), execute(&session.clients, &planned).await)
    };
    // VPC_ROUTE_QUOTA as the account's: the tool counts the local route
    // and the anchor, and writes no route that passes three.
    run_apply(&session(3)).await;
    assert_eq!(toward_gateway(&east, &e1.table).await.len(), 1);
    let (planned, _) = reconcile(session(3)).await;
    assert!(
        planned
            .findings
            .iter()
            .any(|f| f.code == FindingCode::VpcRouteQuota && f.subject.contains(&e1.table)),
        "{:?}",
        planned.findings
    );
    let quota = planned.vpc_tables.iter().find(|q| q.route_table_id.as_str() == e1.table);
    assert_eq!(quota.map(|q| (q.counted, q.quota)), Some((3, 3)), "{:?}", planned.vpc_tables);

    // VPC_ROUTE_QUOTA set above the account's: the route that passes it
    // meets RouteLimitExceeded, a conflict of that write, not a failure.
    let (_, done) = reconcile(session(50)).await;
    let labels: Vec<ResultLabel> = done.executed.iter().map(|e| e.label()).collect();
    assert!(!labels.contains(&ResultLabel::Error), "{done:?}");
    let conflict = done.executed.iter().find(|e| e.label() == ResultLabel::Conflict);
    assert!(
        conflict.is_some_and(|e| e.detail().is_some_and(|d| d.contains("RouteLimitExceeded"))),
        "{done:?}"
    );
}
