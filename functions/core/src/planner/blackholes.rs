//! Blackholes: the tool moves a blackhole only when it can prove that the
//! deletion of its own peering left it; any other blackhole of a CIDR it
//! routes is someone's isolation (a security team containing a VPC with
//! `ReplaceTransitGatewayRoute --blackhole`, say), kept and reported.
//!
//! The proof is recorded on each ledger list, as tags:
//! - `tgw-peering:peering`: the peering the list's routes go over. A
//!   blackhole of one of its CIDRs while that peering is gone (no longer
//!   live, or no longer listed) was left by its deletion; while it is live,
//!   a blackhole was set by someone. Once the new peering is available and
//!   every route left behind was moved onto it, the record moves to it
//!   ([`Action::RecordPeering`], after the route writes, only when they all
//!   succeeded);
//! - `tgw-peering:left:<cidr>` (and `…:reference`): a blackhole left by the
//!   deletion that this plan does not move (in `PROTECTED_CIDRS`, in an
//!   overlap, held), recorded with the move of the record so that it stays
//!   proven while any new blackhole is someone's;
//! - `tgw-peering:isolated:<cidr>` (and `…:reference`): an isolation seen
//!   while the peering was live, so that it stays one after that peering is
//!   deleted and replaced.
//!
//! AWS does not document whether a static route whose attachment was
//! deleted still names that attachment (the Network Manager
//! `TGW-ROUTE-UNINSTALLED` sample shows none). When the read names the
//! list's recorded peering, or a peering of the pair, and it is gone, that
//! is proof too; a blackhole made with `Blackhole=true` names none.
//!
//! A list written before these records (adopted) records no peering: its
//! blackholes at that moment are taken for isolations, never moved.
//!
//! Rules, one function each: [`left_by_deletion`] (the proof),
//! [`isolations`], and [`plan_records`] (the records kept true).

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{
    AttachmentId, Cidr, LedgerList, Region, RouteTarget, LEDGER_GATEWAY_TAG,
    LEDGER_ISOLATED_PREFIX, LEDGER_LEFT_PREFIX, LEDGER_PEERING_TAG, LEDGER_RESIZE_TAG, MAX_TAGS,
};
use crate::observed::RouteTableState;

use super::action::{ledger_actions, peering_actions, reference_actions, vpc_route_actions};
use super::ledger::RegionLedger;
use super::{Action, FindingCode, Plan, Planned};

/// What a blackhole drops: a CIDR's static route, or (`None`) the list's
/// reference.
pub(super) type Blackholed = Option<Cidr>;

/// The peerings the proof knows: those of the Region's managed pairs (in
/// any state), and those that are live.
pub(super) struct Peerings<'a> {
    pub pair: BTreeSet<&'a AttachmentId>,
    pub live: &'a BTreeSet<AttachmentId>,
}

/// Whether a blackhole of `list`'s route (or reference) was left by the
/// deletion of the tool's own peering: not recorded as an isolation, and
/// recorded as left, or still naming the list's peering or one of the
/// pair's that is gone, or (naming none) the list records a peering that is
/// gone.
pub(super) fn left_by_deletion(
    list: &LedgerList,
    what: &Blackholed,
    former: Option<&AttachmentId>,
    peerings: &Peerings<'_>,
) -> bool {
    if list.isolated.contains(what) {
        return false;
    }
    if list.left.contains(what) {
        return true;
    }
    match former {
        Some(id) => {
            (peerings.pair.contains(id) || list.peering.as_ref() == Some(id))
                && !peerings.live.contains(id)
        }
        None => list.peering.as_ref().is_some_and(|p| !peerings.live.contains(p)),
    }
}

/// The records of each of the Region's lists made true: isolations
/// recorded, ended ones (and ended left blackholes) forgotten; the peering
/// its routes go over recorded once every blackhole left by the deletion is
/// moved by this plan or recorded as left.
pub(super) fn plan_records(
    ledger: &RegionLedger<'_>,
    read: &RouteTableState,
    peerings: &Peerings<'_>,
    vias: &BTreeMap<Region, AttachmentId>,
    out: &mut Plan,
) {
    for list in &ledger.lists {
        let now = isolations(list, read, peerings);
        let room = record_tags(ledger.region, list, read, &now, out);
        if let Some(via) = vias.get(&list.peer) {
            record_peering(ledger.region, list, read, (via, peerings), room, out);
        }
    }
}

/// The blackholes of `list`'s CIDRs (and of its reference, `None`) in the
/// table that no deletion explains: isolations.
pub(super) fn isolations(
    list: &LedgerList,
    read: &RouteTableState,
    peerings: &Peerings<'_>,
) -> BTreeSet<Blackholed> {
    blackholes(list, read)
        .filter(|(what, former)| !left_by_deletion(list, what, *former, peerings))
        .map(|(what, _)| what)
        .collect()
}

/// The blackholes of `list`'s CIDRs' static routes and of its reference in
/// the table, with the attachment each still names, if any.
fn blackholes<'a>(
    list: &'a LedgerList,
    read: &'a RouteTableState,
) -> impl Iterator<Item = (Blackholed, Option<&'a AttachmentId>)> {
    let routes = read.routes.iter().filter(|r| {
        r.is_static() && r.target == RouteTarget::Blackhole && list.entries.contains_key(&r.cidr)
    });
    let reference = read
        .references
        .iter()
        .filter(|r| r.prefix_list_id == list.id && r.target == RouteTarget::Blackhole);
    routes
        .map(|r| (Some(r.cidr), r.former_target.as_ref()))
        .chain(reference.map(|r| (None, r.former_target.as_ref())))
}

