//! Segments across Regions: segment tables from tags, shared segments,
//! the ledger per segment, a typo and a wrong association held, leaks,
//! a move between segments, the peering table.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::support::{cidr, region, scenario_vpc, Scenario};
use tgw_peering_core::domain::*;
use tgw_peering_core::observed::RouteTableState;
use tgw_peering_core::planner::PeeringNeed;
use tgw_peering_core::{Action, Finding, FindingCode, FindingKind, ListRef, Plan};

/// Route table `name` (`prod`, `dev`, `shared`, `peer`) of Region `r`.
fn rtb(r: &str, name: &str) -> RouteTableId {
    let n = if r == E { 0 } else { 1 };
    RouteTableId::parse(&format!("tgw-rtb-{n}{name}")).unwrap()
}

pub(super) fn table<'a>(s: &'a mut Scenario, r: &str, name: &str) -> &'a mut RouteTableState {
    let id = rtb(r, name);
    s.region_mut(r).segment_tables.iter_mut().find(|t| t.id == id).unwrap()
}

/// Two Regions whose gateways disable default association and
/// propagation (no default table), each with a `prod`, `dev` and `shared`
/// table and a peering table; `shared` is in `SHARED_SEGMENTS`; peering P
/// is available and associated with both peering tables.
pub(super) fn segmented() -> Scenario {
    let mut s = Scenario::new(&[E, W]).configure(|c| {
        c.shared_segments.insert(Segment::parse("shared").unwrap());
    });
    for r in [E, W] {
        let tgw = s.tgw(r);
        let state = s.region_mut(r);
        state.transit_gateways[0].default_association_route_table = None;
        state.route_table = None;
        let mut listed = Vec::new();
        for name in ["prod", "dev", "shared", "peer"] {
            let tag = match name {
                "peer" => (ROLE_TAG.to_owned(), PEERING_ROLE.to_owned()),
                _ => (SEGMENT_TAG.to_owned(), name.to_owned()),
            };
            listed.push(TgwRouteTable {
                id: rtb(r, name),
                transit_gateway_id: tgw.clone(),
                state: TgwState::Available,
                tags: [tag].into_iter().collect(),
            });
            state.segment_tables.push(RouteTableState::empty(rtb(r, name)));
        }
        state.route_tables = Some(listed);
    }
    let mut s = s.peering(P, E, W, "available", 100);
    for r in [E, W] {
        table(&mut s, r, "peer").associations.insert(att(P));
    }
    s
}

fn att(id: &str) -> AttachmentId {
    AttachmentId::parse(id).unwrap()
}

/// A VPC tagged `tag`, its attachment associated with table `assoc` and
/// propagating into the peering table.
pub(super) fn vpc(
    mut s: Scenario,
    r: &str,
    id: &str,
    tag: &str,
    assoc: &str,
    cidrs: &[&str],
) -> Scenario {
    let vpc = scenario_vpc(id, Some(tag), cidrs);
    let attachment = att(&format!("tgw-attach-v{}", &id[4..]));
    let state = s.region_mut(r);
    state.attachments.push(TgwAttachment {
        id: attachment.clone(),
        kind: AttachmentKind::Vpc,
        resource_id: id.to_owned(),
        owner: state.account.clone(),
        state: "available".into(),
        association: Some(Association {
            route_table_id: rtb(r, assoc),
            state: "associated".into(),
        }),
        ipv6_support: Some(true),
    });
    state.vpcs.push(vpc.clone());
    table(&mut s, r, assoc).associations.insert(attachment.clone());
    for c in vpc.associated_cidrs() {
        let mut route = TgwRoute::static_to(c, RouteTarget::Attachment(attachment.clone()));
        route.kind = RouteKind::Propagated;
        table(&mut s, r, "peer").routes.push(route);
    }
    s
}

