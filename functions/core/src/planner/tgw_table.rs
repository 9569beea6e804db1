//! The routes of one transit gateway route table: in each Region's table,
//! every tagged CIDR of every peer Region, toward that pair's peering.
//!
//! Rules, one function each:
//! - [`table_peerings`]: routes go only over peerings available on this
//!   side, each associated with the table;
//! - [`wanted_routes`]: a remote CIDR in an overlap (between Regions, or
//!   with a VPC of this Region) is a conflict, never a route;
//! - [`decide_wanted`]: present, covered by a supernet to the same
//!   peering, missing, moving from another peering, or in conflict with a
//!   route that goes elsewhere;
//! - [`decide_extra`]: a route toward a managed peering that nothing
//!   wants goes through the shared removal rules (`ownership`).

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{AttachmentId, Cidr, PeeringState, Region, RouteTarget, StaticRoute, VpcId};
use crate::observed::{Gateway, RouteTableState};

use super::decision::{record, ConflictCause, Decided, Place, RouteDecision};
use super::desired::{local_cidrs, overlapping_local};
use super::ownership::{removal, Claim, WithdrawCause};
use super::peering::ReadyPeering;
use super::{Action, Finding, FindingKind, Plan, Planned, RouteReport, TableContext, TableReport};

/// A wanted route: the peering it goes over and the VPCs that want it.
struct Want<'a> {
    via: &'a ReadyPeering,
    owners: &'a BTreeSet<VpcId>,
}

/// What the rules of one table read.
struct Table<'a> {
    gw: &'a Gateway,
    ctx: &'a TableContext<'a>,
    /// The available peerings of this Region's pairs, by attachment.
    ours: BTreeMap<&'a AttachmentId, &'a ReadyPeering>,
    existing: BTreeMap<Cidr, &'a StaticRoute>,
    /// Remote CIDRs that overlap a VPC of this Region.
    local_conflicts: BTreeSet<Cidr>,
}

/// Plans the associations and routes of `gw`'s route table.
pub(super) fn plan_table(
    gw: &Gateway,
    pairs: &[ReadyPeering],
    ctx: &TableContext<'_>,
    out: &mut Plan,
) {
    let state = &ctx.observed.regions[&gw.region];
    let empty = RouteTableState {
        id: gw.route_table_id.clone(),
        static_routes: Vec::new(),
        associations: BTreeSet::new(),
        truncated: false,
    };
    let read = state
        .route_table
        .as_ref()
        .filter(|t| t.id == gw.route_table_id)
        .unwrap_or(&empty);
    let mut table = Table {
        gw,
        ctx,
        ours: table_peerings(gw, pairs, ctx, read, out),
        existing: read.static_routes.iter().map(|r| (r.cidr, r)).collect(),
        local_conflicts: BTreeSet::new(),
    };
    let mut report = Vec::new();
    let wanted = wanted_routes(&mut table, out, &mut report);
    let mut covering = BTreeSet::new();
    for (cidr, want) in &wanted {
        let (decision, cover) = decide_wanted(&table, cidr, want);
        covering.extend(cover);
        let target = RouteTarget::Attachment(want.via.id.clone());
        let place = table.place(want.via);
        let d = Decided {
            place,
            cidr: *cidr,
            owners: Some(want.owners),
            target,
            decision,
        };
        record(d, out, Some(&mut report));
    }
    for route in &read.static_routes {
        // Wanted CIDRs were handled above, whatever their route's target.
        if !wanted.contains_key(&route.cidr) && !covering.contains(&route.cidr) {
            decide_extra(&table, route, out, &mut report);
        }
    }
    if read.truncated {
        out.findings.push(Finding {
            kind: FindingKind::Skip,
            region: Some(gw.region.clone()),
            subject: format!("route table {}", gw.route_table_id),
            reason: "more static routes exist than one search returns (1,000); routes beyond those may be planned again (harmless: RouteAlreadyExists) and extras beyond them are not seen".to_owned(),
        });
    }
    report.sort_by_key(|r| r.cidr);
    out.tables.push(TableReport {
        region: gw.region.clone(),
        route_table_id: gw.route_table_id.clone(),
        routes: report,
    });
}

