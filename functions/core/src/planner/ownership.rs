//! The removal rules, shared by transit gateway route tables and VPC route
//! tables: a route that nothing wants is removed only when it is proven to
//! be the tool's, never when it is protected, and never more of them at
//! once than the withdrawal budget allows.
//!
//! [`removal`] applies the rules in order: `PROTECTED_CIDRS` keeps it; a
//! CIDR in an overlap conflict is kept; a ledger entry (the only proof of
//! ownership) withdraws it; outside the ledger, a route on a peering the
//! tool did not create is kept, and `PRUNE_ROUTES` (transit gateway tables
//! only) withdraws one on a managed peering; anything else is kept.
//! [`hold_over_budget`] then keeps every withdrawal of a table that plans
//! more than its budget.

use crate::config::Config;
use crate::domain::{Cidr, PrefixListId, Region, VpcId};

use super::decision::{Decided, RouteDecision};
use super::peering::ReadyPeering;
use super::{Finding, FindingCode, Plan, RouteMark};

/// Why a route is the tool's to withdraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WithdrawCause {
    /// The CIDR belongs to a VPC of the peer Region that is no longer
    /// advertised (`why` says why: untagged, block released, no
    /// attachment).
    Released { vpc: VpcId, why: &'static str, peer: Region },
    /// No VPC of the peer Region has the CIDR any more (deleted); the
    /// ledger entry names what it was.
    Gone { entry: String, peer: Region },
    /// Nothing in the peer Region has the CIDR, it is outside the ledger,
    /// and `PRUNE_ROUTES=true`.
    Pruned { peer: Region },
    /// `ROUTE_MODE=prefix-list`: the tool's static route is served now by
    /// an entry of the tool's referenced list toward the same peering.
    ServedByList { list: PrefixListId, peer: Region },
    /// A VPC route table of an untagged VPC holds a route the tool writes
    /// only for tagged VPCs (`owners` in `peer` have the CIDR).
    TableOfUntaggedVpc { vpc: VpcId, owners: String, peer: Region },
}

impl WithdrawCause {
    /// The reason of the removal.
    pub fn reason(&self, cidr: &Cidr) -> String {
        match self {
            WithdrawCause::Released { vpc, why, peer } => format!("{why} {vpc} in {peer}"),
            WithdrawCause::Gone { entry, peer } => format!(
                "no VPC of {peer} has {cidr} any more (deleted?); the tool's ledger recorded it for {entry}"
            ),
            WithdrawCause::Pruned { peer } => {
                format!("no tagged VPC in {peer} has {cidr} (PRUNE_ROUTES=true)")
            }
            WithdrawCause::TableOfUntaggedVpc { vpc, owners, peer } => {
                format!("{vpc} is not tagged; {cidr} is of {owners} in {peer}")
            }
            WithdrawCause::ServedByList { list, peer } => format!(
                "ROUTE_MODE=prefix-list: {cidr} of {peer} is routed by the referenced list {list} toward the same peering; the static route goes"
            ),
        }
    }

