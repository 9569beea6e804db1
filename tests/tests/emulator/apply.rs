//! `tgw-peering apply` (the CLI's own code path) against the EC2 emulator.

use std::collections::BTreeSet;

use super::common::converge as run_apply;
use tgw_peering::commands::Session;
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

async fn session(emulator: &Emulator, regions: &[&str]) -> Session {
    Session::new(config(regions), &emulator.sdk_config().await)
}

/// The CIDRs that the tag rule selects in a Region, read back from EC2
/// (independently of the tool): key exact, value `true` in any case. Written
/// canonically (the emulator may print IPv6 groups with leading zeros).
async fn tagged_cidrs(world: &RegionWorld) -> BTreeSet<String> {
    let out = world.ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    let mut cidrs = BTreeSet::new();
    for vpc in out.vpcs() {
        let tagged = vpc.tags().iter().any(|t| {
            t.key() == Some("addToTransitGateway")
                && t.value().is_some_and(|v| v.eq_ignore_ascii_case("true"))
        });
        if !tagged {
            continue;
        }
        for a in vpc.cidr_block_association_set() {
            cidrs.insert(canonical(a.cidr_block().expect("a CIDR")));
        }
        for a in vpc.ipv6_cidr_block_association_set() {
            cidrs.insert(canonical(a.ipv6_cidr_block().expect("a CIDR")));
        }
    }
    cidrs
}

fn canonical(cidr: &str) -> String {
    cidr.parse::<ipnet::IpNet>().expect("a CIDR").to_string()
}

/// Asserts that `world`'s route table holds exactly one static route per
/// CIDR of `expected`, each toward `attachment` when the target is reported.
async fn assert_routes(world: &RegionWorld, expected: &BTreeSet<String>, attachment: &str) {
    let routes = world.static_routes().await;
    let cidrs: BTreeSet<String> = routes.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(routes.len(), cidrs.len(), "duplicate routes in {}", world.region);
    assert_eq!(&cidrs, expected, "routes of {}", world.region);
    for (cidr, target) in routes {
        if let Some(t) = target {
            assert_eq!(t, attachment, "{cidr} in {}", world.region);
        }
    }
}

/// The one available peering, seen the same from both Regions.
async fn the_available_peering(east: &RegionWorld, west: &RegionWorld) -> String {
    let mut found = Vec::new();
    for w in [east, west] {
        let live: Vec<(String, String)> =
            w.peerings().await.into_iter().filter(|(_, s)| s != "deleted").collect();
        assert_eq!(live.len(), 1, "{}: {live:?}", w.region);
        assert_eq!(live[0].1, "available", "{}", w.region);
        found.push(live[0].0.clone());
    }
    assert_eq!(found[0], found[1]);
    found.remove(0)
}

/// Five tagged VPCs per Region (one with a secondary CIDR, one with IPv6), an
/// untagged VPC and one tagged `false`.
async fn five_and_five(emulator: &Emulator) -> (RegionWorld, RegionWorld) {
    let east = RegionWorld::new(emulator, EAST).await;
    let west = RegionWorld::new(emulator, WEST).await;
    for (w, n, secondary) in [(&east, 10, "100.64.0.0/20"), (&west, 20, "100.65.0.0/20")] {
        w.vpc(&format!("10.{n}.0.0/24"), Some("true"), &[secondary]).await;
        w.vpc_with_ipv6(&format!("10.{n}.1.0/24"), Some("true")).await;
        for i in 2..5 {
            w.vpc(&format!("10.{n}.{i}.0/24"), Some("true"), &[]).await;
        }
        w.vpc(&format!("10.{n}.100.0/24"), None, &[]).await;
        w.vpc(&format!("10.{n}.101.0/24"), Some("false"), &[]).await;
    }
    (east, west)
}

#[tokio::test]
async fn apply_converges_and_a_second_apply_makes_no_write() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 1 });
    let (east, west) = five_and_five(&emulator).await;
    let session = session(&emulator, &[EAST, WEST]).await;

    let first = run_apply(&session).await;
    let kinds: Vec<&str> = first.applied.iter().map(|a| a.action.kind()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "create_peering").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "accept_peering").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "associate_route_table").count(), 2);
    // 7 CIDRs on each side: 5 primary, 1 secondary, 1 IPv6; recorded in
    // two ledger lists a side (IPv4 and IPv6) before their routes.
    assert_eq!(kinds.iter().filter(|k| **k == "create_route").count(), 14);
    assert_eq!(kinds.iter().filter(|k| **k == "create_ledger").count(), 4);
    assert!(
        first.applied.iter().all(|a| a.result == tgw_peering_core::execute::ResultLabel::Done),
        "{:#?}",
        first.applied
    );
    // The SDK interceptor saw exactly one write call per action.
    assert_eq!(first.ec2_calls.writes, first.applied.len(), "{:?}", first.ec2_calls);

    let peering = the_available_peering(&east, &west).await;
    assert_routes(&east, &tagged_cidrs(&west).await, &peering).await;
    assert_routes(&west, &tagged_cidrs(&east).await, &peering).await;
    let east_cidrs = tagged_cidrs(&east).await;
    assert_eq!(east_cidrs.len(), 7);
    assert_eq!(east_cidrs.iter().filter(|c| c.contains(':')).count(), 1);

    let second = run_apply(&session).await;
    println!("no-op apply: {:?}", second.ec2_calls);
    assert_eq!(second.rounds, 1);
    assert_eq!(second.ec2_calls.writes, 0, "{:?}", second.ec2_calls);
    // 9 reads a Region (gateways, VPCs, peerings, route tables,
    // attachments, routes, prefix-list references, ledger lists, and the
    // entries of the first list), plus one for each Region's second (IPv6)
    // list, plus the IPv6 support of the attachments (a tagged VPC has an
    // IPv6 block): 22.
    assert_eq!(second.ec2_calls.reads, 22, "{:?}", second.ec2_calls);
    assert_eq!(second.ec2_calls.by_operation["DescribeTransitGatewayVpcAttachments"], 2);
}

