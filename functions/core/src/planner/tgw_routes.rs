//! What each route of a transit gateway route table needs.
//!
//! - [`decide_wanted`]: a wanted CIDR's route is present (adopted into the
//!   ledger when the tool created the peering), covered by a supernet to
//!   the same peering, missing, moved from where the tool's route goes now
//!   (a blackhole, or a replaced peering), or in conflict with a route that
//!   is not the tool's;
//! - [`decide_extra`]: a static route nothing wants goes through the shared
//!   removal rules (`ownership`) when it is the tool's (ledger) or goes over
//!   one of the Region's available peerings; a route the tool's ledger
//!   recorded that now goes somewhere else was changed by someone and is
//!   left alone (its entry is released); a blackhole no deletion explains
//!   is an isolation, kept; a route whose target AWS did not report is
//!   never deleted;
//! - [`moves_from`]: the tool moves its route only from a blackhole its own
//!   peering's deletion left, or from another peering of the Region's
//!   managed pairs; a wanted CIDR whose route someone pointed anywhere else
//!   is left alone ([`pointed_elsewhere`]).

use crate::config::RouteMode;
use crate::domain::{Cidr, RouteTarget, TgwRoute};

use super::blackholes::{left_by_deletion, Blackholed};
use super::decision::{ConflictCause, Decided, RouteDecision};
use super::ownership::{removal, Claim, KeepCause, WithdrawCause};
use super::tgw_table::{Table, Want};
use super::{Finding, FindingCode, Plan};

/// A wanted route against what the table holds for its CIDR; also the
/// covering supernet, when one satisfies it.
pub(super) fn decide_wanted(
    table: &Table<'_>,
    cidr: &Cidr,
    want: &Want<'_>,
) -> (RouteDecision, Option<Cidr>) {
    let target = RouteTarget::Attachment(want.via.id.clone());
    let prefix_list = table.mode == RouteMode::PrefixList;
    let owned = table.ledger.owner(cidr).is_some();
    // A static route of the CIDR toward somewhere the tool never sends its
    // routes takes priority over the list's route: a conflict, as in
    // static mode (the tool's own, on a blackhole or a replaced peering, is
    // retired instead).
    let blocked = table.existing.get(cidr).is_some_and(|r| {
        r.target != target && r.target != RouteTarget::Unknown && !moves_from(table, r)
    });
    if let Some(listed) = table.listed.get(cidr).filter(|_| prefix_list && !blocked) {
        return (listed_decision(table, listed, &target), None);
    }
    match table.existing.get(cidr).copied() {
        Some(r) if r.target == target => {
            let adopt = !owned && want.via.managed;
            (RouteDecision::Present { target_unreported: false, adopt }, None)
        }
        Some(r) if r.target == RouteTarget::Unknown => {
            (RouteDecision::Present { target_unreported: true, adopt: false }, None)
        }
        // In prefix-list mode the entry routes it; the tool's static route
        // goes once the list's route is in (`retired_statics`).
        Some(r) if owned && prefix_list && moves_from(table, r) => (RouteDecision::Missing, None),
        Some(r) if owned && moves_from(table, r) && table.ctx.config.is_protected(cidr) => {
            let cause = KeepCause::ProtectedMove { from: r.target.clone() };
            (RouteDecision::Keep { cause, wanted_gone: None }, None)
        }
        Some(r) if owned && moves_from(table, r) => {
            (RouteDecision::Moves { from: r.target.clone() }, None)
        }
        // Someone changed the tool's static route. In prefix-list mode the
        // tool's route is the entry: a static route toward another
        // attachment in front of it is someone's, a conflict as any other.
        Some(r) if owned && (r.target == RouteTarget::Blackhole || !prefix_list) => {
            (pointed_elsewhere(&r.target), None)
        }
        Some(r) => {
            let target = match &r.target {
                RouteTarget::Attachment(id) => format!("to {id}"),
                RouteTarget::Blackhole => "as a blackhole".to_owned(),
                RouteTarget::Unknown => "to an unknown target".to_owned(),
            };
            (RouteDecision::Conflict(ConflictCause::RouteExists { target }), None)
        }
        None => {
            // A supernet route to the same peering covers it, unless that
            // route is the tool's and nothing wants it any more: it is
            // withdrawn, so it cannot stand in.
            let cover = cidr.supernets().find(|s| {
                let listed = table.listed.get(s).filter(|_| prefix_list);
                table.existing.get(s).copied().or(listed).is_some_and(|r| r.target == target)
                    && (table.wanted.contains(s) || table.ledger.owner(s).is_none())
            });
            match cover {
                Some(by) => (RouteDecision::Covered { by }, Some(by)),
                None => (RouteDecision::Missing, None),
            }
        }
    }
}