    /// The short note of `status`.
    pub fn note(&self) -> String {
        match self {
            WithdrawCause::Released { vpc, why, .. } => format!("withdrawn: {why} {vpc}"),
            WithdrawCause::Gone { entry, .. } => format!("withdrawn: {entry} is gone"),
            WithdrawCause::Pruned { .. } => "pruned".to_owned(),
            WithdrawCause::TableOfUntaggedVpc { vpc, .. } => format!("{vpc} is not tagged"),
            WithdrawCause::ServedByList { list, .. } => format!("withdrawn: served by {list}"),
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
    /// Outside the ledger, on a peering not created by tgw-peering.
    UnmanagedPeering,
    /// Outside the ledger, and `PRUNE_ROUTES` is off.
    NotProven,
    /// More withdrawals than the budget in its table: held.
    Held,
    /// In the ledger, but AWS did not report the route's target: never
    /// rewritten or deleted, and its entry stays.
    TargetUnreported,
    /// In the ledger, and a blackhole that no deletion of the tool's
    /// peering explains: someone's isolation, kept with its entry.
    Isolated,
    /// An entry of the tool's list whose reference someone pointed at
    /// `target`: the list is frozen, its entries stay.
    Frozen { target: crate::domain::RouteTarget },
    /// Wanted, and the tool's route goes to `from` (a blackhole its
    /// peering's deletion left, a replaced peering), but the CIDR is in
    /// `PROTECTED_CIDRS`: it is not moved either.
    ProtectedMove { from: crate::domain::RouteTarget },
}

impl KeepCause {
    /// The reason of the finding; `gone` is why the rules would otherwise
    /// remove the route, if they would.
    pub fn reason(
        &self,
        peer: &Region,
        via: Option<&ReadyPeering>,
        gone: Option<&WithdrawCause>,
        cidr: &Cidr,
    ) -> String {
        let lead = gone.map_or_else(|| "no tagged VPC wants it".to_owned(), |g| g.reason(cidr));
        let peering =
            via.map_or_else(|| "the peering".to_owned(), |v| format!("the peering {}", v.id));
        match self {
            KeepCause::Protected => format!("{lead}, but it is in PROTECTED_CIDRS; kept"),
            KeepCause::InOverlap => {
                "its CIDR is part of an overlap conflict; kept until the conflict is resolved"
                    .to_owned()
            }
            KeepCause::UnmanagedPeering => format!(
                "{lead}, but {peering} was not created by tgw-peering and the route is not in the tool's ledger; routes on it are never removed"
            ),
            KeepCause::NotProven => format!(
                "points at the peering with {peer} but is not in the tool's ledger and matches no VPC there; kept (PRUNE_ROUTES is off)"
            ),
            KeepCause::Held => format!("{lead}; withdrawal held: its table plans more withdrawals than the budget allows"),
            KeepCause::TargetUnreported => format!(
                "{lead}, but AWS did not report the route's target; a route of the tool's whose target is unknown is never deleted, and its ledger entry stays"
            ),
            KeepCause::Isolated => format!(
                "{lead}, but the tool's route is a blackhole that no deletion of its peering explains (someone's isolation): kept as it is"
            ),
            KeepCause::Frozen { target } => format!(
                "{lead}, but the tool's list is referenced toward {target} by someone else: the list is frozen, its entries stay"
            ),
            KeepCause::ProtectedMove { from } => format!(
                "wanted toward {peering}, but the tool's route goes to {from} and {cidr} is in PROTECTED_CIDRS: not moved"
            ),
        }
    }

    /// The code of its finding.
    pub fn code(&self) -> FindingCode {
        match self {
            KeepCause::Protected => FindingCode::Protected,
            KeepCause::InOverlap => FindingCode::InOverlap,
            KeepCause::UnmanagedPeering => FindingCode::UnmanagedPeering,
            KeepCause::NotProven => FindingCode::NotProven,
            KeepCause::Held => FindingCode::KeptOverBudget,
            KeepCause::TargetUnreported => FindingCode::TargetUnreported,
            KeepCause::Isolated => FindingCode::Isolated,
            KeepCause::Frozen { .. } => FindingCode::ListFrozen,
            KeepCause::ProtectedMove { .. } => FindingCode::ProtectedNotMoved,
        }
    }

    /// How `status` marks the route it keeps: wanted and left where it
    /// goes (a protected move), isolated, or kept though nothing wants it.
    pub fn mark(&self) -> RouteMark {
        match self {
            KeepCause::Isolated => RouteMark::Isolated,
            KeepCause::ProtectedMove { .. } => RouteMark::Conflict,
            KeepCause::Protected
            | KeepCause::InOverlap
            | KeepCause::UnmanagedPeering
            | KeepCause::NotProven
            | KeepCause::Held
            | KeepCause::TargetUnreported
            | KeepCause::Frozen { .. } => RouteMark::Extra,
        }
    }

    /// The short note of `status`.
    pub fn note(&self) -> String {
        match self {
            KeepCause::Protected => "protected by PROTECTED_CIDRS",
            KeepCause::InOverlap => "overlapping CIDR",
            KeepCause::UnmanagedPeering => "on a peering not created by tgw-peering",
            KeepCause::NotProven => "not proven to be owned",
            KeepCause::Held => "withdrawal held (budget)",
            KeepCause::TargetUnreported => "target not reported",
            KeepCause::Isolated => "isolated: a blackhole set by someone",
            KeepCause::Frozen { .. } => "list frozen: its reference was changed",
            KeepCause::ProtectedMove { .. } => "protected by PROTECTED_CIDRS: not moved",
        }
        .to_owned()
    }
}

/// What the removal rules know of one route that nothing wants.
pub(super) struct Claim<'a> {
    /// The available peering the route goes over, if it goes over one.
    pub via: Option<&'a ReadyPeering>,
    /// Inside `PROTECTED_CIDRS`.
    pub protected: bool,
    /// The CIDR is part of an overlap conflict.
    pub in_conflict: bool,
    /// Why the route is proven the tool's (its CIDR is in the ledger).
    pub owned: Option<WithdrawCause>,
    /// `PRUNE_ROUTES=true` applies to this table.
    pub prune: bool,
    pub peer: &'a Region,
}

/// The removal rules, in order: withdraw the route or keep it.
pub(super) fn removal(claim: Claim<'_>) -> RouteDecision {
    let keep = |cause: KeepCause, gone: Option<WithdrawCause>| RouteDecision::Keep {
        cause,
        wanted_gone: gone,
    };
    let managed = claim.via.is_some_and(|v| v.managed);
    if claim.protected {
        keep(KeepCause::Protected, claim.owned)
    } else if claim.in_conflict {
        keep(KeepCause::InOverlap, claim.owned)
    } else if let Some(cause) = claim.owned {
        RouteDecision::Withdraw(cause)
    } else if !managed {
        keep(KeepCause::UnmanagedPeering, None)
    } else if claim.prune {
        RouteDecision::Withdraw(WithdrawCause::Pruned { peer: claim.peer.clone() })
    } else {
        keep(KeepCause::NotProven, None)
    }
}

/// The withdrawal budget of a table: `MAX_WITHDRAWALS`, else max(5, 20%
/// of the Region's ledger entries).
pub(super) fn budget(config: &Config, ledger_size: usize) -> usize {
    config.max_withdrawals.unwrap_or_else(|| 5.max(ledger_size.div_ceil(5)))
}

/// The retirements of a switch to prefix lists (static routes whose CIDR a
/// referenced list already routes toward the same peering) that fit in the
/// table's budget beside its other withdrawals (`decided`, after
/// [`hold_over_budget`]); the rest wait for the next reconciles, with one
/// waiting finding. Unlike a withdrawal, a retirement changes where no
/// traffic goes, so a switch goes on a budget at a time instead of being
/// held for a person.
pub(super) fn within_budget<'a>(
    region: &Region,
    table: &str,
    mut retired: Vec<Decided<'a>>,
    decided: &[Decided<'a>],
    budget: usize,
    out: &mut Plan,
) -> Vec<Decided<'a>> {
    let used = decided.iter().filter(|d| matches!(d.decision, RouteDecision::Withdraw(_))).count();
    let room = budget.saturating_sub(used);
    if retired.len() > room && budget == 0 {
        let reason = format!(
            "ROUTE_MODE=prefix-list: {} static route(s) served by the tool's lists stay: MAX_WITHDRAWALS=0 lets no route go",
            retired.len()
        );
        let subject = format!("static routes in {table}");
        out.found(FindingCode::OverBudget, region, subject, reason);
        return Vec::new();
    }
    if retired.len() > room {
        let later = retired.split_off(room);
        let reason = format!(
            "ROUTE_MODE=prefix-list: {} more static route(s) served by the tool's lists go in the next reconciles ({budget} withdrawals per table per reconcile, MAX_WITHDRAWALS)",
            later.len()
        );
        let subject = format!("static routes in {table}");
        out.found(FindingCode::RetirementsPaced, region, subject, reason);
    }
    retired
}

/// Holds every withdrawal of one table when it plans more than `budget`:
/// none is made, each is kept, and one `held` finding says why.
pub(super) fn hold_over_budget(
    region: &Region,
    table: &str,
    decided: &mut [Decided<'_>],
    budget: usize,
    ledger_size: usize,
    out: &mut Plan,
) {
    let planned =
        decided.iter().filter(|d| matches!(d.decision, RouteDecision::Withdraw(_))).count();
    if planned <= budget {
        return;
    }
    for d in decided.iter_mut() {
        if let RouteDecision::Withdraw(cause) = &d.decision {
            d.decision =
                RouteDecision::Keep { cause: KeepCause::Held, wanted_gone: Some(cause.clone()) };
        }
    }
    out.findings.push(Finding {
        code: FindingCode::OverBudget,
        region: Some(region.clone()),
        subject: format!("route table {table}"),
        reason: format!(
            "{planned} withdrawals planned, more than the budget of {budget} per table and reconcile (MAX_WITHDRAWALS, else max(5, 20% of the Region's {ledger_size} ledger entries)); none is made. Check TAG_KEY and the VPCs' tags, then allow them with `tgw-peering apply --allow-withdrawals {planned}`"
        ),
    });
}
