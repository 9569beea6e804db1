//! A typed decision for every route, and the one place that turns
//! decisions into actions, findings, table reports and ledger needs.
//!
//! The rule functions of `tgw_table`, `tgw_routes` and `vpc_table` only
//! decide; [`record`] writes the outcome into the [`Plan`], with the wording
//! of the table kind the route belongs to, and tells the ledger which
//! entries the decision needs ([`LedgerNeeds`]).

use std::collections::BTreeSet;

use crate::domain::{
    Cidr, PrefixListId, Region, RouteTableId, RouteTarget, TransitGatewayId, VpcId, VpcRouteTableId,
};

use super::desired::vpc_list;
use super::ledger::LedgerNeeds;
use super::ownership::{KeepCause, WithdrawCause};
use super::peering::ReadyPeering;
use super::{Action, Finding, FindingCode, Plan, Planned, RouteMark, RouteReport};

/// What the planner decided for one route: a wanted one, or one present
/// in the table that nothing wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RouteDecision {
    /// Wanted and present as an exact route to the peering (or a route
    /// whose target AWS did not report: never rewritten). `adopt`: not in
    /// the ledger yet, on a peering the tool created: recorded now.
    Present { target_unreported: bool, adopt: bool },
    /// Wanted and covered by a supernet route to the same peering.
    Covered { by: Cidr },
    /// Wanted and absent: it is created.
    Missing,
    /// Wanted; the tool's route for it (per the ledger) goes elsewhere: a
    /// blackhole after its peering was deleted, or a peering that was
    /// replaced. It is moved onto the pair's peering.
    Moves { from: RouteTarget },
    /// Wanted, but something stands in the way: nothing is written.
    Conflict(ConflictCause),
    /// Wanted, and the tool's route (or its list's reference) is a
    /// blackhole that no deletion of the tool's peering explains: someone's
    /// isolation. Kept as it is, never re-activated nor retired; its entry
    /// stays.
    Isolated,
    /// Present, not wanted, and the tool's: it is removed.
    Withdraw(WithdrawCause),
    /// Present and not wanted, but not removed.
    Keep {
        cause: KeepCause,
        /// Why the rules would otherwise remove it.
        wanted_gone: Option<WithdrawCause>,
    },
}

/// Why a wanted route is not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ConflictCause {
    /// The CIDR overlaps an advertised CIDR of another Region, or two VPCs
    /// of its Region hold it (reported once, for the whole plan).
    OverlapBetweenRegions,
    /// The CIDR overlaps a CIDR of a VPC of the table's own Region.
    OverlapsLocal { own: Cidr, vpc: VpcId },
    /// The CIDR overlaps a route the table has propagated from a VPC
    /// attachment (that address space is a VPC's).
    OverlapsPropagated { route: Cidr, from: String },
    /// The CIDR equals, or contains, a route toward an attachment the tool
    /// does not manage (a VPN, Direct Connect, Connect…).
    ServedElsewhere { route: Cidr, toward: String },
    /// An exact route for the CIDR goes elsewhere (`to tgw-attach-…`, `as
    /// a blackhole`, `to igw-… (origin CreateRoute)`).
    RouteExists { target: String },
    /// The tool's route of the CIDR (or its list's reference) was pointed
    /// by someone at an attachment the tool never routes over (a cut-over
    /// to another gateway's peering, say): left alone, never moved back nor
    /// withdrawn, and no longer the tool's (its entry is released, unless
    /// its list is frozen).
    PointedElsewhere { target: RouteTarget },
}

impl ConflictCause {
    /// The code of its finding.
    fn code(&self) -> FindingCode {
        match self {
            ConflictCause::OverlapBetweenRegions => FindingCode::OverlapBetweenRegions,
            ConflictCause::OverlapsLocal { .. } => FindingCode::OverlapsLocalVpc,
            ConflictCause::OverlapsPropagated { .. } => FindingCode::OverlapsPropagatedRoute,
            ConflictCause::ServedElsewhere { .. } => FindingCode::ServedElsewhere,
            ConflictCause::RouteExists { .. } => FindingCode::RouteExists,
            ConflictCause::PointedElsewhere { .. } => FindingCode::PointedElsewhere,
        }
    }
}