/// A wanted CIDR that a referenced list of the tool's routes already
/// (`ROUTE_MODE=prefix-list`): present, or moved when the reference goes
/// where the tool may move it from (the reference is modified, see
/// `listed::plan_references`); a reference someone pointed elsewhere or
/// made a blackhole freezes its list (see `listed::frozen_lists`).
fn listed_decision(table: &Table<'_>, listed: &TgwRoute, target: &RouteTarget) -> RouteDecision {
    match &listed.target {
        t @ (RouteTarget::Attachment(_) | RouteTarget::Blackhole) if t == target => {
            RouteDecision::Present { target_unreported: false, adopt: false }
        }
        RouteTarget::Unknown => RouteDecision::Present { target_unreported: true, adopt: false },
        other @ (RouteTarget::Attachment(_) | RouteTarget::Blackhole)
            if moves_from(table, listed) =>
        {
            RouteDecision::Moves { from: other.clone() }
        }
        other @ (RouteTarget::Attachment(_) | RouteTarget::Blackhole) => pointed_elsewhere(other),
    }
}

/// A route of the tool's that someone changed: a blackhole no deletion
/// explains is an isolation; a route toward another attachment is no
/// longer the tool's.
fn pointed_elsewhere(target: &RouteTarget) -> RouteDecision {
    match target {
        RouteTarget::Blackhole => RouteDecision::Isolated,
        other @ (RouteTarget::Attachment(_) | RouteTarget::Unknown) => {
            RouteDecision::Conflict(ConflictCause::PointedElsewhere { target: other.clone() })
        }
    }
}

/// The tool's route (or an entry of its referenced list) may be moved from
/// where it goes: a blackhole that the deletion of the tool's own peering
/// left ([`left_by_deletion`]), or a peering between the Region's managed
/// gateway and another managed Region's (a replaced one).
pub(super) fn moves_from(table: &Table<'_>, route: &TgwRoute) -> bool {
    match &route.target {
        RouteTarget::Attachment(id) => table.pair_peerings.contains(id),
        RouteTarget::Unknown => false,
        RouteTarget::Blackhole => {
            let (list, what): (_, Blackholed) = match &route.prefix_list {
                Some(id) => (table.ledger.list(id), None),
                None => (table.ledger.list_holding(&route.cidr), Some(route.cidr)),
            };
            let former = route.former_target.as_ref();
            list.is_some_and(|l| left_by_deletion(l, &what, former, &table.proof))
        }
    }
}

/// A static route that nothing wants; `None` when it is not for the tool
/// to decide on (a blackhole or a foreign route outside the ledger, a CIDR
/// whose peering is not available yet).
pub(super) fn decide_extra<'a>(
    table: &Table<'a>,
    route: &TgwRoute,
    out: &mut Plan,
) -> Option<Decided<'a>> {
    if table.pending.contains_key(&route.cidr) {
        return None;
    }
    if let Some(peer) = table.ledger.owner(&route.cidr) {
        return owned_extra(table, route, peer, out);
    }
    match &route.target {
        RouteTarget::Attachment(id) => {
            let via = *table.ours.get(id)?;
            let decision = removal(Claim {
                via: Some(via),
                protected: table.ctx.config.is_protected(&route.cidr),
                in_conflict: table.in_conflict(&route.cidr),
                owned: None,
                // No tagged VPC justifies it: unknowable while a workload
                // account of the peer cannot be read.
                prune: table.ctx.config.prune_routes && {
                    let peer = &table.ctx.observed.regions[&via.peer];
                    peer.unreadable.is_empty() && peer.frozen.is_empty()
                },
                peer: &via.peer,
            });
            Some(Decided {
                place: table.place_of(route, &via.peer, Some(via)),
                cidr: route.cidr,
                owners: None,
                target: route.target.clone(),
                entry: None,
                decision,
            })
        }
        RouteTarget::Unknown => {
            unreported(table, route, out);
            None
        }
        RouteTarget::Blackhole => None,
    }
}

