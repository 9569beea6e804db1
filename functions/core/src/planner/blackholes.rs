//! Blackholes: the tool moves a blackhole only when it can prove that the
//! deletion of its own peering left it; any other blackhole of a CIDR it
//! routes is someone's isolation (a security team containing a VPC with
//! `ReplaceTransitGatewayRoute --blackhole`, say), kept and reported.
//!
//! The proof is recorded on each ledger list, as tags:
//! - `tgw-peering:peering`: the peering the list's routes go over. A
//!   blackhole of one of its CIDRs while that peering is gone (no longer
//!   live, or no longer listed) was left by its deletion; while it is live,
//!   a blackhole was set by someone. The record moves to the new peering
//!   once every route of the list left behind was moved onto it
//!   ([`Action::RecordPeering`], after the route writes, only when they all
//!   succeeded);
//! - `tgw-peering:isolated:<cidr>` (and `…:reference` for the list's
//!   reference): an isolation seen while the peering was live, so that it
//!   stays one after that peering is deleted and replaced.
//!
//! AWS does not document whether a static route whose attachment was
//! deleted still names that attachment (the Network Manager
//! `TGW-ROUTE-UNINSTALLED` sample shows none). When the read names one of
//! the pair's peerings that is gone, that is proof too; a blackhole made
//! with `Blackhole=true` names none.
//!
//! Rules, one function each: [`left_by_deletion`] (the proof) and
//! [`plan_records`] (the records kept true).

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{AttachmentId, Cidr, LedgerList, Region, RouteTarget, MAX_TAGS};
use crate::domain::{ISOLATED_REFERENCE, LEDGER_ISOLATED_PREFIX};
use crate::observed::RouteTableState;

use super::ledger::RegionLedger;
use super::{Action, Finding, FindingKind, Plan, Planned};

/// What a blackhole drops: one CIDR's static route, or a list's reference.
#[derive(Clone, Copy)]
pub(super) enum Blackholed<'a> {
    Route(&'a Cidr),
    Reference,
}

/// The peerings the proof knows: those of the Region's managed pairs (in
/// any state), and those that are live.
pub(super) struct Peerings<'a> {
    pub pair: &'a dyn Fn(&AttachmentId) -> bool,
    pub live: &'a BTreeSet<AttachmentId>,
}

/// Whether a blackhole of `list`'s route (or reference) was left by the
/// deletion of the tool's own peering: the blackhole still names one of the
/// pair's peerings that is gone, or the list records a peering that is gone
/// and has not recorded this blackhole as an isolation.
pub(super) fn left_by_deletion(
    list: &LedgerList,
    what: Blackholed<'_>,
    former: Option<&AttachmentId>,
    peerings: &Peerings<'_>,
) -> bool {
    let isolated = match what {
        Blackholed::Route(cidr) => list.isolated.contains(cidr),
        Blackholed::Reference => list.isolated_reference,
    };
    if isolated {
        return false;
    }
    match former {
        Some(id) => (peerings.pair)(id) && !peerings.live.contains(id),
        None => list.peering.as_ref().is_some_and(|p| !peerings.live.contains(p)),
    }
}

/// The records of each of the Region's lists made true: its isolations
/// (blackholes of its CIDRs, or of its reference, that no deletion
/// explains) recorded, ended ones forgotten; the peering its routes go
/// over recorded once none is left to move (after this plan's moves).
pub(super) fn plan_records(
    ledger: &RegionLedger<'_>,
    read: &RouteTableState,
    peerings: &Peerings<'_>,
    vias: &BTreeMap<Region, AttachmentId>,
    out: &mut Plan,
) {
    for list in &ledger.lists {
        let now = isolations(list, read, peerings);
        isolation_tags(ledger.region, list, &now, out);
        if let Some(via) = vias.get(&list.peer) {
            record_peering(ledger.region, list, read, (via, peerings), &now, out);
        }
    }
}

/// The blackholes of `list`'s CIDRs (and of its reference, `None`) in the
/// table that no deletion explains: isolations.
pub(super) fn isolations(
    list: &LedgerList,
    read: &RouteTableState,
    peerings: &Peerings<'_>,
) -> BTreeSet<Option<Cidr>> {
    let routes = read.routes.iter().filter(|r| {
        r.is_static()
            && r.target == RouteTarget::Blackhole
            && list.entries.contains_key(&r.cidr)
            && !left_by_deletion(
                list,
                Blackholed::Route(&r.cidr),
                r.former_target.as_ref(),
                peerings,
            )
    });
    let reference = read.references.iter().any(|r| {
        r.prefix_list_id == list.id
            && r.target == RouteTarget::Blackhole
            && !left_by_deletion(list, Blackholed::Reference, r.former_target.as_ref(), peerings)
    });
    routes.map(|r| Some(r.cidr)).chain(reference.then_some(None)).collect()
}