/// The three segments' VPCs in each Region.
fn populated() -> Scenario {
    let s = segmented();
    let s = vpc(s, E, "vpc-e0", "prod", "prod", &["10.0.0.0/16"]);
    let s = vpc(s, E, "vpc-e1", " Dev", "dev", &["10.1.0.0/16"]);
    let s = vpc(s, E, "vpc-e2", "shared", "shared", &["10.2.0.0/16"]);
    let s = vpc(s, W, "vpc-a0", "PROD", "prod", &["10.10.0.0/16"]);
    let s = vpc(s, W, "vpc-a1", "dev", "dev", &["10.11.0.0/16"]);
    vpc(s, W, "vpc-a2", "shared ", "shared", &["10.12.0.0/16"])
}

/// A static route toward P in table `name` of `r`, recorded in that
/// segment's ledger list (`segment`: `None` for a route not recorded).
fn owned(mut s: Scenario, r: &str, name: &str, c: &str, segment: Option<&str>) -> Scenario {
    table(&mut s, r, name)
        .routes
        .push(TgwRoute::static_to(cidr(c), RouteTarget::Attachment(att(P))));
    let Some(seg) = segment else {
        return s;
    };
    let peer = if r == E { W } else { E };
    let tgw = s.tgw(r);
    let state = s.region_mut(r);
    let n = state.ledger.len();
    let seg = Segment::parse(seg).unwrap();
    let name = LedgerList::name_in(&seg, &region(peer), Family::Ipv4, 0);
    let list = match state.ledger.iter().position(|l| l.name == name) {
        Some(i) => &mut state.ledger[i],
        None => {
            state.ledger.push(LedgerList {
                id: PrefixListId::parse(&format!("pl-{}{n}", r.replace('-', ""))).unwrap(),
                name,
                peer: region(peer),
                family: Family::Ipv4,
                tag_key: "addToTransitGateway".into(),
                version: 1,
                max_entries: 10,
                state: "create-complete".into(),
                entries: BTreeMap::new(),
                deployment: ListDeployment::Gateway(tgw),
                peering: Some(att(P)),
                isolated: Default::default(),
                left: Default::default(),
                tag_count: 6,
                state_message: None,
                resize: None,
                segment: Some(seg.to_string()),
            });
            state.ledger.last_mut().unwrap()
        }
    };
    list.entries.insert(cidr(c), format!("recorded {c}"));
    s
}

/// (Region, table, CIDR) of every route the plan creates.
fn created(plan: &Plan) -> BTreeSet<(String, String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateRoute { region, route_table_id, cidr, .. } => {
                Some((region.to_string(), route_table_id.to_string(), cidr.to_string()))
            }
            _ => None,
        })
        .collect()
}

fn deleted(plan: &Plan) -> BTreeSet<(String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::DeleteRoute { route_table_id, cidr, .. } => {
                Some((route_table_id.to_string(), cidr.to_string()))
            }
            _ => None,
        })
        .collect()
}

fn found(plan: &Plan, code: FindingCode) -> Vec<&Finding> {
    plan.findings.iter().filter(|f| f.code == code).collect()
}

fn expect(rows: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    rows.iter().map(|(r, t, c)| (r.to_string(), rtb(r, t).to_string(), c.to_string())).collect()
}

