//! Segments across Regions: prod reaches prod, dev reaches dev, shared
//! segments reach both.
//!
//! Where any managed Region's gateway declares segments (a route table
//! tagged `tgw-peering:segment` or `tgw-peering:role`, see
//! [`SegmentTables`]), the plan is made once per segment, over a view of
//! what was read, and the plans are merged ([`plan_segments`]):
//!
//! - in segment S's view, each Region's managed table is its S table, its
//!   ledger the lists of S's table, and the VPCs that S reaches (its own
//!   and the shared segments', or every segment's when S is shared:
//!   [`reaches`]) are the tagged ones; every other VPC reads as untagged,
//!   so its CIDRs are withdrawn from S's tables where S's ledger holds
//!   them (a leak, or the old segment of a VPC that moved), and reported
//!   where it does not. Every rule of a flat plan (the ledger, conflicts,
//!   the withdrawal budget, route modes, VPC route tables) applies per
//!   segment table;
//! - a Region without an S table plans nothing in that view, and its VPCs
//!   still count for the other Regions' S tables;
//! - a VPC whose tag names no segment of its Region, or whose attachment
//!   is associated with another table than its segment's, is held in
//!   every view ([`standing`]): its routes stay, nothing new is written,
//!   and a finding names the value or both tables (a typo must be
//!   visible and must not cut traffic; a move between segments passes
//!   through this state between its two steps);
//! - VPCs of two segments of one Region whose CIDRs overlap are held: the
//!   peering table, which routes the traffic arriving from every peer
//!   Region, cannot route both;
//! - the peerings are associated with the Region's peering table (the
//!   traffic arriving from a peer Region is routed by the one table the
//!   peering is associated with: "Transit gateway peering attachments",
//!   Amazon VPC Transit Gateways guide), and the local leg is checked
//!   there ([`local_legs`]).
//!
//! A deployment with no tagged table never comes here: its plan is the
//! flat one, unchanged.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{
    AssociationState, Region, Segment, SegmentTag, TgwState, Vpc, VpcId, VpcRouteTableId,
};
use crate::error::Error;
use crate::observed::{Gateway, Observed, RegionState};

use super::action::{ledger_actions, peering_actions, reference_actions, route_actions};
use super::desired::{region_cidrs, vpc_attachments};
use super::local_leg::plan_local_leg;
use super::segment_reports::{gateway_quota, matrix, report_held, report_leaks, report_tables};
use super::{Action, FindingCode, PeeringReport, Plan};

/// Where a VPC stands in its Region's segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Standing {
    /// Not tagged (no tag, `false`): withdrawn as in a flat plan.
    NotTagged,
    /// In this segment, its attachment (if any) associated with the
    /// segment's table.
    Member(Segment),
    /// Held, and why.
    Held(FindingCode, String),
}

/// The segments a table of segment `s` routes the remote CIDRs of: its
/// own and the shared ones, or every segment when `s` is shared
/// (`SHARED_SEGMENTS`).
pub(crate) fn reaches(s: &Segment, other: &Segment, config: &Config) -> bool {
    s == other || config.shared_segments.contains(s) || config.shared_segments.contains(other)
}

/// Plans a deployment whose Regions declare segments: one plan per
/// segment, merged (see the module's docs).
///
/// # Errors
/// As [`super::plan`].
pub(super) fn plan_segments(
    observed: &Observed,
    config: &Config,
    gateways: &[Gateway],
) -> Result<Plan, Error> {
    let standings = standings(observed, config, gateways);
    let mut out = Plan::default();
    report_tables(gateways, &mut out);
    let segments: BTreeSet<&Segment> =
        gateways.iter().flat_map(|g| g.tables.segments.keys()).collect();
    for segment in segments {
        let view = view_of(observed, config, gateways, &standings, segment);
        let mut part = super::plan_view(&view, config, Some(segment))?;
        for t in &mut part.tables {
            t.segment = Some(segment.clone());
        }
        own_vpc_routes(observed, config, &standings, segment, &mut part);
        merge(&mut out, part);
    }
    local_legs(observed, config, gateways, &standings, &mut out);
    report_leaks(observed, config, gateways, &standings, &mut out);
    gateway_quota(observed, gateways, &mut out);
    out.segments = matrix(gateways, &out);
    report_held(&standings, &mut out);
    unneeded_peerings(&mut out);
    Ok(out)
}

/// Where every VPC of every Region stands.
fn standings(
    observed: &Observed,
    config: &Config,
    gateways: &[Gateway],
) -> BTreeMap<Region, BTreeMap<VpcId, Standing>> {
    gateways
        .iter()
        .map(|gw| {
            let state = &observed.regions[&gw.region];
            let mut of: BTreeMap<VpcId, Standing> =
                state.vpcs.iter().map(|v| (v.id.clone(), standing(gw, state, v, config))).collect();
            hold_overlaps(&state.vpcs, &mut of);
            (gw.region.clone(), of)
        })
        .collect()
}