/// A route of the tool's (its CIDR is in `peer`'s ledger list) that nothing
/// wants: withdrawn through the removal rules, unless it now goes somewhere
/// the tool never sends routes (someone changed it: left alone).
fn owned_extra<'a>(
    table: &Table<'a>,
    route: &TgwRoute,
    peer: &'a crate::domain::Region,
    out: &mut Plan,
) -> Option<Decided<'a>> {
    // Kept as it is, with its entry: a target AWS did not report, an entry
    // of a list someone froze, a blackhole no deletion explains.
    let frozen = route.prefix_list.as_ref().and_then(|l| table.frozen.get(l));
    let kept = match (&route.target, frozen) {
        (RouteTarget::Unknown, _) => Some(KeepCause::TargetUnreported),
        (_, Some(target)) => Some(KeepCause::Frozen { target: target.clone() }),
        (RouteTarget::Blackhole, None) if !moves_from(table, route) => Some(KeepCause::Isolated),
        _ => None,
    };
    if let Some(cause) = kept {
        return Some(Decided {
            place: table.place_of(route, peer, None),
            cidr: route.cidr,
            owners: None,
            target: route.target.clone(),
            entry: Some(peer),
            decision: RouteDecision::Keep { cause, wanted_gone: None },
        });
    }
    if !moves_from(table, route) {
        out.findings.push(Finding {
            code: FindingCode::RouteTakenOver,
            region: Some(table.region().clone()),
            subject: format!("route {} in {}", route.cidr, table.gw.route_table_id),
            reason: format!(
                "the tool's ledger recorded this route, but it now goes to {} (changed by someone else); left alone, and no longer the tool's",
                route.target
            ),
        });
        return None;
    }
    let cause = match table.ctx.cidrs[peer].withdrawn.get(&route.cidr) {
        Some((vpc, why)) => WithdrawCause::Released { vpc: vpc.clone(), why, peer: peer.clone() },
        None => WithdrawCause::Gone {
            entry: table.ledger.description(&route.cidr).unwrap_or("an unnamed VPC").to_owned(),
            peer: peer.clone(),
        },
    };
    let via = table.toward(peer);
    let decision = removal(Claim {
        via,
        protected: table.ctx.config.is_protected(&route.cidr),
        in_conflict: table.in_conflict(&route.cidr),
        owned: Some(cause),
        prune: false,
        peer,
    });
    Some(Decided {
        place: table.place_of(route, peer, via),
        cidr: route.cidr,
        owners: None,
        target: route.target.clone(),
        entry: Some(peer),
        decision,
    })
}

/// A route whose target AWS did not report: never deleted, and said so
/// when the tool would otherwise have withdrawn it.
fn unreported(table: &Table<'_>, route: &TgwRoute, out: &mut Plan) {
    let withdrawn = table
        .ctx
        .cidrs
        .iter()
        .filter(|(r, _)| *r != table.region())
        .find_map(|(peer, rc)| rc.withdrawn.get(&route.cidr).map(|(vpc, _)| (peer, vpc)));
    if let Some((peer, vpc)) = withdrawn {
        out.findings.push(Finding {
            code: FindingCode::TargetUnreported,
            region: Some(table.region().clone()),
            subject: format!("route {} in {}", route.cidr, table.gw.route_table_id),
            reason: format!(
                "{vpc} in {peer} is no longer tagged, but the route's target was not reported; not deleted"
            ),
        });
    }
}