#[test]
fn each_segment_table_routes_its_segment_and_the_shared_one_of_the_other_region() {
    let plan = populated().plan();
    assert_eq!(
        created(&plan),
        expect(&[
            (E, "prod", "10.10.0.0/16"),
            (E, "prod", "10.12.0.0/16"),
            (E, "dev", "10.11.0.0/16"),
            (E, "dev", "10.12.0.0/16"),
            (E, "shared", "10.10.0.0/16"),
            (E, "shared", "10.11.0.0/16"),
            (E, "shared", "10.12.0.0/16"),
            (W, "prod", "10.0.0.0/16"),
            (W, "prod", "10.2.0.0/16"),
            (W, "dev", "10.1.0.0/16"),
            (W, "dev", "10.2.0.0/16"),
            (W, "shared", "10.0.0.0/16"),
            (W, "shared", "10.1.0.0/16"),
            (W, "shared", "10.2.0.0/16"),
        ]),
        "{:#?}",
        plan.findings
    );
    // Nothing about the peering: it is where it belongs.
    assert!(!plan
        .actions
        .iter()
        .any(|p| p.action.phase() == tgw_peering_core::planner::Phase::Peering));
    // Each VPC reports its segment.
    let segments: BTreeMap<String, Option<String>> = plan
        .vpcs
        .iter()
        .map(|v| (v.vpc_id.to_string(), v.segment.as_ref().map(ToString::to_string)))
        .collect();
    assert_eq!(segments["vpc-e1"].as_deref(), Some("dev"));
    assert_eq!(segments["vpc-a0"].as_deref(), Some("prod"));
    assert!(plan.vpcs.iter().all(|v| v.advertised && v.local_route), "{:#?}", plan.vpcs);
}

#[test]
fn without_shared_segments_segments_never_reach_each_other() {
    let plan = populated().configure(|c| c.shared_segments.clear()).plan();
    assert_eq!(
        created(&plan),
        expect(&[
            (E, "prod", "10.10.0.0/16"),
            (E, "dev", "10.11.0.0/16"),
            (E, "shared", "10.12.0.0/16"),
            (W, "prod", "10.0.0.0/16"),
            (W, "dev", "10.1.0.0/16"),
            (W, "shared", "10.2.0.0/16"),
        ])
    );
}

#[test]
fn each_segment_table_has_its_own_ledger_lists_named_and_tagged_with_the_segment() {
    let plan = populated().plan();
    let lists: BTreeSet<(String, Option<String>, Vec<String>)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateLedger { region, name, segment, entries, .. } if region.as_str() == E => {
                Some((
                    name.clone(),
                    segment.as_ref().map(ToString::to_string),
                    entries.iter().map(|e| e.cidr.to_string()).collect(),
                ))
            }
            _ => None,
        })
        .collect();
    let row = |name: &str, seg: &str, cidrs: &[&str]| {
        (name.to_owned(), Some(seg.to_owned()), cidrs.iter().map(|c| c.to_string()).collect())
    };
    assert_eq!(
        lists,
        [
            row("tgw-peering-dev-eu-west-1-ipv4-0", "dev", &["10.11.0.0/16", "10.12.0.0/16"]),
            row("tgw-peering-prod-eu-west-1-ipv4-0", "prod", &["10.10.0.0/16", "10.12.0.0/16"]),
            row(
                "tgw-peering-shared-eu-west-1-ipv4-0",
                "shared",
                &["10.10.0.0/16", "10.11.0.0/16", "10.12.0.0/16"]
            ),
        ]
        .into_iter()
        .collect()
    );
}