/// The route table a decision applies to, and the peer Region whose CIDR
/// the route carries.
pub(super) enum Place<'a> {
    /// A transit gateway route table: routes toward the pair's peering.
    Transit {
        region: &'a Region,
        table: &'a RouteTableId,
        peer: &'a Region,
        /// The pair's peering, when it is available on this side.
        via: Option<&'a ReadyPeering>,
        /// The route is (or is wanted as) an entry of one of the tool's
        /// referenced lists, not a static route: the ledger's entry is the
        /// write (`ROUTE_MODE=prefix-list`), so the place itself has none.
        listed: bool,
    },
    /// A VPC route table of `vpc`: routes toward the Region's transit gateway.
    Vpc {
        region: &'a Region,
        table: &'a VpcRouteTableId,
        vpc: &'a VpcId,
        tgw: &'a TransitGatewayId,
        peer: &'a Region,
        /// The route is wanted as an entry of a list the table routes
        /// (`ROUTE_MODE=prefix-list`): the ledger's entry is the write.
        listed: bool,
    },
}

impl Place<'_> {
    fn region(&self) -> &Region {
        match self {
            Place::Transit { region, .. } | Place::Vpc { region, .. } => region,
        }
    }

    fn peer(&self) -> &Region {
        match self {
            Place::Transit { peer, .. } | Place::Vpc { peer, .. } => peer,
        }
    }

    fn via(&self) -> Option<&ReadyPeering> {
        match self {
            Place::Transit { via, .. } => *via,
            Place::Vpc { .. } => None,
        }
    }

    fn subject(&self, cidr: &Cidr) -> String {
        match self {
            Place::Transit { table, .. } => format!("route {cidr} in {table}"),
            Place::Vpc { table, vpc, .. } => format!("VPC route {cidr} in {table} ({vpc})"),
        }
    }

    fn target(&self) -> String {
        match self {
            Place::Transit { via, peer, .. } => {
                via.map_or_else(|| format!("the peering with {peer}"), |v| v.id.to_string())
            }
            Place::Vpc { tgw, .. } => tgw.to_string(),
        }
    }

    /// The write that adds the route, or (`from`: its present target)
    /// points it here. A transit gateway route needs the available
    /// peering; a VPC route is never moved.
    fn write(&self, cidr: Cidr, from: Option<RouteTarget>) -> Option<Action> {
        match (self, from) {
            (Place::Transit { listed: true, .. }, _) => None,
            (Place::Transit { region, table, via, .. }, from) => via.map(|v| {
                let (region, route_table_id) = ((*region).clone(), (*table).clone());
                let attachment_id = v.id.clone();
                match from {
                    None => Action::CreateRoute { region, route_table_id, cidr, attachment_id },
                    Some(from) => {
                        Action::ReplaceRoute { region, route_table_id, cidr, attachment_id, from }
                    }
                }
            }),
            (Place::Vpc { listed: true, .. }, _) => None,
            (Place::Vpc { region, table, tgw, .. }, None) => Some(Action::CreateVpcRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                transit_gateway_id: (*tgw).clone(),
            }),
            (Place::Vpc { .. }, Some(_)) => None,
        }
    }

    /// The write that removes the route; none for an entry of a referenced
    /// list (its entry's release removes it).
    fn delete(&self, cidr: Cidr, target: &RouteTarget) -> Option<Action> {
        Some(match self {
            Place::Transit { listed: true, .. } => return None,
            Place::Transit { region, table, .. } => Action::DeleteRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                target: target.clone(),
            },
            Place::Vpc { region, table, tgw, .. } => Action::DeleteVpcRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                transit_gateway_id: (*tgw).clone(),
            },
        })
    }

    /// The write that removes the tool's own route of `cidr` that `list`
    /// serves now.
    fn retire(&self, cidr: Cidr, list: &PrefixListId) -> Action {
        let prefix_list_id = list.clone();
        match self {
            Place::Transit { region, table, .. } => Action::RetireRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                prefix_list_id,
            },
            Place::Vpc { region, table, tgw, .. } => Action::RetireVpcRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                prefix_list_id,
                transit_gateway_id: (*tgw).clone(),
            },
        }
    }

    fn missing_reason(&self, cidr: &Cidr, owners: &BTreeSet<VpcId>) -> String {
        let (vpcs, peer) = (vpc_list(owners), self.peer());
        match self {
            Place::Transit { table, .. } => {
                format!("{cidr} of {vpcs} in {peer} has no route in {table}")
            }
            Place::Vpc { table, vpc, .. } => {
                format!("{cidr} of {vpcs} in {peer} has no route in {table} of tagged {vpc}")
            }
        }
    }
}