impl<'a> Table<'a> {
    fn region(&self) -> &'a Region {
        &self.gw.region
    }

    fn place(&self, via: &'a ReadyPeering) -> Place<'a> {
        Place::Transit {
            region: &self.gw.region,
            table: &self.gw.route_table_id,
            via,
        }
    }

    /// A CIDR in any overlap conflict gets no write at all, on any peering.
    fn in_conflict(&self, cidr: &Cidr) -> bool {
        self.local_conflicts.contains(cidr) || self.ctx.conflicted.iter().any(|(_, c)| c == cidr)
    }

    /// The removal rules for a route on `via` that nothing wants.
    fn removal(&self, cidr: &Cidr, via: &ReadyPeering) -> RouteDecision {
        let owned = self.ctx.cidrs[&via.peer]
            .withdrawn
            .get(cidr)
            .map(|(vpc, why)| WithdrawCause::Released {
                vpc: vpc.clone(),
                why,
                peer: via.peer.clone(),
            });
        removal(Claim {
            via,
            protected: self.ctx.config.is_protected(cidr),
            in_conflict: self.in_conflict(cidr),
            owned,
            prune: self.ctx.config.prune_routes,
        })
    }
}

/// The peerings whose routes go into this table: available on this side
/// (else a wait), and associated with the table (else an association).
fn table_peerings<'a>(
    gw: &Gateway,
    pairs: &'a [ReadyPeering],
    ctx: &TableContext<'_>,
    read: &RouteTableState,
    out: &mut Plan,
) -> BTreeMap<&'a AttachmentId, &'a ReadyPeering> {
    let (region, rt) = (&gw.region, &gw.route_table_id);
    let mut ours = BTreeMap::new();
    for ready in pairs {
        let side = ctx
            .peerings
            .iter()
            .find(|p| p.id == ready.id)
            .map(|p| p.state_in(region));
        if let Some(s) = side.filter(|s| *s != PeeringState::Available) {
            out.findings.push(Finding {
                kind: FindingKind::Waiting,
                region: Some(region.clone()),
                subject: format!("peering {}", ready.id),
                reason: format!("state is {s} on this side; routes wait until it is available"),
            });
            continue;
        }
        ours.insert(&ready.id, ready);
        if !read.associations.contains(&ready.id) {
            out.actions.push(Planned {
                action: Action::AssociateRouteTable {
                    region: region.clone(),
                    route_table_id: rt.clone(),
                    attachment_id: ready.id.clone(),
                },
                reason: format!(
                    "the peering with {} is not associated with {rt}",
                    ready.peer
                ),
            });
        }
    }
    ours
}

/// Every tagged CIDR of every peer Region, toward that pair's peering,
/// except those in an overlap conflict (recorded as conflicts here).
fn wanted_routes<'a>(
    table: &mut Table<'a>,
    out: &mut Plan,
    report: &mut Vec<RouteReport>,
) -> BTreeMap<Cidr, Want<'a>> {
    // Every CIDR of this Region's own VPCs, tagged or not: a static route
    // for an overlapping remote CIDR would take their traffic away from
    // their attachment (a static route wins over a propagated one).
    let ctx = table.ctx;
    let local = local_cidrs(&ctx.observed.regions[table.region()]);
    let mut wanted = BTreeMap::new();
    let vias: Vec<&'a ReadyPeering> = table.ours.values().copied().collect();
    for via in vias {
        for (cidr, owners) in &ctx.cidrs[&via.peer].tagged {
            let conflict = if ctx.conflicted.contains(&(via.peer.clone(), *cidr)) {
                Some(ConflictCause::OverlapBetweenRegions)
            } else if let Some((own, vpc)) = overlapping_local(&local, cidr) {
                table.local_conflicts.insert(*cidr);
                Some(ConflictCause::OverlapsLocal {
                    own,
                    vpc: vpc.clone(),
                })
            } else {
                None
            };
            match conflict {
                Some(cause) => record(
                    Decided {
                        place: table.place(via),
                        cidr: *cidr,
                        owners: Some(owners),
                        target: RouteTarget::Attachment(via.id.clone()),
                        decision: RouteDecision::Conflict(cause),
                    },
                    out,
                    Some(report),
                ),
                None => {
                    wanted.insert(*cidr, Want { via, owners });
                }
            }
        }
    }
    wanted
}