/// The routes each segment table of `r` holds once converged.
const CONVERGED: [(&str, &str, &[&str]); 6] = [
    (E, "prod", &["10.10.0.0/16", "10.12.0.0/16"]),
    (E, "dev", &["10.11.0.0/16", "10.12.0.0/16"]),
    (E, "shared", &["10.10.0.0/16", "10.11.0.0/16", "10.12.0.0/16"]),
    (W, "prod", &["10.0.0.0/16", "10.2.0.0/16"]),
    (W, "dev", &["10.1.0.0/16", "10.2.0.0/16"]),
    (W, "shared", &["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]),
];

#[test]
fn a_converged_segmented_world_plans_nothing() {
    let mut s = populated();
    for (r, seg, cidrs) in CONVERGED {
        for c in cidrs {
            s = owned(s, r, seg, c, Some(seg));
        }
    }
    let plan = s.plan();
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    assert!(plan.findings.iter().all(|f| f.kind() != FindingKind::Held), "{:#?}", plan.findings);
}

#[test]
fn a_typo_holds_the_vpcs_routes_and_a_finding_names_the_value() {
    // vpc-a3 was prod (its route is in E's prod table and prod ledger);
    // someone retyped its tag as "prdo".
    let s = vpc(populated(), W, "vpc-a3", "prdo", "prod", &["10.13.0.0/16"]);
    let plan = owned(s, E, "prod", "10.13.0.0/16", Some("prod")).plan();
    assert!(!deleted(&plan).iter().any(|(_, c)| c == "10.13.0.0/16"), "{:?}", plan.actions);
    assert!(!created(&plan).iter().any(|(_, _, c)| c == "10.13.0.0/16"));
    let held = found(&plan, FindingCode::SegmentUnknown);
    assert_eq!(held.len(), 1, "{held:#?}");
    assert!(held[0].subject.contains("vpc-a3") && held[0].reason.contains("\"prdo\""), "{held:?}");
    // A conflict of the tag with the tables: visible, and nothing cut.
    assert_eq!(held[0].kind(), FindingKind::Conflict);
    // The rest of the mesh is planned as before.
    assert!(created(&plan).contains(&(
        E.into(),
        rtb(E, "prod").to_string(),
        "10.10.0.0/16".into()
    )));
}

#[test]
fn true_where_the_region_has_no_default_segment_is_held_with_a_finding() {
    let plan = vpc(populated(), W, "vpc-a4", "true", "prod", &["10.14.0.0/16"]).plan();
    let held = found(&plan, FindingCode::SegmentUnknown);
    assert!(held.iter().any(|f| f.subject.contains("vpc-a4") && f.reason.contains("default")));
    assert!(!created(&plan).iter().any(|(_, _, c)| c == "10.14.0.0/16"));
}

#[test]
fn a_vpc_associated_with_another_segments_table_is_held_and_both_tables_are_named() {
    // Tagged prod, associated with the dev table: traffic from it is
    // routed by dev's table. A leak if it were advertised as prod.
    let s = vpc(populated(), W, "vpc-a5", "prod", "dev", &["10.15.0.0/16"]);
    let plan = owned(s, E, "prod", "10.15.0.0/16", Some("prod")).plan();
    assert!(!created(&plan).iter().any(|(_, _, c)| c == "10.15.0.0/16"));
    assert!(!deleted(&plan).iter().any(|(_, c)| c == "10.15.0.0/16"));
    let held = found(&plan, FindingCode::SegmentMismatch);
    assert_eq!(held.len(), 1);
    let reason = &held[0].reason;
    assert!(reason.contains(rtb(W, "prod").as_str()) && reason.contains(rtb(W, "dev").as_str()));
}

#[test]
fn a_route_toward_the_peering_for_a_cidr_the_segment_may_not_reach_is_withdrawn_only_when_recorded()
{
    // 10.11.0.0/16 is dev's: in E's prod table it is a leak. Recorded in
    // prod's ledger (left from an old segment): withdrawn.
    let plan = owned(populated(), E, "prod", "10.11.0.0/16", Some("prod")).plan();
    assert!(deleted(&plan).contains(&(rtb(E, "prod").to_string(), "10.11.0.0/16".into())));
    let leak = found(&plan, FindingCode::Leak);
    assert_eq!(leak.len(), 1, "{leak:#?}");
    assert!(leak[0].reason.contains("vpc-a1") && leak[0].reason.contains("withdrawn"));
    // Made by hand (not in prod's ledger, even though dev's holds it):
    // reported, never removed.
    let s = owned(populated(), E, "dev", "10.11.0.0/16", Some("dev"));
    let plan = owned(s, E, "prod", "10.11.0.0/16", None).plan();
    assert!(deleted(&plan).is_empty(), "{:?}", plan.actions);
    let leak = found(&plan, FindingCode::Leak);
    assert!(leak.len() == 1 && leak[0].reason.contains("left as it is"), "{leak:#?}");
    let report = plan
        .tables
        .iter()
        .find(|t| t.route_table_id == rtb(E, "prod"))
        .and_then(|t| t.routes.iter().find(|r| r.cidr == cidr("10.11.0.0/16")));
    assert!(report.is_some(), "the prod table reports the route it leaves alone");
}

/// `s` with W's vpc-a1 (10.11.0.0/16, dev) tagged prod and its attachment
/// associated with W's prod table.
fn moved_to_prod(mut s: Scenario) -> Scenario {
    let old = att("tgw-attach-va1");
    s.region_mut(W).vpcs.retain(|v| v.id.as_str() != "vpc-a1");
    s.region_mut(W).attachments.retain(|a| a.id != old);
    table(&mut s, W, "dev").associations.remove(&old);
    table(&mut s, W, "peer").routes.retain(|r| r.target != RouteTarget::Attachment(old.clone()));
    vpc(s, W, "vpc-a1", "prod", "prod", &["10.11.0.0/16"])
}

#[test]
fn a_vpc_moved_from_dev_to_prod_gets_prods_routes_and_leaves_devs() {
    // vpc-a1 (10.11.0.0/16) was dev, routed in E's dev table; it is now
    // tagged prod and associated with W's prod table.
    let s = moved_to_prod(populated());
    let s = owned(s, E, "dev", "10.11.0.0/16", Some("dev"));
    let plan = owned(s, E, "shared", "10.11.0.0/16", Some("shared")).plan();
    assert!(created(&plan).contains(&(
        E.into(),
        rtb(E, "prod").to_string(),
        "10.11.0.0/16".into()
    )));
    assert!(deleted(&plan).contains(&(rtb(E, "dev").to_string(), "10.11.0.0/16".into())));
    // The shared table routes every segment: it keeps the route.
    assert!(!deleted(&plan).contains(&(rtb(E, "shared").to_string(), "10.11.0.0/16".into())));
}

#[test]
fn cidrs_that_two_segments_of_one_region_hold_are_a_conflict_and_both_are_held() {
    let s = vpc(populated(), W, "vpc-a6", "dev", "dev", &["10.10.128.0/17"]);
    let plan = s.plan();
    let held = found(&plan, FindingCode::SegmentOverlap);
    let subjects: BTreeSet<&str> = held.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(subjects, ["VPC vpc-a0", "VPC vpc-a6"].into_iter().collect());
    assert!(
        !created(&plan).iter().any(|(_, _, c)| c.starts_with("10.10.")),
        "{:?}",
        created(&plan)
    );
}

#[test]
fn a_new_peering_is_associated_with_the_peering_table_and_no_segment_table() {
    let mut s = populated();
    for r in [E, W] {
        table(&mut s, r, "peer").associations.clear();
    }
    let plan = s.plan();
    let associations: BTreeSet<(String, String)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::AssociateRouteTable { region, route_table_id, .. } => {
                Some((region.to_string(), route_table_id.to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        associations,
        [(E.to_owned(), rtb(E, "peer").to_string()), (W.to_owned(), rtb(W, "peer").to_string())]
            .into_iter()
            .collect()
    );
}

#[test]
fn a_peering_in_another_table_is_moved_only_while_no_route_goes_over_it() {
    let mut s = populated();
    table(&mut s, E, "peer").associations.clear();
    // AWS reports the peering associated with E's prod table.
    s.region_mut(E).attachments.push(TgwAttachment {
        id: att(P),
        kind: AttachmentKind::Peering,
        resource_id: "tgw-1".into(),
        owner: None,
        state: "available".into(),
        association: Some(Association {
            route_table_id: rtb(E, "prod"),
            state: "associated".into(),
        }),
        ipv6_support: None,
    });
    let moved = |plan: &Plan| {
        plan.actions.iter().any(|p| {
            matches!(&p.action, Action::DisassociateRouteTable { route_table_id, .. } if route_table_id == &rtb(E, "prod"))
        })
    };
    assert!(moved(&s.plan()), "a new peering moves");
    let s = owned(s, E, "prod", "10.10.0.0/16", Some("prod"));
    let plan = s.plan();
    assert!(!moved(&plan), "a peering in use is not moved");
    let f = found(&plan, FindingCode::AssociatedElsewhere);
    assert!(f.iter().any(|f| f.reason.contains(rtb(E, "peer").as_str())), "{f:#?}");
}

#[test]
fn a_table_tag_outside_the_rule_is_a_finding_not_an_error() {
    let mut s = populated();
    let listed = s.region_mut(E).route_tables.as_mut().unwrap();
    listed[0].tags.insert(SEGMENT_TAG.into(), "Prod_1".into());
    let plan = s.plan();
    let f = found(&plan, FindingCode::SegmentTagInvalid);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].reason.contains("Prod_1"), "{}", f[0].reason);
    // E has no prod segment now: its prod VPC is held, dev is planned.
    assert!(found(&plan, FindingCode::SegmentUnknown).iter().any(|f| f.subject.contains("vpc-e0")));
    assert!(created(&plan).contains(&(E.into(), rtb(E, "dev").to_string(), "10.11.0.0/16".into())));
}

#[test]
fn a_local_cidr_the_peering_table_does_not_route_is_a_warning() {
    let mut s = populated();
    table(&mut s, E, "peer").routes.retain(|r| r.cidr != cidr("10.1.0.0/16"));
    let plan = s.plan();
    let f = found(&plan, FindingCode::NoLocalRoute);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].subject.contains("vpc-e1") && f[0].reason.contains(rtb(E, "peer").as_str()));
}

