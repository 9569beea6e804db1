//! A typed decision for every route, and the one place that turns
//! decisions into actions, findings and table reports.
//!
//! The rule functions of `tgw_table` and `vpc_table` only decide; [`record`]
//! writes the outcome into the [`Plan`], with the wording of the table kind
//! the route belongs to.

use std::collections::BTreeSet;
use std::fmt;

use crate::domain::{
    AttachmentId, Cidr, Region, RouteTableId, RouteTarget, TransitGatewayId, VpcId, VpcRouteTableId,
};

use super::desired::vpc_list;
use super::ownership::{KeepCause, WithdrawCause};
use super::peering::ReadyPeering;
use super::{Action, Finding, FindingKind, Plan, Planned, RouteMark, RouteReport};

/// What the planner decided for one route: a wanted one, or one present
/// in the table toward a managed peering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RouteDecision {
    /// Wanted and present as an exact route to the peering (or a route
    /// whose target AWS did not report: never rewritten).
    Present { target_unreported: bool },
    /// Wanted and covered by a supernet route to the same peering.
    Covered { by: Cidr },
    /// Wanted and absent: it is created.
    Missing,
    /// Wanted, but a route to another of the Region's peerings holds the
    /// CIDR, and that route is the tool's to withdraw: it is removed first;
    /// the next reconcile adds the new route.
    Moves {
        from: AttachmentId,
        cause: WithdrawCause,
    },
    /// Wanted, but something stands in the way: nothing is written.
    Conflict(ConflictCause),
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
    /// The CIDR overlaps a tagged CIDR of another Region (reported once,
    /// for the whole plan).
    OverlapBetweenRegions,
    /// The CIDR overlaps a CIDR of a VPC of the table's own Region.
    OverlapsLocal { own: Cidr, vpc: VpcId },
    /// An exact route for the CIDR goes elsewhere (`to tgw-attach-…`, `as
    /// a blackhole`, `to igw-… (origin CreateRoute)`).
    RouteExists { target: String },
}

/// The route table a decision applies to, and the peering the route goes
/// over.
pub(super) enum Place<'a> {
    /// A transit gateway route table: routes toward the peering.
    Transit {
        region: &'a Region,
        table: &'a RouteTableId,
        via: &'a ReadyPeering,
    },
    /// A VPC route table of `vpc`: routes toward the Region's transit gateway.
    Vpc {
        region: &'a Region,
        table: &'a VpcRouteTableId,
        vpc: &'a VpcId,
        tgw: &'a TransitGatewayId,
        via: &'a ReadyPeering,
    },
}

impl Place<'_> {
    fn region(&self) -> &Region {
        match self {
            Place::Transit { region, .. } | Place::Vpc { region, .. } => region,
        }
    }

    fn via(&self) -> &ReadyPeering {
        match self {
            Place::Transit { via, .. } | Place::Vpc { via, .. } => via,
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
            Place::Transit { via, .. } => via.id.to_string(),
            Place::Vpc { tgw, .. } => tgw.to_string(),
        }
    }

    fn create(&self, cidr: Cidr) -> Action {
        match self {
            Place::Transit { region, table, via } => Action::CreateRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                attachment_id: via.id.clone(),
            },
            Place::Vpc {
                region, table, tgw, ..
            } => Action::CreateVpcRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                transit_gateway_id: (*tgw).clone(),
            },
        }
    }

    fn delete(&self, cidr: Cidr, attachment: &AttachmentId) -> Action {
        match self {
            Place::Transit { region, table, .. } => Action::DeleteRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                attachment_id: attachment.clone(),
            },
            Place::Vpc {
                region, table, tgw, ..
            } => Action::DeleteVpcRoute {
                region: (*region).clone(),
                route_table_id: (*table).clone(),
                cidr,
                transit_gateway_id: (*tgw).clone(),
            },
        }
    }

    fn missing_reason(&self, cidr: &Cidr, owners: &BTreeSet<VpcId>) -> String {
        let (vpcs, peer) = (vpc_list(owners), &self.via().peer);
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
/// holds for it, and the decision.
pub(super) struct Decided<'a> {
    pub place: Place<'a>,
    pub cidr: Cidr,
    /// The VPCs of the peer Region that want the route (empty for a route
    /// nothing wants).
    pub owners: Option<&'a BTreeSet<VpcId>>,
    /// The route's target as the table holds it (for reports).
    pub target: RouteTarget,
    pub decision: RouteDecision,
}