#[tokio::test]
async fn tagging_one_more_vpc_adds_exactly_its_routes_and_untagging_removes_them() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west) = five_and_five(&emulator).await;
    let session = session(&emulator, &[EAST, WEST]).await;
    run_apply(&session).await;
    let peering = the_available_peering(&east, &west).await;
    let west_before = west.static_routes().await;
    let east_before = east.static_routes().await;

    // Tag one more VPC (one that was tagged false) in the east.
    let out = east.ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    let false_vpc = out
        .vpcs()
        .iter()
        .find(|v| v.cidr_block() == Some("10.10.101.0/24"))
        .and_then(|v| v.vpc_id())
        .expect("the VPC tagged false")
        .to_owned();
    east.tag(&false_vpc, "TRUE").await;
    let added = run_apply(&session).await;
    let kinds: Vec<&str> = added.applied.iter().map(|a| a.action.kind()).collect();
    assert_eq!(kinds, ["resize_ledger", "update_ledger", "create_route"]);
    let creates: Vec<String> = added.applied.iter().map(|a| a.action.to_string()).collect();
    assert!(creates[2].contains("10.10.101.0/24") && creates[2].starts_with(WEST), "{creates:?}");
    let mut want = west_before.clone();
    want.push(("10.10.101.0/24".to_owned(), Some(peering.clone())));
    want.sort();
    assert_eq!(west.static_routes().await, want);
    assert_eq!(east.static_routes().await, east_before);

    // Untag it again: exactly its route goes.
    east.untag(&false_vpc).await;
    let removed = run_apply(&session).await;
    let kinds: Vec<&str> = removed.applied.iter().map(|a| a.action.kind()).collect();
    // The route, then its ledger entry.
    assert_eq!(kinds, ["delete_route", "release_ledger"]);
    assert_eq!(west.static_routes().await, west_before);
    assert_eq!(east.static_routes().await, east_before);
}

/// The world of the acceptance criteria: 200 tagged VPCs per Region plus an
/// untagged VPC, one tagged `false`, one tagged `True` and one with a
/// secondary CIDR. (Plain moto cannot run it: it does not report a
/// peering's association, so the association would be planned forever.)
#[tokio::test]
async fn two_hundred_vpcs_per_region_converge_and_a_no_op_costs_nine_reads_a_region_plus_one_per_extra_page(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let east = RegionWorld::new(&emulator, EAST).await;
    let west = RegionWorld::new(&emulator, WEST).await;
    for (w, n) in [(&east, 10), (&west, 20)] {
        for i in 0..200 {
            w.vpc(&format!("10.{n}.{i}.0/24"), Some("true"), &[]).await;
        }
        w.vpc(&format!("10.{}.0.0/24", n + 1), None, &[]).await;
        w.vpc(&format!("10.{}.1.0/24", n + 1), Some("false"), &[]).await;
        w.vpc(&format!("10.{}.2.0/24", n + 1), Some("True"), &[]).await;
        w.vpc(&format!("10.{}.3.0/24", n + 1), Some("true"), &[&format!("100.{}.0.0/20", 64 + n)])
            .await;
    }
    let session = session(&emulator, &[EAST, WEST]).await;
    let first = run_apply(&session).await;
    println!(
        "first apply: {} rounds, {} writes, {:?}",
        first.rounds,
        first.writes_done(),
        first.ec2_calls
    );
    let peering = the_available_peering(&east, &west).await;
    let east_wants = tagged_cidrs(&west).await;
    let west_wants = tagged_cidrs(&east).await;
    assert_eq!(east_wants.len(), 203, "200 + True + a VPC with two CIDRs");
    assert!(!west_wants.contains("10.11.0.0/24") && !west_wants.contains("10.11.1.0/24"));
    assert_routes(&east, &east_wants, &peering).await;
    assert_routes(&west, &west_wants, &peering).await;

    // One write call per action, but a ledger list of 203 entries takes
    // three: a create takes 100 entries, each modification 100 more.
    let follow_ups: usize = first
        .applied
        .iter()
        .map(|a| match &a.action {
            tgw_peering_core::Action::CreateLedger { entries, .. } => {
                entries.len().saturating_sub(1) / 100
            }
            _ => 0,
        })
        .sum();
    assert_eq!(follow_ups, 4);
    assert_eq!(first.ec2_calls.writes, first.applied.len() + follow_ups, "{:?}", first.ec2_calls);
    assert_eq!(
        first.applied.iter().filter(|a| a.action.kind() == "create_route").count(),
        east_wants.len() + west_wants.len()
    );

    let second = run_apply(&session).await;
    println!("no-op apply: {:?}", second.ec2_calls);
    assert_eq!(second.ec2_calls.writes, 0, "{:?}", second.ec2_calls);
    // 9 reads a Region (2 IPv4-only Regions, one ledger list each, every
    // route table within one page), plus the second and third pages of each
    // list's 203 entries (100 to a page).
    assert_eq!(second.ec2_calls.reads, 18 + 2 * 2, "{:?}", second.ec2_calls);
    assert!(second.applied.is_empty());
}
