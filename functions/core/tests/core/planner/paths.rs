//! Path verification on hand-built observed states: each hop, each kind
//! of break, segments and IPv6. East's vpc-e1 (10.1.0.0/16) and west's
//! vpc-w1 (10.2.0.0/16), peered by P; each side's table routes the other's
//! CIDR over P, and each VPC's route table sends 10.0.0.0/8 to its
//! gateway.

use super::*;
use crate::support::{owned_by, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::verify::{verify, Hop, HopReport, Keep, PathStatus, Verification};

/// The converged world: every path whole.
fn converged() -> Scenario {
    Scenario::new(&[E, W])
        .peering(P, E, W, "available", 1)
        .associated(E, P)
        .associated(W, P)
        .vpc(E, "vpc-e1", Some("true"), &["10.1.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.2.0.0/16"])
        .route(E, "10.2.0.0/16", Some(P))
        .route(W, "10.1.0.0/16", Some(P))
        .vpc_table(E, "vpc-e1", "rtb-e1", &["10.1.0.0/16>local@CreateRouteTable", "10.0.0.0/8>tgw"])
        .vpc_table(W, "vpc-w1", "rtb-w1", &["10.2.0.0/16>local@CreateRouteTable", "10.0.0.0/8>tgw"])
}

fn verified(s: &Scenario) -> Verification {
    verify(&s.recorded(), &s.config, Keep::All)
}

/// The broken hops: (Region, hop, subject, destination).
fn broken(v: &Verification) -> Vec<(String, Hop, String, Option<String>)> {
    v.broken
        .iter()
        .map(|h| (h.region.to_string(), h.hop, h.subject.clone(), h.to.map(|c| c.to_string())))
        .collect()
}

fn only_broken(v: &Verification) -> &HopReport {
    assert_eq!(v.broken.len(), 1, "{:#?}", v.broken);
    &v.broken[0]
}

fn path_status(v: &Verification, from_region: &str, to: &str) -> PathStatus {
    v.paths
        .iter()
        .find(|p| p.from_region.as_str() == from_region && p.to.to_string() == to)
        .map(|p| p.status)
        .unwrap_or_else(|| panic!("no path from {from_region} to {to}: {:#?}", v.paths))
}

#[test]
fn a_converged_world_verifies_whole_both_ways() {
    let v = verified(&converged());
    assert_eq!(v.totals(), (2, 0, 0), "{v:#?}");
    assert!(v.broken.is_empty() && v.unverified.is_empty());
    assert_eq!(path_status(&v, E, "10.2.0.0/16"), PathStatus::Ok);
    assert_eq!(path_status(&v, W, "10.1.0.0/16"), PathStatus::Ok);
    let p = v.paths.iter().find(|p| p.from_region.as_str() == E).unwrap();
    assert_eq!(
        (p.from.to_string(), p.from_vpc.as_str(), p.to_vpc.as_str()),
        ("10.1.0.0/16".into(), "vpc-e1", "vpc-w1")
    );
}

#[test]
fn a_vpc_whose_tables_send_nothing_to_the_gateway_is_broken_at_its_first_hop() {
    let mut s = converged();
    s.region_mut(E).vpc_route_tables = None;
    let s = s.vpc_table(
        E,
        "vpc-e1",
        "rtb-e1",
        &["10.1.0.0/16>local@CreateRouteTable", "0.0.0.0/0>igw-1"],
    );
    let v = verified(&s);
    assert_eq!(broken(&v), [(E.into(), Hop::VpcRouteTable, "vpc-e1".into(), None)]);
    assert!(only_broken(&v).reason.contains("no route table"), "{v:#?}");
    assert_eq!(path_status(&v, E, "10.2.0.0/16"), PathStatus::Broken);
    assert_eq!(path_status(&v, W, "10.1.0.0/16"), PathStatus::Ok);
}

#[test]
fn a_vpc_route_toward_something_else_breaks_the_path_and_names_the_table_and_target() {
    let mut s = converged();
    s.region_mut(E).vpc_route_tables = None;
    let s = s
        .vpc_table(E, "vpc-e1", "rtb-e1", &["10.0.0.0/8>tgw", "10.2.0.0/16>pcx-1"])
        // A table serving no subnet does not count.
        .vpc_table_with(E, "vpc-e1", "rtb-spare", false, &["10.0.0.0/8>igw-1"]);
    let v = verified(&s);
    assert_eq!(
        broken(&v),
        [(E.into(), Hop::VpcRouteTable, "rtb-e1".into(), Some("10.2.0.0/16".into()))]
    );
    let reason = &only_broken(&v).reason;
    assert!(reason.contains("10.2.0.0/16 goes to pcx-1"), "{reason}");
    assert_eq!(v.totals(), (1, 1, 0));
}

#[test]
fn no_route_in_the_source_attachments_table_breaks_the_path_there() {
    let mut s = converged();
    s.table(E).routes.retain(|r| r.cidr.to_string() != "10.2.0.0/16" || !r.is_static());
    let v = verified(&s);
    assert_eq!(
        broken(&v),
        [(E.into(), Hop::AttachmentRouteTable, "tgw-rtb-0".into(), Some("10.2.0.0/16".into()))]
    );
    assert!(only_broken(&v).reason.contains("10.2.0.0/16 goes to no route"), "{v:#?}");
    assert_eq!(path_status(&v, W, "10.1.0.0/16"), PathStatus::Ok);
}

#[test]
fn a_more_specific_blackhole_breaks_the_path_and_names_the_part_lost() {
    let v = verified(&converged().route(E, "10.2.128.0/17", Some("blackhole")));
    let hop = only_broken(&v);
    assert_eq!((hop.hop, hop.subject.as_str()), (Hop::AttachmentRouteTable, "tgw-rtb-0"));
    assert!(
        hop.reason.contains("10.2.128.0/17 of 10.2.0.0/16 goes to a blackhole"),
        "{}",
        hop.reason
    );
    assert_eq!(hop.paths, 1);
}

#[test]
fn a_more_specific_route_toward_another_attachment_breaks_the_path() {
    let s = converged().foreign_route(E, "10.2.0.0/24", "tgw-attach-vpn1", "vpn", false);
    let hop = only_broken(&verified(&s)).clone();
    assert_eq!(hop.hop, Hop::AttachmentRouteTable);
    assert!(
        hop.reason.contains("10.2.0.0/24 of 10.2.0.0/16 goes to tgw-attach-vpn1"),
        "{}",
        hop.reason
    );
}

#[test]
fn among_routes_of_the_same_prefix_static_wins_over_propagated() {
    // A propagated route of the same CIDR toward a VPN loses to the static
    // route over the peering: still whole.
    let s = converged().foreign_route(E, "10.2.0.0/16", "tgw-attach-vpn1", "vpn", true);
    assert_eq!(verified(&s).totals(), (2, 0, 0));
}

#[test]
fn the_far_sides_peering_table_without_the_vpcs_route_breaks_the_path_there() {
    let mut s = converged();
    s.table(W).routes.retain(|r| r.cidr.to_string() != "10.2.0.0/16");
    let v = verified(&s);
    assert_eq!(
        broken(&v),
        [(W.into(), Hop::PeeringRouteTable, "tgw-rtb-1".into(), Some("10.2.0.0/16".into()))]
    );
    assert_eq!(path_status(&v, E, "10.2.0.0/16"), PathStatus::Broken);
    assert_eq!(path_status(&v, W, "10.1.0.0/16"), PathStatus::Ok);
}

#[test]
fn one_broken_hop_counts_every_path_it_breaks() {
    let s = converged()
        .vpc(E, "vpc-e2", Some("true"), &["10.4.0.0/16"])
        .vpc(E, "vpc-e3", Some("true"), &["10.5.0.0/16"])
        .vpc_table(E, "vpc-e2", "rtb-e2", &["10.0.0.0/8>tgw"])
        .vpc_table(E, "vpc-e3", "rtb-e3", &["10.0.0.0/8>tgw"])
        .route(E, "10.2.0.0/16", Some("blackhole"));
    let v = verified(&s);
    let east = v.broken.iter().find(|h| h.region.as_str() == E).unwrap();
    assert_eq!(
        (east.hop, east.to.unwrap().to_string(), east.paths),
        (Hop::AttachmentRouteTable, "10.2.0.0/16".into(), 3)
    );
    // West does not route the two new CIDRs back: a hop each, a path each.
    let west: Vec<(String, usize)> = v
        .broken
        .iter()
        .filter(|h| h.region.as_str() == W)
        .map(|h| (h.to.unwrap().to_string(), h.paths))
        .collect();
    assert_eq!(west, [("10.4.0.0/16".to_owned(), 1), ("10.5.0.0/16".to_owned(), 1)]);
    assert_eq!(v.totals(), (1, 5, 0));
}

#[test]
fn a_pair_without_an_available_peering_is_broken_at_the_peering() {
    let mut s = converged();
    for state in s.observed.regions.values_mut() {
        state.peerings.clear();
    }
    let v = verified(&s);
    assert_eq!(v.totals(), (0, 2, 0));
    // One hop for both directions.
    let hop = only_broken(&v);
    assert_eq!((hop.hop, hop.subject.as_str(), hop.paths), (Hop::Peering, "tgw-0/tgw-1", 2));
}

#[test]
fn an_ipv6_destination_is_its_own_path_from_the_sources_ipv6_block() {
    let s = converged()
        .vpc(E, "vpc-e1", Some("true"), &["10.1.0.0/16", "2600:1f18::/56"])
        .vpc(W, "vpc-w1", Some("true"), &["10.2.0.0/16", "2600:1f14::/56"])
        .vpc(W, "vpc-w4", Some("true"), &["10.6.0.0/16"])
        .vpc_table(W, "vpc-w4", "rtb-w4", &["10.0.0.0/8>tgw"])
        .route(E, "10.6.0.0/16", Some(P))
        .route(E, "2600:1f14::/56", Some(P))
        .route(W, "2600:1f18::/56", Some(P));
    let mut s = s;
    s.region_mut(E).vpc_route_tables = None;
    s.region_mut(W).vpc_route_tables.as_mut().unwrap().retain(|t| t.id.as_str() != "rtb-w1");
    let s = s
        .vpc_table(E, "vpc-e1", "rtb-e1", &["10.0.0.0/8>tgw", "2600:1f14::/56>tgw"])
        .vpc_table(W, "vpc-w1", "rtb-w1", &["10.0.0.0/8>tgw", "::/0>tgw"]);
    let v = verified(&s);
    // e1 → w1 (v4, v6), e1 → w4, w1 → e1 (v4, v6), w4 → e1 (v4 only).
    assert_eq!(v.totals(), (6, 0, 0), "{v:#?}");
    let six = v.paths.iter().find(|p| p.to.to_string() == "2600:1f14::/56").unwrap();
    assert_eq!(six.from.to_string(), "2600:1f18::/56");
    // The IPv6 route over the peering leaves east's table: that path only.
    let mut s = s;
    s.table(E).routes.retain(|r| r.cidr.to_string() != "2600:1f14::/56");
    let v = verified(&s);
    assert_eq!(
        broken(&v),
        [(E.into(), Hop::AttachmentRouteTable, "tgw-rtb-0".into(), Some("2600:1f14::/56".into()))]
    );
    assert_eq!(v.totals(), (5, 1, 0));
}

#[test]
fn a_workload_vpc_whose_tables_were_not_read_is_not_verified_never_whole() {
    let mut s = converged().vpc(E, "vpc-e9", Some("true"), &["10.9.0.0/16"]).route(
        W,
        "10.9.0.0/16",
        Some(P),
    );
    owned_by(s.region_mut(E), &VpcId::parse("vpc-e9").unwrap(), "210987654321");
    let v = verified(&s);
    assert_eq!(path_status(&v, E, "10.2.0.0/16"), PathStatus::Ok);
    let from_e9 = v.paths.iter().find(|p| p.from_vpc.as_str() == "vpc-e9").unwrap();
    assert_eq!(from_e9.status, PathStatus::Unverified);
    assert_eq!(from_e9.hop, Some(Hop::VpcRouteTable));
    assert!(v.broken.is_empty(), "{v:#?}");
    assert_eq!(v.totals(), (3, 0, 1));
}

#[test]
fn a_pair_in_different_segments_is_not_a_path_but_a_shared_segment_reaches_both() {
    use super::segments::{segmented, table, vpc};
    let s = segmented();
    let s = vpc(s, E, "vpc-e1", "prod", "prod", &["10.1.0.0/16"]);
    let s = vpc(s, W, "vpc-w1", "dev", "dev", &["10.2.0.0/16"]);
    let s = vpc(s, W, "vpc-w2", "shared", "shared", &["10.3.0.0/16"]);
    let mut s = s;
    table(&mut s, E, "prod").routes.push(TgwRoute::static_to(
        crate::support::cidr("10.3.0.0/16"),
        RouteTarget::Attachment(AttachmentId::parse(P).unwrap()),
    ));
    for (r, vpc) in [(E, "vpc-e1"), (W, "vpc-w1"), (W, "vpc-w2")] {
        s = s.vpc_table(r, vpc, &format!("rtb-{}", &vpc[4..]), &["10.0.0.0/8>tgw"]);
    }
    let v = verified(&s);
    let ends: Vec<(String, String)> =
        v.paths.iter().map(|p| (p.from_vpc.to_string(), p.to_vpc.to_string())).collect();
    // prod ↔ dev is no path; shared reaches and is reached by both.
    assert!(
        !ends
            .iter()
            .any(|(a, b)| (a == "vpc-e1" && b == "vpc-w1") || (a == "vpc-w1" && b == "vpc-e1")),
        "{ends:?}"
    );
    assert!(ends.contains(&("vpc-e1".into(), "vpc-w2".into())), "{ends:?}");
    assert!(ends.contains(&("vpc-w2".into(), "vpc-e1".into())), "{ends:?}");
    assert_eq!(path_status(&v, E, "10.3.0.0/16"), PathStatus::Ok, "{v:#?}");
}

#[test]
fn the_counts_are_the_same_whatever_paths_are_kept() {
    let s = converged()
        .vpc(E, "vpc-e2", Some("true"), &["10.4.0.0/16"])
        .vpc_table(E, "vpc-e2", "rtb-e2", &["10.0.0.0/8>tgw"])
        .route(W, "10.4.0.0/16", Some(P))
        .route(E, "10.2.128.0/17", Some("blackhole"));
    let all = verify(&s.recorded(), &s.config, Keep::All);
    assert_eq!(all.totals(), (2, 2, 0), "{all:#?}");
    for keep in [Keep::NotWhole, Keep::None] {
        let v = verify(&s.recorded(), &s.config, keep);
        assert_eq!((v.pairs.clone(), v.broken.clone()), (all.pairs.clone(), all.broken.clone()));
    }
    assert_eq!(verify(&s.recorded(), &s.config, Keep::NotWhole).paths.len(), 2);
    assert!(verify(&s.recorded(), &s.config, Keep::None).paths.is_empty());
}