/// The segment a VPC's tag names, checked against its Region's tables and
/// its attachment's association ("Associations": an attachment is
/// associated with exactly one route table, and traffic that enters
/// through it is routed by that table).
fn standing(gw: &Gateway, state: &RegionState, vpc: &Vpc, config: &Config) -> Standing {
    let value = vpc.tags.get(&config.tag_key).map(String::as_str);
    let segment = match SegmentTag::of(value) {
        SegmentTag::NotTagged => return Standing::NotTagged,
        SegmentTag::Invalid(v) => {
            let why = format!(
                "its tag {}={v:?} names no segment (a segment name is 1 to 32 lower-case letters, digits and '-', starting with a letter; `true` is the default segment): its routes stay as they are, nothing new is written",
                config.tag_key
            );
            return Standing::Held(FindingCode::SegmentUnknown, why);
        }
        SegmentTag::Segment(s) => s,
    };
    let Some(table) = gw.tables.segments.get(&segment) else {
        let known: Vec<&str> = gw.tables.segments.keys().map(Segment::as_str).collect();
        let why = format!(
            "its tag {}={:?} names segment {segment}, which has no table in {} (segments here: {}): its routes stay as they are, nothing new is written",
            config.tag_key,
            value.unwrap_or_default(),
            gw.region,
            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
        );
        return Standing::Held(FindingCode::SegmentUnknown, why);
    };
    let attachments = vpc_attachments(state);
    let attachment = attachments.get(&vpc.id).and_then(|all| all.iter().find(|a| a.is_available()));
    let Some(a) = attachment else {
        // Waited for or skipped as in a flat plan.
        return Standing::Member(segment);
    };
    let association = a.association.as_ref().filter(|s| s.state != AssociationState::Disassociated);
    match association {
        Some(s) if &s.route_table_id == table && s.state.is_live() => Standing::Member(segment),
        other => {
            let now = other.map_or_else(
                || "no route table".to_owned(),
                |s| format!("{} ({})", s.route_table_id, s.state),
            );
            let why = format!(
                "tagged for segment {segment}, whose table is {table}, but its attachment {} is associated with {now}: traffic from it is routed by that table, so its routes stay as they are and nothing new is written until it is associated with {table}",
                a.id
            );
            Standing::Held(FindingCode::SegmentMismatch, why)
        }
    }
}

/// VPCs of two segments of one Region whose CIDRs overlap: both held. A
/// held VPC's routes stay where they are, so a member VPC that overlaps
/// one is held too (its segment's routes would meet the held VPC's in the
/// peering table, which can route only one of them).
fn hold_overlaps(vpcs: &[Vpc], of: &mut BTreeMap<VpcId, Standing>) {
    // (VPC, its segment if a member; `None`: held)
    let candidates: Vec<(&Vpc, Option<Segment>)> = vpcs
        .iter()
        .filter_map(|v| match of.get(&v.id) {
            Some(Standing::Member(s)) => Some((v, Some(s.clone()))),
            Some(Standing::Held(..)) => Some((v, None)),
            Some(Standing::NotTagged) | None => None,
        })
        .collect();
    let mut held: BTreeMap<VpcId, String> = BTreeMap::new();
    for (i, (a, sa)) in candidates.iter().enumerate() {
        for (b, sb) in &candidates[i + 1..] {
            // Within one segment the flat rule applies (`overlap_in_region`);
            // two held VPCs change nothing.
            if sa == sb {
                continue;
            }
            let clash = a
                .associated_cidrs()
                .find_map(|x| b.associated_cidrs().find(|y| x.overlaps(y)).map(|y| (x, y)));
            let Some((x, y)) = clash else { continue };
            let why = |other: &Vpc, s: &Option<Segment>| {
                let whose =
                    s.as_ref().map_or_else(|| "a held VPC".to_owned(), |s| format!("segment {s}"));
                format!(
                    "{x} and {y} overlap between segments: {} ({whose}) holds one; the peering table cannot route both, so neither is written and the routes that exist stay",
                    other.id
                )
            };
            if sa.is_some() {
                held.insert(a.id.clone(), why(b, sb));
            }
            if sb.is_some() {
                held.insert(b.id.clone(), why(a, sa));
            }
        }
    }
    for (id, why) in held {
        of.insert(id, Standing::Held(FindingCode::SegmentOverlap, why));
    }
}