/// The tag of one isolation: a CIDR, or the reference (`None`).
fn isolation_key(what: &Option<Cidr>) -> String {
    match what {
        Some(cidr) => LedgerList::isolated_key(cidr),
        None => format!("{LEDGER_ISOLATED_PREFIX}{ISOLATED_REFERENCE}"),
    }
}

/// Records new isolations of `list` (as many as its tags allow) and
/// forgets those that ended.
fn isolation_tags(
    region: &Region,
    list: &LedgerList,
    now: &BTreeSet<Option<Cidr>>,
    out: &mut Plan,
) {
    let recorded: BTreeSet<Option<Cidr>> = list
        .isolated
        .iter()
        .map(|c| Some(*c))
        .chain(list.isolated_reference.then_some(None))
        .collect();
    let ended: Vec<String> = recorded.difference(now).map(isolation_key).collect();
    let new: Vec<&Option<Cidr>> = now.difference(&recorded).collect();
    let room = MAX_TAGS.saturating_sub(list.tag_count.saturating_sub(ended.len()));
    if new.len() > room {
        let reason = format!(
            "{} isolation(s) cannot be recorded: the list has {} of its {MAX_TAGS} tags; if its peering is deleted and replaced, they would be taken for blackholes left by the deletion",
            new.len() - room,
            list.tag_count
        );
        let subject = format!("ledger list {}", list.id);
        out.findings.push(Finding::at(FindingKind::Warning, region, subject, reason));
    }
    let tags: Vec<(String, String)> =
        new.into_iter().take(room).map(|w| (isolation_key(w), "true".to_owned())).collect();
    if !ended.is_empty() {
        out.actions.push(Planned {
            reason: "these blackholes set by someone are gone; their records go".to_owned(),
            action: Action::UntagLedger {
                region: region.clone(),
                prefix_list_id: list.id.clone(),
                keys: ended,
            },
        });
    }
    if !tags.is_empty() {
        out.actions.push(Planned {
            reason: "blackholes set by someone while the list's peering is live: recorded, so that they stay isolations if that peering is deleted".to_owned(),
            action: Action::TagLedger { region: region.clone(), prefix_list_id: list.id.clone(), tags },
        });
    }
}

/// Records `via` as the peering `list`'s routes go over, unless the list
/// already records it, or one of its routes left on a blackhole (not an
/// isolation) or on another peering of the pair is not moved by this plan:
/// the record that proves the move stays until the move is made.
fn record_peering(
    region: &Region,
    list: &LedgerList,
    read: &RouteTableState,
    (via, peerings): (&AttachmentId, &Peerings<'_>),
    isolated: &BTreeSet<Option<Cidr>>,
    out: &mut Plan,
) {
    if list.peering.as_ref() == Some(via) {
        return;
    }
    let moved: BTreeSet<&Cidr> = out
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::ReplaceRoute { region: r, cidr, .. } if r == region => Some(cidr),
            _ => None,
        })
        .collect();
    let reference_moved = out.actions.iter().any(|p| {
        matches!(&p.action, Action::ModifyReference { prefix_list_id, .. } if *prefix_list_id == list.id)
    });
    let to_move = |t: &RouteTarget, what: Option<Cidr>| match t {
        RouteTarget::Attachment(id) => id != via && (peerings.pair)(id),
        RouteTarget::Blackhole => !isolated.contains(&what),
        RouteTarget::Unknown => false,
    };
    let unmoved = read.routes.iter().any(|r| {
        r.is_static()
            && list.entries.contains_key(&r.cidr)
            && to_move(&r.target, Some(r.cidr))
            && !moved.contains(&r.cidr)
    });
    let reference_left = read
        .references
        .iter()
        .any(|r| r.prefix_list_id == list.id && to_move(&r.target, None) && !reference_moved);
    if unmoved || reference_left {
        return;
    }
    out.actions.push(Planned {
        reason: format!(
            "the list's routes go over {via}: a blackhole of one of them is proof of a deletion only once {via} is gone"
        ),
        action: Action::RecordPeering {
            region: region.clone(),
            prefix_list_id: list.id.clone(),
            peering: via.clone(),
        },
    });
}