/// A wanted route against what the table holds for its CIDR; also the
/// covering supernet, when one satisfies it.
fn decide_wanted(table: &Table<'_>, cidr: &Cidr, want: &Want<'_>) -> (RouteDecision, Option<Cidr>) {
    let target = RouteTarget::Attachment(want.via.id.clone());
    match table.existing.get(cidr).map(|r| &r.target) {
        Some(t) if *t == target => (
            RouteDecision::Present {
                target_unreported: false,
            },
            None,
        ),
        Some(RouteTarget::Unknown) => (
            RouteDecision::Present {
                target_unreported: true,
            },
            None,
        ),
        Some(other) => (moved_or_conflict(table, cidr, other), None),
        None => {
            let cover = cidr
                .supernets()
                .find(|s| table.existing.get(s).is_some_and(|r| r.target == target));
            match cover {
                Some(by) => (RouteDecision::Covered { by }, Some(by)),
                None => (RouteDecision::Missing, None),
            }
        }
    }
}

/// A wanted CIDR whose route goes elsewhere: if it goes over another of
/// this Region's peerings and is the tool's to withdraw there, it moves
/// (withdrawn now, added by the next reconcile); otherwise a conflict.
fn moved_or_conflict(table: &Table<'_>, cidr: &Cidr, other: &RouteTarget) -> RouteDecision {
    if let RouteTarget::Attachment(id) = other {
        if let Some(via) = table.ours.get(id) {
            if let RouteDecision::Withdraw(cause) = table.removal(cidr, via) {
                return RouteDecision::Moves {
                    from: id.clone(),
                    cause,
                };
            }
        }
    }
    let target = match other {
        RouteTarget::Attachment(id) => format!("to {id}"),
        RouteTarget::Blackhole => "as a blackhole".to_owned(),
        RouteTarget::Unknown => "to an unknown target".to_owned(),
    };
    RouteDecision::Conflict(ConflictCause::RouteExists { target })
}

/// A static route that nothing wants: over one of this Region's available
/// peerings, it goes through the removal rules; a blackhole, or a route to
/// an attachment the tool does not manage, is never touched; a route whose
/// target AWS did not report is never deleted (and said so when it would be).
fn decide_extra(
    table: &Table<'_>,
    route: &StaticRoute,
    out: &mut Plan,
    report: &mut Vec<RouteReport>,
) {
    match &route.target {
        RouteTarget::Attachment(id) => {
            if let Some(via) = table.ours.get(id) {
                let decision = table.removal(&route.cidr, via);
                let place = table.place(via);
                let d = Decided {
                    place,
                    cidr: route.cidr,
                    owners: None,
                    target: route.target.clone(),
                    decision,
                };
                record(d, out, Some(report));
            }
        }
        RouteTarget::Unknown => {
            let withdrawn = table
                .ctx
                .cidrs
                .iter()
                .filter(|(r, _)| *r != table.region())
                .find_map(|(peer, rc)| rc.withdrawn.get(&route.cidr).map(|(vpc, _)| (peer, vpc)));
            if let Some((peer, vpc)) = withdrawn {
                out.findings.push(Finding {
                    kind: FindingKind::Skip,
                    region: Some(table.region().clone()),
                    subject: format!("route {} in {}", route.cidr, table.gw.route_table_id),
                    reason: format!(
                        "{vpc} in {peer} is no longer tagged, but the route's target was not reported; not deleted"
                    ),
                });
            }
        }
        RouteTarget::Blackhole => {}
    }
}