/// In segment `segment`'s plan, the VPC route tables of another segment's
/// member VPC only lose what that VPC's segment does not reach (what a
/// move between segments left there, recorded in `segment`'s ledger):
/// nothing is written there, and no route its own segment's plan wants
/// (or a held VPC's) is withdrawn.
fn own_vpc_routes(
    observed: &Observed,
    config: &Config,
    standings: &BTreeMap<Region, BTreeMap<VpcId, Standing>>,
    segment: &Segment,
    part: &mut Plan,
) {
    let mut owner: BTreeMap<&VpcRouteTableId, (&Region, &Segment)> = BTreeMap::new();
    for (region, state) in &observed.regions {
        for t in state.vpc_route_tables.iter().flatten() {
            if let Some(Standing::Member(s)) = standings.get(region).and_then(|o| o.get(&t.vpc_id))
            {
                owner.insert(&t.id, (region, s));
            }
        }
    }
    // The remote CIDRs a segment reaches, and the held VPCs' (kept).
    let kept = |home: &Region, seg: &Segment, cidr: &crate::domain::Cidr| {
        observed.regions.iter().filter(|(r, _)| *r != home).any(|(r, state)| {
            state.vpcs.iter().any(|v| {
                let reached = match standings[r].get(&v.id) {
                    Some(Standing::Member(s)) => reaches(seg, s, config),
                    Some(Standing::Held(..)) => true,
                    Some(Standing::NotTagged) | None => false,
                };
                reached && v.cidrs.iter().any(|(c, _)| c == cidr)
            })
        })
    };
    part.actions.retain(|p| {
        let (table, cidr, withdrawal) = match &p.action {
            Action::DeleteVpcRoute { route_table_id, cidr, .. } => {
                (route_table_id, Some(cidr), true)
            }
            Action::DeleteVpcListRoute { route_table_id, .. } => (route_table_id, None, true),
            Action::CreateVpcRoute { route_table_id, .. }
            | Action::RetireVpcRoute { route_table_id, .. }
            | Action::CreateVpcListRoute { route_table_id, .. } => (route_table_id, None, false),
            peering_actions!() | ledger_actions!() | route_actions!() | reference_actions!() => {
                return true
            }
        };
        match owner.get(table) {
            Some((_, s)) if *s == segment => true,
            None => true,
            Some((home, s)) => withdrawal && cidr.is_none_or(|c| !kept(home, s, c)),
        }
    });
}

/// What segment `segment`'s plan reads: each Region's `segment` table as
/// its managed table, the lists of that table as its ledger, and the VPCs
/// the segment reaches as the tagged ones.
fn view_of(
    observed: &Observed,
    config: &Config,
    gateways: &[Gateway],
    standings: &BTreeMap<Region, BTreeMap<VpcId, Standing>>,
    segment: &Segment,
) -> Observed {
    let mut view = observed.clone();
    for gw in gateways {
        let Some(state) = view.regions.get_mut(&gw.region) else {
            continue;
        };
        let of = &standings[&gw.region];
        let mut managed = gw.clone();
        // The gateway's own transition, not the managed table's: that
        // table is one segment's, or the peering table.
        let own = state.transit_gateways.iter().find(|g| g.id == gw.transit_gateway_id);
        managed.transition = own
            .filter(|g| g.state != TgwState::Available)
            .map(|g| format!("transit gateway {} is {}", g.id, g.state));
        match gw.tables.segments.get(segment) {
            Some(table) => {
                // The managed table of the read is one of the others here.
                if let Some(t) = state.route_table.take() {
                    if !state.segment_tables.iter().any(|s| s.id == t.id) {
                        state.segment_tables.push(t);
                    }
                }
                let read = state.table(table).cloned();
                managed.partial = read.as_ref().and_then(|t| t.partial.clone());
                managed.route_table_id = table.clone();
                // A segment's table `pending` is waited for, as the
                // managed table is (`resolve_gateway`).
                let listed = state.route_tables.iter().flatten().find(|t| &t.id == table);
                if let Some(t) = listed.filter(|t| t.state != TgwState::Available) {
                    let why = format!("route table {table} ({segment}) is {}", t.state);
                    managed.transition = managed.transition.or(Some(why));
                }
                state.route_table = read;
            }
            None => {
                managed.no_segment_table = true;
                state.route_table = None;
            }
        }
        state.managed = Some(Ok(managed));
        state.ledger.retain(|l| l.is_of(segment));
        // A member's VPC route tables are in every view (another
        // segment's withdraws what it left there, `own_vpc_routes`); a held
        // VPC's in none: its routes stay.
        if let Some(tables) = state.vpc_route_tables.as_mut() {
            tables.retain(|t| !matches!(of.get(&t.vpc_id), Some(Standing::Held(..))));
        }
        for vpc in &mut state.vpcs {
            let (tagged, held) = match of.get(&vpc.id) {
                Some(Standing::Member(s)) => (reaches(segment, s, config), None),
                Some(Standing::Held(_, why)) => (true, Some(why.clone())),
                Some(Standing::NotTagged) | None => (false, None),
            };
            if tagged {
                vpc.tags.insert(config.tag_key.clone(), "true".to_owned());
            } else {
                vpc.tags.remove(&config.tag_key);
            }
            if let Some(why) = held {
                state.held_vpcs.insert(vpc.id.clone(), why);
            }
        }
    }
    view
}