#[test]
fn the_quota_line_counts_every_table_the_tool_reads_and_names_the_others() {
    let mut s = populated();
    let tgw = s.tgw(E);
    let other = RouteTableId::parse("tgw-rtb-0other").unwrap();
    s.region_mut(E).route_tables.as_mut().unwrap().push(TgwRouteTable {
        id: other.clone(),
        transit_gateway_id: tgw,
        state: TgwState::Available,
        tags: BTreeMap::new(),
    });
    let plan = s.plan();
    let east: Vec<_> = plan.tables.iter().filter(|t| t.region.as_str() == E).collect();
    assert_eq!(east.len(), 3, "a report per segment table");
    for t in east {
        // The peering table's three propagated routes as read; the seven
        // routes this plan writes into the three segment tables after it.
        let g = t.quota.gateway.as_ref().expect("the gateway's count");
        assert_eq!((g.counted, g.after_plan, g.tables), (3, 10, 4), "{}", t.route_table_id);
        assert_eq!(t.quota.not_counted, vec![other.clone()]);
    }
}

#[test]
fn the_plan_carries_a_segment_by_region_matrix_of_tables_vpcs_and_routes() {
    let cell = |plan: &Plan, seg: &str, r: &str| {
        let c = plan
            .segments
            .iter()
            .find(|c| c.segment.as_str() == seg && c.region.as_str() == r)
            .expect("a cell");
        (c.route_table_id.clone(), c.vpcs_advertised, c.routes, c.missing)
    };
    let plan = populated().plan();
    assert_eq!(plan.segments.len(), 6);
    assert_eq!(cell(&plan, "prod", E), (Some(rtb(E, "prod")), 1, 0, 2));
    assert_eq!(cell(&plan, "shared", W), (Some(rtb(W, "shared")), 1, 0, 3));
    let mut s = populated();
    for (r, seg, cidrs) in CONVERGED {
        for c in cidrs {
            s = owned(s, r, seg, c, Some(seg));
        }
    }
    let plan = s.plan();
    assert_eq!(cell(&plan, "dev", W), (Some(rtb(W, "dev")), 1, 2, 0));
    // A deployment without segments has no matrix.
    assert!(converged().plan().segments.is_empty());
}