/// Turns one decision into its action, finding and report line.
pub(super) fn record(d: Decided<'_>, out: &mut Plan, report: Option<&mut Vec<RouteReport>>) {
    let Decided {
        place,
        cidr,
        owners,
        target,
        decision,
    } = d;
    let empty = BTreeSet::new();
    let owners = owners.unwrap_or(&empty);
    let wanted_by = format!("{}: {}", place.via().peer, vpc_list(owners));
    let (mark, note) = match decision {
        RouteDecision::Present { target_unreported } => (
            RouteMark::Desired,
            if target_unreported {
                "static route exists; its target was not reported".to_owned()
            } else {
                wanted_by
            },
        ),
        RouteDecision::Covered { by } => (RouteMark::Desired, format!("covered by {by}")),
        RouteDecision::Missing => {
            out.actions.push(Planned {
                action: place.create(cidr),
                reason: place.missing_reason(&cidr, owners),
            });
            (RouteMark::Missing, wanted_by)
        }
        RouteDecision::Moves { from, cause } => {
            out.actions.push(Planned {
                action: place.delete(cidr, &from),
                reason: format!(
                    "{}; {cidr} now belongs to {} in {}",
                    cause.reason(&cidr),
                    vpc_list(owners),
                    place.via().peer
                ),
            });
            (
                RouteMark::Missing,
                format!("moves from {from}; {wanted_by}"),
            )
        }
        RouteDecision::Conflict(cause) => conflict(&place, cidr, owners, cause, out),
        RouteDecision::Withdraw(cause) => {
            let attachment = match &target {
                RouteTarget::Attachment(id) => id.clone(),
                _ => place.via().id.clone(),
            };
            out.actions.push(Planned {
                action: place.delete(cidr, &attachment),
                reason: cause.reason(&cidr),
            });
            (RouteMark::Extra, cause.note())
        }
        RouteDecision::Keep { cause, wanted_gone } => {
            out.findings.push(Finding {
                kind: FindingKind::Skip,
                region: Some(place.region().clone()),
                subject: place.subject(&cidr),
                reason: cause.reason(place.via(), wanted_gone.as_ref(), &cidr),
            });
            (RouteMark::Extra, cause.note())
        }
    };
    if let (Some(report), Place::Transit { .. }) = (report, &place) {
        report.push(RouteReport {
            cidr,
            target,
            mark,
            note,
        });
    }
}

/// A wanted route that is not written: a finding (except for overlaps
/// between Regions, reported once for the plan) and its report line.
fn conflict(
    place: &Place<'_>,
    cidr: Cidr,
    owners: &BTreeSet<VpcId>,
    cause: ConflictCause,
    out: &mut Plan,
) -> (RouteMark, String) {
    let (vpcs, peer, region) = (vpc_list(owners), &place.via().peer, place.region());
    let (reason, note) = match cause {
        ConflictCause::OverlapBetweenRegions => {
            return (
                RouteMark::Conflict,
                "overlaps a tagged CIDR of another Region".to_owned(),
            )
        }
        ConflictCause::OverlapsLocal { own, vpc } => (
            format!(
                "{cidr} of {vpcs} in {peer} overlaps {own} of {vpc} in {region}; a static route would take that VPC's traffic, so none is written"
            ),
            format!("overlaps {own} of {vpc} in this Region"),
        ),
        ConflictCause::RouteExists { target } => match place {
            Place::Transit { .. } => (
                format!(
                    "wanted toward {} for {vpcs} in {peer}, but a static route exists {target}; not overwritten",
                    place.target()
                ),
                format!("a static route exists {target}"),
            ),
            Place::Vpc { .. } => (
                format!(
                    "wanted toward {} for {vpcs} in {peer}, but a route exists {target}; not overwritten",
                    place.target()
                ),
                format!("a route exists {target}"),
            ),
        },
    };
    out.findings.push(Finding {
        kind: FindingKind::Conflict,
        region: Some(region.clone()),
        subject: place.subject(&cidr),
        reason,
    });
    (RouteMark::Conflict, note)
}

impl fmt::Display for ConflictCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConflictCause::OverlapBetweenRegions => {
                f.write_str("overlaps a tagged CIDR of another Region")
            }
            ConflictCause::OverlapsLocal { own, vpc } => {
                write!(f, "overlaps {own} of {vpc} in this Region")
            }
            ConflictCause::RouteExists { target } => write!(f, "a route exists {target}"),
        }
    }
}
