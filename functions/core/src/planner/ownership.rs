//! The removal rules, shared by transit gateway route tables and VPC route
//! tables: a route that nothing wants is removed only when it is proven to
//! be the tool's, and never when it is protected.
//!
//! [`removal`] applies them in order: `PROTECTED_CIDRS` keeps it; a CIDR
//! in an overlap conflict is kept; a peering the tool did not create keeps
//! its routes; proven ownership withdraws it; `PRUNE_ROUTES` (transit
//! gateway tables only) withdraws it; anything else is kept.

use crate::domain::{Cidr, Region, VpcId};

use super::decision::RouteDecision;
use super::peering::ReadyPeering;

/// Why a route is the tool's to withdraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WithdrawCause {
    /// The CIDR belongs to a VPC of the peer Region that is no longer
    /// tagged, or is no longer associated with it (`why` says which).
    Released {
        vpc: VpcId,
        why: &'static str,
        peer: Region,
    },
    /// Nothing in the peer Region has the CIDR, and `PRUNE_ROUTES=true`.
    Pruned { peer: Region },
    /// A VPC route table of an untagged VPC holds a route the tool writes
    /// only for tagged VPCs (`owners` in `peer` have the CIDR).
    TableOfUntaggedVpc {
        vpc: VpcId,
        owners: String,
        peer: Region,
    },
}

impl WithdrawCause {
    /// The reason of the removal.
    pub fn reason(&self, cidr: &Cidr) -> String {
        match self {
            WithdrawCause::Released { vpc, why, peer } => format!("{why} {vpc} in {peer}"),
            WithdrawCause::Pruned { peer } => {
                format!("no tagged VPC in {peer} has {cidr} (PRUNE_ROUTES=true)")
            }
            WithdrawCause::TableOfUntaggedVpc { vpc, owners, peer } => {
                format!("{vpc} is not tagged; {cidr} is of {owners} in {peer}")
            }
        }
    }

    /// The short note of `status`.
    pub fn note(&self) -> String {
        match self {
            WithdrawCause::Released { vpc, why, .. } => format!("withdrawn: {why} {vpc}"),
            WithdrawCause::Pruned { .. } => "pruned".to_owned(),
            WithdrawCause::TableOfUntaggedVpc { vpc, .. } => format!("{vpc} is not tagged"),
        }
    }
}

/// Why a route that nothing wants stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeepCause {
    /// Inside `PROTECTED_CIDRS`.
    Protected,
    /// Its CIDR is part of an overlap conflict.
    InOverlap,
    /// The peering was not created by tgw-peering.
    UnmanagedPeering,
    /// Nothing proves it is the tool's, and `PRUNE_ROUTES` is off.
    NotProven,
}

impl KeepCause {
    /// The reason of the finding; `gone` is why the rules would otherwise
    /// remove the route, if they would.
    pub fn reason(&self, via: &ReadyPeering, gone: Option<&WithdrawCause>, cidr: &Cidr) -> String {
        let lead = gone.map_or_else(|| "no tagged VPC wants it".to_owned(), |g| g.reason(cidr));
        match self {
            KeepCause::Protected => format!("{lead}, but it is in PROTECTED_CIDRS; kept"),
            KeepCause::InOverlap => {
                "its CIDR is part of an overlap conflict; kept until the conflict is resolved"
                    .to_owned()
            }
            KeepCause::UnmanagedPeering => format!(
                "{lead}, but the peering {} was not created by tgw-peering; routes on it are never removed",
                via.id
            ),
            KeepCause::NotProven => format!(
                "points at the peering with {} but matches no VPC there; kept (PRUNE_ROUTES is off)",
                via.peer
            ),
        }
    }

    /// The short note of `status`.
    pub fn note(&self) -> String {
        match self {
            KeepCause::Protected => "protected by PROTECTED_CIDRS",
            KeepCause::InOverlap => "overlapping CIDR",
            KeepCause::UnmanagedPeering => "on a peering not created by tgw-peering",
            KeepCause::NotProven => "not proven to be owned",
        }
        .to_owned()
    }
}

/// What the removal rules know of one route that nothing wants.
pub(super) struct Claim<'a> {
    /// The peering the route goes over, as this Region sees it.
    pub via: &'a ReadyPeering,
    /// Inside `PROTECTED_CIDRS`.
    pub protected: bool,
    /// The CIDR is part of an overlap conflict.
    pub in_conflict: bool,
    /// Why the route is proven the tool's, if it is.
    pub owned: Option<WithdrawCause>,
    /// `PRUNE_ROUTES=true` applies to this table.
    pub prune: bool,
}

/// The removal rules, in order: withdraw the route or keep it.
pub(super) fn removal(claim: Claim<'_>) -> RouteDecision {
    let keep = |cause: KeepCause, gone: Option<WithdrawCause>| RouteDecision::Keep {
        cause,
        wanted_gone: gone,
    };
    if claim.protected {
        keep(KeepCause::Protected, claim.owned)
    } else if claim.in_conflict {
        keep(KeepCause::InOverlap, claim.owned)
    } else if !claim.via.managed {
        keep(KeepCause::UnmanagedPeering, claim.owned)
    } else if let Some(cause) = claim.owned {
        RouteDecision::Withdraw(cause)
    } else if claim.prune {
        RouteDecision::Withdraw(WithdrawCause::Pruned {
            peer: claim.via.peer.clone(),
        })
    } else {
        keep(KeepCause::NotProven, None)
    }
}