#[test]
fn the_regions_prefix_lists_are_counted_against_the_quota_with_those_the_plan_creates() {
    let warned = |listed: usize| {
        let mut s = populated();
        s.region_mut(E).customer_lists = Some(listed);
        let plan = s.plan();
        found(&plan, FindingCode::PrefixListQuota)
            .iter()
            .map(|f| (f.region.as_ref().unwrap().to_string(), f.reason.clone()))
            .collect::<Vec<_>>()
    };
    // 76 listed, and the plan creates 3 lists in E (one per segment): 79.
    assert!(warned(76).is_empty());
    let at = warned(77);
    assert_eq!(at.len(), 1, "{at:?}");
    assert_eq!(at[0].0, E);
    assert!(at[0].1.contains("77 customer-managed") && at[0].1.contains("80 after"), "{}", at[0].1);
    // Not read: nothing said.
    assert!(converged().plan().findings.iter().all(|f| f.code != FindingCode::PrefixListQuota));
}

#[test]
fn a_segment_table_still_pending_is_waited_for_in_its_segment_only() {
    let mut s = populated();
    let listed = s.region_mut(E).route_tables.as_mut().unwrap();
    listed.iter_mut().find(|t| t.id == rtb(E, "dev")).unwrap().state = TgwState::Pending;
    let plan = s.plan();
    let waits = found(&plan, FindingCode::GatewayInTransition);
    assert!(waits.iter().any(|f| f.reason.contains(rtb(E, "dev").as_str())), "{waits:#?}");
    let made = created(&plan);
    assert!(!made.iter().any(|(_, t, _)| t == rtb(E, "dev").as_str()), "nothing written there");
    assert!(made.contains(&(E.into(), rtb(E, "prod").to_string(), "10.10.0.0/16".into())));
}

