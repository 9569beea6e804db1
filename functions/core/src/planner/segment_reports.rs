//! What the segments' plan reports beside its actions: the quota across
//! the gateway's tables, the segment × Region matrix, leaks, held VPCs and
//! table tags that give no segment.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{
    PrefixListId, Region, RouteTableId, RouteTarget, Segment, VpcId, TGW_ROUTES_QUOTA,
};
use crate::observed::{Gateway, Observed};

use super::quota::{as_read, other_tables};
use super::segments::{reaches, Standing};
use super::{Action, FindingCode, GatewayRoutes, Plan, SegmentCell};

/// AWS's route quota is per transit gateway, across all its tables
/// ("Transit Gateway quotas": "total combined routes (dynamic and static)
/// across all route tables for a single transit gateway", 10,000): each
/// table report of a Region carries the sum over the tables the tool reads
/// (its segments' tables, as planned, and its peering table, as read), and
/// names the tables it does not read, which are not counted.
pub(super) fn gateway_quota(observed: &Observed, gateways: &[Gateway], out: &mut Plan) {
    for gw in gateways {
        let state = &observed.regions[&gw.region];
        let read: BTreeSet<&RouteTableId> =
            gw.tables.segments.values().chain(&gw.tables.peering).collect();
        let planned: Vec<&super::TableReport> =
            out.tables.iter().filter(|t| t.region == gw.region).collect();
        let mut counted: usize = planned.iter().map(|t| t.quota.counted).sum();
        let mut after: usize = planned.iter().map(|t| t.quota.after_plan).sum();
        let sizes: BTreeMap<&PrefixListId, usize> =
            state.ledger.iter().map(|l| (&l.id, l.max_entries)).collect();
        for id in read.iter().filter(|id| !planned.iter().any(|t| &&t.route_table_id == *id)) {
            let n = state.table(id).map(|t| as_read(t, &sizes)).unwrap_or_default();
            counted += n;
            after += n;
        }
        let not_counted: Vec<RouteTableId> = other_tables(state, &gw.route_table_id)
            .into_iter()
            .chain(std::iter::once(gw.route_table_id.clone()))
            .filter(|id| !read.contains(id))
            .collect();
        let total = GatewayRoutes { counted, after_plan: after, tables: read.len() };
        for report in out.tables.iter_mut().filter(|t| t.region == gw.region) {
            report.quota.gateway = Some(total.clone());
            report.quota.not_counted = not_counted.clone();
        }
        if after > TGW_ROUTES_QUOTA && after > counted {
            let reason = format!(
                "after this plan the {} tables the tool reads count {after} routes together against the transit gateway's quota of {TGW_ROUTES_QUOTA} ({} other tables not counted; the quota is adjustable in Service Quotas): AWS may refuse the writes that pass it",
                read.len(),
                not_counted.len()
            );
            let subject = format!("transit gateway {}", gw.transit_gateway_id);
            out.found(FindingCode::RouteQuota, &gw.region, subject, reason);
        }
    }
}

/// A cell per segment and Region, from the plan's reports.
pub(super) fn matrix(gateways: &[Gateway], plan: &Plan) -> Vec<SegmentCell> {
    let segments: BTreeSet<&Segment> =
        gateways.iter().flat_map(|g| g.tables.segments.keys()).collect();
    let mut cells = Vec::new();
    for segment in segments {
        for gw in gateways {
            let table = gw.tables.segments.get(segment);
            let report = plan.tables.iter().find(|t| Some(&t.route_table_id) == table);
            let marked = |mark: super::RouteMark| {
                report.map_or(0, |t| t.routes.iter().filter(|r| r.mark == mark).count())
            };
            let vpcs_advertised = plan
                .vpcs
                .iter()
                .filter(|v| v.region == gw.region && v.advertised)
                .filter(|v| v.segment.as_ref() == Some(segment))
                .count();
            cells.push(SegmentCell {
                segment: segment.clone(),
                region: gw.region.clone(),
                route_table_id: table.cloned(),
                vpcs_advertised,
                routes: marked(super::RouteMark::Desired),
                missing: marked(super::RouteMark::Missing),
            });
        }
    }
    cells
}