/// Records new isolations of `list` (as many as its tags allow) and
/// forgets isolations and left blackholes that ended. Returns the room
/// left for more tags.
fn record_tags(
    region: &Region,
    list: &LedgerList,
    read: &RouteTableState,
    now: &BTreeSet<Blackholed>,
    out: &mut Plan,
) -> usize {
    let standing: BTreeSet<Blackholed> = blackholes(list, read).map(|(w, _)| w).collect();
    let ended: Vec<String> = list
        .isolated
        .iter()
        .filter(|w| !now.contains(w))
        .map(|w| LedgerList::record_key(LEDGER_ISOLATED_PREFIX, &w))
        .chain(
            list.left
                .iter()
                .filter(|w| !standing.contains(w))
                .map(|w| LedgerList::record_key(LEDGER_LEFT_PREFIX, &w)),
        )
        .collect();
    let new: Vec<&Blackholed> = now.iter().filter(|w| !list.isolated.contains(w)).collect();
    // The tool's own record keys it may still add count as taken.
    let reserved = [LEDGER_GATEWAY_TAG, LEDGER_PEERING_TAG, LEDGER_RESIZE_TAG].len();
    let room = MAX_TAGS.saturating_sub(list.tag_count + reserved).saturating_add(ended.len());
    if new.len() > room {
        let reason = format!(
            "{} isolation(s) cannot be recorded: the list has {} of its {MAX_TAGS} tags; if its peering is deleted and replaced, they would be taken for blackholes left by the deletion",
            new.len() - room,
            list.tag_count
        );
        let subject = format!("ledger list {}", list.id);
        out.found(FindingCode::IsolationsUnrecorded, region, subject, reason);
    }
    let tags: Vec<(String, String)> = new
        .iter()
        .take(room)
        .map(|w| (LedgerList::record_key(LEDGER_ISOLATED_PREFIX, w), "true".to_owned()))
        .collect();
    let room = room - tags.len();
    let id = list.id.clone();
    if !ended.is_empty() {
        let reason = "these blackholes are gone; their records go".to_owned();
        let action =
            Action::UntagLedger { region: region.clone(), prefix_list_id: id.clone(), keys: ended };
        out.actions.push(Planned { action, reason });
    }
    if !tags.is_empty() {
        let reason = "blackholes set by someone while the list's peering is live: recorded, so that they stay isolations if that peering is deleted".to_owned();
        let action = Action::TagLedger { region: region.clone(), prefix_list_id: id, tags };
        out.actions.push(Planned { action, reason });
    }
    room
}

/// Records `via` as the peering `list`'s routes go over, unless the list
/// already records it: the blackholes left by the deletion that this plan
/// does not move (or retire, or withdraw) are recorded as left with it,
/// when they fit in the list's tags (else the record waits, with a
/// warning). A route still on a replaced peering of the pair needs no
/// record: such a peering is the pair's, whatever the record says.
fn record_peering(
    region: &Region,
    list: &LedgerList,
    read: &RouteTableState,
    (via, peerings): (&AttachmentId, &Peerings<'_>),
    room: usize,
    out: &mut Plan,
) {
    if list.peering.as_ref() == Some(via) {
        return;
    }
    let mut moved: BTreeSet<Blackholed> = BTreeSet::new();
    for p in out.actions.iter().filter(|p| p.action.region() == region) {
        match &p.action {
            Action::ReplaceRoute { cidr, .. }
            | Action::RetireRoute { cidr, .. }
            | Action::DeleteRoute { cidr, .. } => {
                moved.insert(Some(*cidr));
            }
            Action::ModifyReference { prefix_list_id, .. }
            | Action::DeleteReference { prefix_list_id, .. }
                if *prefix_list_id == list.id =>
            {
                moved.insert(None);
            }
            peering_actions!()
            | ledger_actions!()
            | reference_actions!()
            | vpc_route_actions!()
            | Action::CreateRoute { .. } => {}
        }
    }
    let left: Vec<Blackholed> = blackholes(list, read)
        .filter(|(w, former)| left_by_deletion(list, w, *former, peerings) && !moved.contains(w))
        .map(|(w, _)| w)
        .filter(|w| !list.left.contains(w))
        .collect();
    if left.len() > room {
        let reason = format!(
            "{} blackhole(s) left by the deletion of {} are not moved and do not fit in the list's tags as records: the list keeps recording that peering",
            left.len(),
            list.peering.as_ref().map_or_else(|| "its peering".to_owned(), ToString::to_string)
        );
        let subject = format!("ledger list {}", list.id);
        out.found(FindingCode::LeftBlackholesUnrecorded, region, subject, reason);
        return;
    }
    out.actions.push(Planned {
        reason: format!(
            "the list's routes go over {via}: a new blackhole of one of them is someone's, unless the deletion of {via} leaves it"
        ),
        action: Action::RecordPeering {
            region: region.clone(),
            prefix_list_id: list.id.clone(),
            peering: via.clone(),
            left: left.iter().map(|w| LedgerList::record_key(LEDGER_LEFT_PREFIX, w)).collect(),
        },
    });
}