#[test]
fn a_member_overlapping_a_held_vpc_is_held_too() {
    // vpc-a3 (typo, held) keeps 10.13.0.0/16 in E's prod table; a new dev
    // VPC with the same block must not be routed in E's dev table.
    let s = vpc(populated(), W, "vpc-a3", "prdo", "prod", &["10.13.0.0/16"]);
    let s = owned(s, E, "prod", "10.13.0.0/16", Some("prod"));
    let plan = vpc(s, W, "vpc-a7", "dev", "dev", &["10.13.0.0/16"]).plan();
    assert!(!created(&plan).iter().any(|(_, _, c)| c == "10.13.0.0/16"), "{:?}", created(&plan));
    let held = found(&plan, FindingCode::SegmentOverlap);
    assert!(held.iter().any(|f| f.subject == "VPC vpc-a7" && f.reason.contains("vpc-a3")));
    assert!(!deleted(&plan).iter().any(|(_, c)| c == "10.13.0.0/16"));
}

#[test]
fn route_table_ids_naming_another_segments_table_gives_the_default_segment_none() {
    let plan = populated()
        .configure(|c| {
            c.route_table_ids.insert(region(E), rtb(E, "prod"));
        })
        .plan();
    let f = found(&plan, FindingCode::SegmentTagInvalid);
    assert!(f.iter().any(|f| f.subject.contains(rtb(E, "prod").as_str())), "{f:#?}");
    // The prod table is planned once, as prod's.
    let reports = plan.tables.iter().filter(|t| t.route_table_id == rtb(E, "prod")).count();
    assert_eq!(reports, 1);
}