/// One decided route: where, which CIDR, who wants it, what the table
/// holds for it, whose ledger entry proves it the tool's, and the decision.
pub(super) struct Decided<'a> {
    pub place: Place<'a>,
    pub cidr: Cidr,
    /// The VPCs of the peer Region that want the route (none for a route
    /// nothing wants).
    pub owners: Option<&'a BTreeSet<VpcId>>,
    /// The route's target as the table holds it (for reports).
    pub target: RouteTarget,
    /// The peer Region whose ledger list holds the CIDR, if any.
    pub entry: Option<&'a Region>,
    pub decision: RouteDecision,
}

/// Turns one decision into its action, finding, report line and ledger need.
pub(super) fn record(
    d: Decided<'_>,
    out: &mut Plan,
    report: Option<&mut Vec<RouteReport>>,
    needs: &mut LedgerNeeds,
) {
    let empty = BTreeSet::new();
    let owners = d.owners.unwrap_or(&empty);
    let held = matches!(&d.decision, RouteDecision::Keep { cause: KeepCause::Held, .. });
    let (mark, note) = match &d.decision {
        // The route is someone's now: its entry goes with the ledger's
        // stale entries (a frozen list keeps it, see `ledger`).
        RouteDecision::Conflict(cause @ ConflictCause::PointedElsewhere { .. }) => {
            conflict(&d.place, d.cidr, owners, cause, out)
        }
        RouteDecision::Conflict(cause) => {
            keep_entry(&d, needs);
            conflict(&d.place, d.cidr, owners, cause, out)
        }
        RouteDecision::Isolated => {
            keep_entry(&d, needs);
            out.findings.push(Finding {
                code: FindingCode::Isolated,
                region: Some(d.place.region().clone()),
                subject: d.place.subject(&d.cidr),
                reason: format!(
                    "{} of {} in {} is wanted, but its route is a blackhole that no deletion of the tool's peering explains (someone's isolation): kept, never re-activated",
                    d.cidr,
                    vpc_list(owners),
                    d.place.peer()
                ),
            });
            (RouteMark::Isolated, "isolated: a blackhole set by someone".to_owned())
        }
        RouteDecision::Withdraw(cause @ WithdrawCause::ServedByList { list, .. }) => {
            // The route's entry stays: it is the list's route now.
            let action = d.place.retire(d.cidr, list);
            out.actions.push(Planned { action, reason: cause.reason(&d.cidr) });
            (RouteMark::Extra, cause.note())
        }
        RouteDecision::Withdraw(cause) => {
            if let Some(peer) = d.entry {
                needs.release.insert((peer.clone(), d.cidr));
            }
            if let Some(action) = d.place.delete(d.cidr, &d.target) {
                out.actions.push(Planned { action, reason: cause.reason(&d.cidr) });
            }
            (RouteMark::Extra, cause.note())
        }
        RouteDecision::Keep { cause, wanted_gone } => {
            keep_entry(&d, needs);
            let mark = cause.mark();
            out.findings.push(Finding {
                code: cause.code(),
                region: Some(d.place.region().clone()),
                subject: d.place.subject(&d.cidr),
                reason: cause.reason(d.place.peer(), d.place.via(), wanted_gone.as_ref(), &d.cidr),
            });
            (mark, cause.note())
        }
        RouteDecision::Present { .. }
        | RouteDecision::Covered { .. }
        | RouteDecision::Missing
        | RouteDecision::Moves { .. } => wanted(&d, owners, out, needs),
    };
    if let (Some(report), Place::Transit { .. }) = (report, &d.place) {
        report.push(RouteReport { cidr: d.cidr, target: d.target, mark, note, held });
    }
}