/// The local leg of each Region, checked in the table its peerings are
/// associated with (the peering table, else the default segment's): each
/// advertised CIDR, of any segment, must be routed there toward its VPC's
/// attachment. Also the VPC reports, each with its segment.
fn local_legs(
    observed: &Observed,
    config: &Config,
    gateways: &[Gateway],
    standings: &BTreeMap<Region, BTreeMap<VpcId, Standing>>,
    out: &mut Plan,
) {
    for gw in gateways.iter().filter(|g| g.is_ready()) {
        let mut state = observed.regions[&gw.region].clone();
        let of = &standings[&gw.region];
        state.route_table = gw.tables.peering_table().and_then(|t| state.table(t)).cloned();
        if state.route_table.is_none() {
            let reason = format!(
                "segments are declared, but {} has no route table tagged tgw-peering:role=peering nor a default segment's: its peerings are associated with no table, and traffic arriving from the peer Regions is dropped",
                gw.transit_gateway_id
            );
            let subject = format!("transit gateway {}", gw.transit_gateway_id);
            out.found(FindingCode::NoPeeringTable, &gw.region, subject, reason);
        }
        for vpc in &mut state.vpcs {
            match of.get(&vpc.id) {
                Some(Standing::Member(_)) => {
                    vpc.tags.insert(config.tag_key.clone(), "true".to_owned());
                }
                Some(Standing::Held(_, why)) => {
                    state.held_vpcs.insert(vpc.id.clone(), why.clone());
                }
                Some(Standing::NotTagged) | None => {
                    vpc.tags.remove(&config.tag_key);
                }
            }
        }
        let cidrs = region_cidrs(&gw.region, &state, &config.tag_key);
        let mut leg = Plan::default();
        plan_local_leg(&gw.region, &state, &cidrs, &config.tag_key, &mut leg);
        for report in &mut leg.vpcs {
            match of.get(&report.vpc_id) {
                Some(Standing::Member(s)) => report.segment = Some(s.clone()),
                Some(Standing::Held(_, why)) => {
                    report.tagged = Some(true);
                    report.note = format!("held: {why}");
                }
                Some(Standing::NotTagged) | None => {}
            }
        }
        out.findings.append(&mut leg.findings);
        out.vpcs.append(&mut leg.vpcs);
    }
}

/// Adds one segment's plan to the whole: an action or finding two
/// segments share (a peering's request or association, a route of a VPC
/// table both withdraw) once.
fn merge(out: &mut Plan, part: Plan) {
    for p in part.actions {
        if !out.actions.iter().any(|q| q.action == p.action) {
            out.actions.push(p);
        }
    }
    for f in part.findings {
        if !out.findings.contains(&f) {
            out.findings.push(f);
        }
    }
    // One report per pair: the segments' views differ only in whether
    // they need it (the greater need holds).
    for p in part.peerings {
        let same = |q: &&mut PeeringReport| {
            (&q.requester, &q.accepter, &q.attachment_id, &q.state)
                == (&p.requester, &p.accepter, &p.attachment_id, &p.state)
        };
        match out.peerings.iter_mut().find(same) {
            Some(q) => q.need = q.need.max(p.need),
            None => out.peerings.push(p),
        }
    }
    out.tables.extend(part.tables);
    for t in part.vpc_tables {
        if !out.vpc_tables.contains(&t) {
            out.vpc_tables.push(t);
        }
    }
}

/// A pair that one segment's view finds no need to peer is still peered
/// when another segment's view requests it: its "not needed" findings go.
fn unneeded_peerings(out: &mut Plan) {
    let requested: BTreeSet<String> = out
        .actions
        .iter()
        .filter_map(|p| {
            let super::Action::CreatePeering { requester, accepter } = &p.action else {
                return None;
            };
            Some(format!("peering {} <-> {}", requester.region, accepter.region))
        })
        .collect();
    out.findings
        .retain(|f| f.code != FindingCode::PeeringNotNeeded || !requested.contains(&f.subject));
}