#[test]
fn a_peering_that_carries_routes_is_never_moved_even_with_route_table_ids() {
    let mut s = populated();
    table(&mut s, E, "peer").associations.clear();
    s.region_mut(E).attachments.push(TgwAttachment {
        id: att(P),
        kind: AttachmentKind::Peering,
        resource_id: "tgw-1".into(),
        owner: None,
        state: "available".into(),
        association: Some(Association {
            route_table_id: rtb(E, "dev"),
            state: "associated".into(),
        }),
        ipv6_support: None,
    });
    s.region_mut(E).transit_gateways[0].default_association_route_table = Some(rtb(E, "dev"));
    let s = owned(s, E, "prod", "10.10.0.0/16", Some("prod")).configure(|c| {
        c.route_table_ids.insert(region(E), rtb(E, "shared"));
    });
    let plan = s.plan();
    assert!(
        !plan.actions.iter().any(|p| matches!(p.action, Action::DisassociateRouteTable { .. })),
        "{:#?}",
        plan.actions
    );
}

/// Which VPC route actions of table `rtb` a plan makes: (kind, CIDR).
fn vpc_writes(plan: &Plan, rtb: &str) -> BTreeSet<(&'static str, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateVpcRoute { route_table_id, cidr, .. }
            | Action::DeleteVpcRoute { route_table_id, cidr, .. }
                if route_table_id.as_str() == rtb =>
            {
                Some((p.action.kind(), cidr.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_moved_vpcs_route_tables_lose_what_its_old_segment_left_and_keep_the_shared() {
    // vpc-a1 moved from dev to prod; its route table still routes E's dev
    // CIDR (recorded in W's dev ledger) and E's shared one.
    let s = moved_to_prod(populated().manage_vpc_routes());
    let s = owned(s, W, "dev", "10.1.0.0/16", Some("dev"));
    let s = owned(s, W, "dev", "10.2.0.0/16", Some("dev"));
    let s = owned(s, W, "prod", "10.2.0.0/16", Some("prod"));
    let plan = s.vpc_table(W, "vpc-a1", "rtb-a1", &["10.1.0.0/16>tgw", "10.2.0.0/16>tgw"]).plan();
    assert_eq!(
        vpc_writes(&plan, "rtb-a1"),
        [
            ("delete_vpc_route", "10.1.0.0/16".to_owned()),
            ("create_vpc_route", "10.0.0.0/16".to_owned())
        ]
        .into_iter()
        .collect(),
        "{:#?}",
        plan.actions
    );
}

#[test]
fn in_prefix_list_mode_each_segment_table_references_its_own_list() {
    let plan = populated().prefix_list_mode().plan();
    let references: BTreeSet<(String, String)> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateReference { route_table_id, prefix_list: ListRef::New(name), .. } => {
                Some((route_table_id.to_string(), name.clone()))
            }
            _ => None,
        })
        .collect();
    let row = |r: &str, seg: &str, peer: &str| {
        (rtb(r, seg).to_string(), format!("tgw-peering-{seg}-{peer}-ipv4-0"))
    };
    let mut expected = BTreeSet::new();
    for seg in ["prod", "dev", "shared"] {
        expected.insert(row(E, seg, W));
        expected.insert(row(W, seg, E));
    }
    assert_eq!(references, expected);
    assert!(created(&plan).is_empty(), "no static route in prefix-list mode");
}

#[test]
fn a_pair_only_one_segment_needs_is_reported_once_with_that_need() {
    // prod and shared only in the east, dev only in the west: prod's view
    // needs no peering, dev's (which reaches shared) does.
    let s = segmented();
    let s = vpc(s, E, "vpc-e0", "prod", "prod", &["10.0.0.0/16"]);
    let s = vpc(s, E, "vpc-e2", "shared", "shared", &["10.2.0.0/16"]);
    let mut s = vpc(s, W, "vpc-a1", "dev", "dev", &["10.11.0.0/16"]);
    for r in [E, W] {
        s.region_mut(r).peerings.clear();
        table(&mut s, r, "peer").associations.clear();
    }
    let plan = s.plan();
    assert_eq!(plan.peerings.len(), 1, "{:#?}", plan.peerings);
    assert_eq!(plan.peerings[0].need, PeeringNeed::Requested);
    assert!(plan.actions.iter().any(|p| matches!(p.action, Action::CreatePeering { .. })));
}