/// A route toward a pair's peering in segment S's table for a CIDR of a
/// peer Region's VPC whose segment S may not reach (made by hand, or left
/// from another segment): a `leak` finding. S's plan withdraws it when S's
/// ledger records it (within the budget); else it is left as it is.
pub(super) fn report_leaks(
    observed: &Observed,
    config: &Config,
    gateways: &[Gateway],
    standings: &BTreeMap<Region, BTreeMap<VpcId, Standing>>,
    out: &mut Plan,
) {
    let peerings = observed.peerings();
    for gw in gateways {
        let peers = pair_peers(gw, gateways, &peerings);
        let state = &observed.regions[&gw.region];
        for (segment, table) in &gw.tables.segments {
            for route in state.table(table).iter().flat_map(|t| &t.routes) {
                let RouteTarget::Attachment(id) = &route.target else { continue };
                let Some(peer) = peers.get(id) else { continue };
                let owner = observed.regions[*peer].vpcs.iter().find_map(|v| {
                    match standings[*peer].get(&v.id) {
                        Some(Standing::Member(t)) if !reaches(segment, t, config) => {
                            v.associated_cidrs().any(|c| c.overlaps(&route.cidr)).then_some((v, t))
                        }
                        Some(Standing::Member(_) | Standing::NotTagged | Standing::Held(..))
                        | None => None,
                    }
                });
                let Some((vpc, other)) = owner else { continue };
                let withdrawn = out.actions.iter().any(|p| {
                    matches!(&p.action, Action::DeleteRoute { route_table_id, cidr, .. }
                        if route_table_id == table && *cidr == route.cidr)
                });
                let outcome = if withdrawn {
                    "withdrawn: segment's ledger records it"
                } else {
                    "left as it is: nothing proves it the tool's (remove it, or check how it came)"
                };
                let reason = format!(
                    "{} leads toward {} ({peer}), whose segment {other} segment {segment} may not reach; {outcome}",
                    route.cidr, vpc.id
                );
                let subject = format!("route {} in {table} ({segment})", route.cidr);
                out.found(FindingCode::Leak, &gw.region, subject, reason);
            }
        }
    }
}

/// The peerings between `gw` and another managed Region's gateway, with
/// the peer Region.
fn pair_peers<'a>(
    gw: &Gateway,
    gateways: &'a [Gateway],
    peerings: &'a [crate::domain::PeeringAttachment],
) -> BTreeMap<&'a crate::domain::AttachmentId, &'a Region> {
    peerings
        .iter()
        .filter_map(|p| {
            let (mine, other) = if p.requester.region == gw.region {
                (&p.requester, &p.accepter)
            } else {
                (&p.accepter, &p.requester)
            };
            let managed = gateways.iter().any(|g| {
                g.region == other.region && g.transit_gateway_id == other.transit_gateway_id
            });
            (mine.region == gw.region
                && mine.transit_gateway_id == gw.transit_gateway_id
                && other.region != gw.region
                && managed)
                .then_some((&p.id, &other.region))
        })
        .collect()
}

/// One finding per held VPC.
pub(super) fn report_held(standings: &BTreeMap<Region, BTreeMap<VpcId, Standing>>, out: &mut Plan) {
    for (region, of) in standings {
        for (vpc, standing) in of {
            if let Standing::Held(code, why) = standing {
                out.found(*code, region, format!("VPC {vpc}"), why.clone());
            }
        }
    }
}

/// A finding per table tag that gives no segment or role.
pub(super) fn report_tables(gateways: &[Gateway], out: &mut Plan) {
    for gw in gateways {
        for (table, why) in &gw.tables.invalid {
            let reason = format!("{why}; the table is not managed as a segment's");
            out.found(
                FindingCode::SegmentTagInvalid,
                &gw.region,
                format!("route table {table}"),
                reason,
            );
        }
    }
}