/// A wanted route present, covered, missing or moving: its write, if any,
/// and its ledger entry (needed before the write).
fn wanted(
    d: &Decided<'_>,
    owners: &BTreeSet<VpcId>,
    out: &mut Plan,
    needs: &mut LedgerNeeds,
) -> (RouteMark, String) {
    let (peer, cidr) = (d.place.peer(), d.cidr);
    let wanted_by = format!("{peer}: {}", vpc_list(owners));
    let mut entry = || {
        needs.add.insert((peer.clone(), cidr), owners.clone());
    };
    match &d.decision {
        RouteDecision::Present { target_unreported, adopt } => {
            if *adopt || d.entry == Some(peer) {
                entry();
            }
            let note = if *target_unreported {
                "static route exists; its target was not reported".to_owned()
            } else {
                wanted_by
            };
            (RouteMark::Desired, note)
        }
        RouteDecision::Missing => {
            entry();
            if let Some(action) = d.place.write(cidr, None) {
                out.actions.push(Planned { action, reason: d.place.missing_reason(&cidr, owners) });
            }
            (RouteMark::Missing, wanted_by)
        }
        RouteDecision::Moves { from } => {
            entry();
            if let Some(action) = d.place.write(cidr, Some(from.clone())) {
                let reason = format!(
                    "the tool's route for {cidr} goes to {from}; {cidr} of {} in {peer} goes over {}",
                    vpc_list(owners),
                    d.place.target()
                );
                out.actions.push(Planned { action, reason });
            }
            (RouteMark::Missing, format!("moves from {from}; {wanted_by}"))
        }
        RouteDecision::Covered { by } => (RouteMark::Desired, format!("covered by {by}")),
        RouteDecision::Conflict(_)
        | RouteDecision::Isolated
        | RouteDecision::Withdraw(_)
        | RouteDecision::Keep { .. } => (RouteMark::Extra, String::new()),
    }
}

/// A route that stays keeps its ledger entry.
fn keep_entry(d: &Decided<'_>, needs: &mut LedgerNeeds) {
    if let Some(peer) = d.entry {
        needs.keep.insert((peer.clone(), d.cidr));
    }
}

/// A wanted route that is not written: a finding (except for overlaps
/// between Regions, reported once for the plan) and its report line.
fn conflict(
    place: &Place<'_>,
    cidr: Cidr,
    owners: &BTreeSet<VpcId>,
    cause: &ConflictCause,
    out: &mut Plan,
) -> (RouteMark, String) {
    let (vpcs, peer, region) = (vpc_list(owners), place.peer(), place.region());
    let wanted = format!("{cidr} of {vpcs} in {peer}");
    let (reason, note) = match cause {
        ConflictCause::OverlapBetweenRegions => {
            return (RouteMark::Conflict, "overlaps another advertised CIDR".to_owned())
        }
        ConflictCause::OverlapsLocal { own, vpc } => (
            format!("{wanted} overlaps {own} of {vpc} in {region}; a static route would take that VPC's traffic, so none is written"),
            format!("overlaps {own} of {vpc} in this Region"),
        ),
        ConflictCause::OverlapsPropagated { route, from } => (
            format!("{wanted} overlaps {route}, propagated from {from}; a static route would take that VPC's traffic, so none is written"),
            format!("overlaps {route} propagated from {from}"),
        ),
        ConflictCause::ServedElsewhere { route, toward } => (
            format!("{wanted} would take the traffic of {route}, routed toward {toward} (not managed by tgw-peering); none is written"),
            format!("{route} goes toward {toward}"),
        ),
        ConflictCause::RouteExists { target } => {
            let kind = if matches!(place, Place::Transit { .. }) { "a static route" } else { "a route" };
            (
                format!("wanted toward {} for {vpcs} in {peer}, but {kind} exists {target}; not overwritten", place.target()),
                format!("{kind} exists {target}"),
            )
        }
        ConflictCause::PointedElsewhere { target } => (
            format!("the tool's route of {wanted} was pointed at {target} by someone else (not a peering between the managed gateways); left alone, never moved back, and no longer the tool's"),
            format!("pointed at {target} by someone else"),
        ),
    };
    out.findings.push(Finding {
        code: cause.code(),
        region: Some(region.clone()),
        subject: place.subject(&cidr),
        reason,
    });
    (RouteMark::Conflict, note)
}
