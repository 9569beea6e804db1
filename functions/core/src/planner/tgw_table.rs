//! The routes of one transit gateway route table: in each Region's table,
//! every advertised CIDR of every peer Region, toward that pair's peering.
//!
//! Rules, one function each:
//! - [`table_peerings`]: routes go only over peerings available on this
//!   side, each associated with the table; a peering associated with
//!   another table is reported (and moved, when the tool created it and it
//!   sits in the default association table while `ROUTE_TABLE_IDS` names
//!   another);
//! - [`wanted_routes`]: a remote CIDR in a conflict is never routed: it
//!   overlaps another advertised CIDR, a VPC of this Region, a route
//!   propagated from a VPC attachment, or it equals or contains a route
//!   toward an attachment the tool does not manage;
//! - [`of_managed_pair`]: the tool's routes go over the peerings between the
//!   two managed gateways of a Region pair only; a peering toward any other
//!   gateway (a second gateway of a managed Region) is someone else's;
//! - [`frozen_lists`]: a list whose reference someone changed is frozen;
//! - `tgw_routes`: what each wanted CIDR needs, and what becomes of the
//!   routes nothing wants.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::RouteMode;
use crate::domain::{
    AttachmentId, Cidr, PeeringAttachment, PeeringState, PrefixListId, Region, RouteKind,
    RouteTarget, TgwAttachment, TgwRoute, VpcId,
};
use crate::observed::{Gateway, RouteTableState};

use super::blackholes::{left_by_deletion, Peerings};
use super::decision::{record, ConflictCause, Decided, Place, RouteDecision};
use super::desired::{contained, local_cidrs, overlapping_local};
use super::ledger::{LedgerNeeds, RegionLedger};
use super::listed::{listed_routes, retired_statics};
use super::ownership::{budget, hold_over_budget, within_budget};
use super::peering::ReadyPeering;
use super::tgw_routes::{decide_extra, decide_wanted};
use super::{
    Finding, FindingCode, Plan, RegionScope, RouteQuota, RouteReport, TableContext, TableReport,
};

/// A wanted route: the peering it goes over and the VPCs that want it.
pub(super) struct Want<'a> {
    pub via: &'a ReadyPeering,
    pub owners: &'a BTreeSet<VpcId>,
}

/// What the rules of one table read.
pub(super) struct Table<'a> {
    pub gw: &'a Gateway,
    pub ctx: &'a TableContext<'a>,
    pub ledger: &'a RegionLedger<'a>,
    /// The available peerings of this Region's pairs, by attachment.
    pub ours: BTreeMap<&'a AttachmentId, &'a ReadyPeering>,
    /// Every peering attachment of this Region's pairs, in any state.
    pub pair_peerings: BTreeSet<&'a AttachmentId>,
    /// Static routes, by CIDR.
    pub existing: BTreeMap<Cidr, &'a TgwRoute>,
    /// Routes propagated from VPC attachments: that space is a VPC's.
    pub vpc_space: BTreeMap<Cidr, &'a AttachmentId>,
    /// Routes toward attachments the tool does not manage (VPN, Direct
    /// Connect, Connect, another VPC's static route…).
    pub foreign: BTreeMap<Cidr, &'a AttachmentId>,
    /// Remote CIDRs in a conflict of this table.
    pub local_conflicts: BTreeSet<Cidr>,
    /// CIDRs advertised by a peer whose peering is not available here yet,
    /// or waiting for their VPC's attachment: their routes are left as
    /// they are.
    pub pending: BTreeMap<Cidr, &'a Region>,
    /// The CIDRs this table should route.
    pub wanted: BTreeSet<Cidr>,
    /// `ROUTE_MODE`: the form the wanted routes take.
    pub mode: RouteMode,
    /// The routes the tool's references install, by CIDR (see
    /// [`listed_routes`]).
    pub listed: BTreeMap<Cidr, TgwRoute>,
    /// The tool's lists whose reference someone pointed elsewhere or made
    /// a blackhole, and where it points: no entry is added or released
    /// while it does (see [`frozen_lists`]).
    pub frozen: BTreeMap<PrefixListId, RouteTarget>,
    /// What proves a blackhole left by a deletion (see `blackholes`).
    pub proof: Peerings<'a>,
}

/// What the reference rules read of a planned table: the available
/// peering toward each peer Region, and every peering of the Region's pairs.
#[derive(Default)]
pub(super) struct TableView {
    pub vias: BTreeMap<Region, AttachmentId>,
    pub pair_peerings: BTreeSet<AttachmentId>,
    /// The remote CIDRs the table routes (or will): every conflict
    /// excluded. The VPC tables add routes for these only: the ledger entry
    /// a VPC route needs would make a route of this table the tool's (in
    /// `ROUTE_MODE=prefix-list`, an entry of a referenced list *is* one).
    pub wanted: BTreeSet<Cidr>,
    /// The tool's lists frozen by a reference someone changed.
    pub frozen: BTreeMap<PrefixListId, RouteTarget>,
}

/// Plans the associations and routes of `gw`'s route table.
pub(super) fn plan_table(
    scope: RegionScope<'_>,
    needs: &mut LedgerNeeds,
    out: &mut Plan,
) -> TableView {
    let RegionScope { gw, pairs, ctx, ledger } = scope;
    let state = &ctx.observed.regions[&gw.region];
    let empty = RouteTableState::empty(gw.route_table_id.clone());
    let read = state.route_table.as_ref().filter(|t| t.id == gw.route_table_id).unwrap_or(&empty);
    let mut table = Table::new(gw, ctx, ledger, read, table_peerings(gw, pairs, ctx, out));
    let mut report = Vec::new();
    let wanted = wanted_routes(&mut table, out, &mut report, needs);
    table.wanted = wanted.keys().copied().collect();
    let mut covering = BTreeSet::new();
    let mut routed = BTreeSet::new();
    for (cidr, want) in &wanted {
        let (decision, cover) = decide_wanted(&table, cidr, want);
        covering.extend(cover);
        if !matches!(decision, RouteDecision::Conflict(_)) {
            routed.insert(*cidr);
        }
        let target = RouteTarget::Attachment(want.via.id.clone());
        let d = Decided {
            place: table.place(&want.via.peer, Some(want.via)),
            cidr: *cidr,
            owners: Some(want.owners),
            target,
            entry: ledger.owner_for(cidr, &want.via.peer),
            decision,
        };
        record(d, out, Some(&mut report), needs);
    }
    let unwanted = |r: &&TgwRoute| !wanted.contains_key(&r.cidr) && !covering.contains(&r.cidr);
    let statics = read.routes.iter().filter(|r| r.is_static()).filter(unwanted);
    let listed =
        table.listed.values().filter(unwanted).filter(|r| !table.existing.contains_key(&r.cidr));
    let mut extras: Vec<Decided<'_>> =
        statics.chain(listed).filter_map(|r| decide_extra(&table, r, out)).collect();
    let limit = budget(ctx.config, ledger.size());
    let name = gw.route_table_id.to_string();
    hold_over_budget(&gw.region, &name, &mut extras, limit, ledger.size(), out);
    let retired = retired_statics(&table, &wanted, out);
    extras.extend(within_budget(&gw.region, &name, retired, &extras, limit, out));
    for d in extras {
        record(d, out, Some(&mut report), needs);
    }
    report.sort_by_key(|r| r.cidr);
    out.tables.push(TableReport {
        region: gw.region.clone(),
        route_table_id: gw.route_table_id.clone(),
        routes: report,
        quota: RouteQuota::default(),
        lists: Vec::new(),
        segment: None,
    });
    TableView {
        vias: table.ours.values().map(|v| (v.peer.clone(), v.id.clone())).collect(),
        pair_peerings: table.pair_peerings.iter().map(|id| (*id).clone()).collect(),
        wanted: routed,
        frozen: table.frozen,
    }
}

impl<'a> Table<'a> {
    fn new(
        gw: &'a Gateway,
        ctx: &'a TableContext<'a>,
        ledger: &'a RegionLedger<'a>,
        read: &'a RouteTableState,
        ours: BTreeMap<&'a AttachmentId, &'a ReadyPeering>,
    ) -> Self {
        let pair_peerings: BTreeSet<&AttachmentId> =
            ctx.peerings.iter().filter(|p| of_managed_pair(gw, ctx, p)).map(|p| &p.id).collect();
        let attachments = &ctx.observed.regions[&gw.region].attachments;
        let (vpc_space, foreign) = address_space(&read.routes, attachments, &pair_peerings, ledger);
        let listed = listed_routes(read, ledger, &pair_peerings);
        let proof = Peerings { pair: pair_peerings.clone(), live: ctx.live };
        let frozen = frozen_lists(read, ledger, &proof);
        Table {
            gw,
            ctx,
            ledger,
            ours,
            pair_peerings,
            existing: read.routes.iter().filter(|r| r.is_static()).map(|r| (r.cidr, r)).collect(),
            vpc_space,
            foreign,
            local_conflicts: BTreeSet::new(),
            pending: BTreeMap::new(),
            wanted: BTreeSet::new(),
            mode: ctx.config.route_mode,
            listed,
            frozen,
            proof,
        }
    }

    pub fn region(&self) -> &'a Region {
        &self.gw.region
    }

    /// Where a wanted route goes: a static route, or an entry of a
    /// referenced list in `ROUTE_MODE=prefix-list`.
    pub fn place(&self, peer: &'a Region, via: Option<&'a ReadyPeering>) -> Place<'a> {
        self.place_as(peer, via, self.mode == RouteMode::PrefixList)
    }

    /// Where a route of the table is, in the form it has.
    pub fn place_of(
        &self,
        route: &TgwRoute,
        peer: &'a Region,
        via: Option<&'a ReadyPeering>,
    ) -> Place<'a> {
        self.place_as(peer, via, route.prefix_list.is_some())
    }

    /// `listed`: an entry of a referenced list rather than a static route.
    fn place_as(&self, peer: &'a Region, via: Option<&'a ReadyPeering>, listed: bool) -> Place<'a> {
        let (region, table) = (&self.gw.region, &self.gw.route_table_id);
        Place::Transit { region, table, peer, via, listed }
    }

    /// A CIDR in any overlap conflict gets no write at all, on any
    /// peering; nor does a route that overlaps one (a summary over CIDRs
    /// in conflict is not pruned while the conflict lasts).
    pub fn in_conflict(&self, cidr: &Cidr) -> bool {
        self.local_conflicts.iter().any(|c| c.overlaps(cidr))
            || self.ctx.conflicted.iter().any(|(_, c)| c.overlaps(cidr))
    }

    /// The available peering toward `peer`, if any.
    pub fn toward(&self, peer: &Region) -> Option<&'a ReadyPeering> {
        self.ours.values().find(|p| &p.peer == peer).copied()
    }
}

/// The routes that are a VPC's address space (propagated from a VPC
/// attachment) and those toward attachments the tool does not manage,
/// entries of anyone's referenced lists included (another deployment's
/// lists too, wherever they point; the tool's own lists' routes go toward
/// the pairs' peerings).
fn address_space<'a>(
    routes: &'a [TgwRoute],
    attachments: &'a [TgwAttachment],
    pair_peerings: &BTreeSet<&'a AttachmentId>,
    ledger: &RegionLedger<'_>,
) -> (BTreeMap<Cidr, &'a AttachmentId>, BTreeMap<Cidr, &'a AttachmentId>) {
    let kinds: BTreeMap<&AttachmentId, &crate::domain::AttachmentKind> =
        attachments.iter().map(|a| (&a.id, &a.kind)).collect();
    let kind = |id: &AttachmentId| kinds.get(id).copied();
    let mut vpc_space = BTreeMap::new();
    let mut foreign = BTreeMap::new();
    for r in routes {
        let RouteTarget::Attachment(id) = &r.target else {
            continue;
        };
        let is_vpc = kind(id).is_some_and(|k| *k == crate::domain::AttachmentKind::Vpc);
        let others_list = r.prefix_list.as_ref().is_some_and(|l| ledger.list(l).is_none());
        if r.kind == RouteKind::Propagated && is_vpc {
            vpc_space.insert(r.cidr, id);
        } else if !pair_peerings.contains(id) || others_list {
            foreign.insert(r.cidr, id);
        }
    }
    (vpc_space, foreign)
}

/// The peerings whose routes go into this table: available on this side
/// (else a wait), and associated with the table (else an association, or a
/// finding when another table holds the peering).
fn table_peerings<'a>(
    gw: &Gateway,
    pairs: &'a [ReadyPeering],
    ctx: &TableContext<'_>,
    out: &mut Plan,
) -> BTreeMap<&'a AttachmentId, &'a ReadyPeering> {
    let region = &gw.region;
    let mut ours = BTreeMap::new();
    for ready in pairs {
        let side = ctx.peerings.iter().find(|p| p.id == ready.id).map(|p| p.state_in(region));
        if let Some(s) = side.filter(|s| *s != PeeringState::Available) {
            out.findings.push(Finding {
                code: FindingCode::PeeringPending,
                region: Some(region.clone()),
                subject: format!("peering {}", ready.id),
                reason: format!("state is {s} on this side; routes wait until it is available"),
            });
            continue;
        }
        ours.insert(&ready.id, ready);
        super::association::associate(gw, ready, ctx, out);
    }
    ours
}

/// Every advertised CIDR of every peer Region whose peering is available
/// here, toward that peering, except those in a conflict (recorded here).
/// Peers whose peering is not available yet leave their CIDRs pending, and
/// so do the peers' CIDRs that wait for their VPC's attachment.
fn wanted_routes<'a>(
    table: &mut Table<'a>,
    out: &mut Plan,
    report: &mut Vec<RouteReport>,
    needs: &mut LedgerNeeds,
) -> BTreeMap<Cidr, Want<'a>> {
    let ctx = table.ctx;
    let region = table.region();
    for (peer, rc) in ctx.cidrs.iter().filter(|(p, _)| *p != region) {
        if table.toward(peer).is_none() {
            table.pending.extend(rc.tagged.keys().map(|c| (*c, peer)));
        }
        table.pending.extend(rc.waiting.iter().map(|c| (*c, peer)));
    }
    // Their routes stay as they are, and so do their ledger entries.
    for cidr in table.pending.keys() {
        if let Some(owner) = table.ledger.owner(cidr) {
            needs.keep.insert((owner.clone(), *cidr));
        }
    }
    let local = local_cidrs(&ctx.observed.regions[table.region()]);
    let mut wanted = BTreeMap::new();
    let vias: Vec<&'a ReadyPeering> = table.ours.values().copied().collect();
    for via in vias {
        for (cidr, owners) in &ctx.cidrs[&via.peer].tagged {
            let Some(cause) = conflict_of(table, &local, &via.peer, cidr) else {
                wanted.insert(*cidr, Want { via, owners });
                continue;
            };
            if cause != ConflictCause::OverlapBetweenRegions {
                table.local_conflicts.insert(*cidr);
            }
            let d = Decided {
                place: table.place(&via.peer, Some(via)),
                cidr: *cidr,
                owners: Some(owners),
                target: RouteTarget::Attachment(via.id.clone()),
                entry: table.ledger.owner(cidr),
                decision: RouteDecision::Conflict(cause),
            };
            record(d, out, Some(report), needs);
        }
    }
    wanted
}

/// Why a remote CIDR cannot be routed in this table, if it cannot.
fn conflict_of(
    table: &Table<'_>,
    local: &BTreeMap<Cidr, &VpcId>,
    peer: &Region,
    cidr: &Cidr,
) -> Option<ConflictCause> {
    if table.ctx.conflicted.contains(&(peer.clone(), *cidr)) {
        return Some(ConflictCause::OverlapBetweenRegions);
    }
    if let Some((own, vpc)) = overlapping_local(local, cidr) {
        return Some(ConflictCause::OverlapsLocal { own, vpc: vpc.clone() });
    }
    if let Some((route, from)) = overlapping_local(&table.vpc_space, cidr) {
        let from = from.to_string();
        return Some(ConflictCause::OverlapsPropagated { route, from });
    }
    let exact_static = table.existing.contains_key(cidr);
    match contained(&table.foreign, cidr) {
        Some((route, toward)) if !(route == *cidr && exact_static) => {
            let toward = toward.to_string();
            Some(ConflictCause::ServedElsewhere { route, toward })
        }
        _ => None,
    }
}

/// A peering between `gw` and the managed gateway of another managed
/// Region, in any state (the live one, or a deleted or failed one between
/// the same two gateways: AWS allows one live peering per pair): the
/// peerings the tool's routes may go over. A peering toward a Region
/// outside `PEERING_REGIONS`, from another gateway, or toward another
/// gateway of a managed Region (a second gateway, a migration's target) is
/// someone else's.
fn of_managed_pair(gw: &Gateway, ctx: &TableContext<'_>, p: &PeeringAttachment) -> bool {
    let (mine, other) = if p.requester.region == gw.region {
        (&p.requester, &p.accepter)
    } else if p.accepter.region == gw.region {
        (&p.accepter, &p.requester)
    } else {
        return false;
    };
    mine.transit_gateway_id == gw.transit_gateway_id
        && other.region != gw.region
        && ctx.managed.get(&other.region) == Some(&other.transit_gateway_id)
}

/// The tool's lists whose reference in the table someone pointed at an
/// attachment the tool never routes over, or made a blackhole that no
/// deletion of the tool's peering explains (an isolation of the whole
/// list), with where it points: frozen, so that no entry is added or
/// released while it points there.
fn frozen_lists(
    read: &RouteTableState,
    ledger: &RegionLedger<'_>,
    proof: &Peerings<'_>,
) -> BTreeMap<PrefixListId, RouteTarget> {
    read.references
        .iter()
        .filter(|r| r.state != "deleting")
        .filter_map(|r| Some((ledger.list(&r.prefix_list_id)?, r)))
        .filter(|(list, r)| match &r.target {
            // Its own recorded peering, gone and no longer listed, is no
            // one else's.
            RouteTarget::Attachment(id) => {
                !proof.pair.contains(id)
                    && (list.peering.as_ref() != Some(id) || proof.live.contains(id))
            }
            RouteTarget::Blackhole => {
                !left_by_deletion(list, &None, r.former_target.as_ref(), proof)
            }
            RouteTarget::Unknown => false,
        })
        .map(|(list, r)| (list.id.clone(), r.target.clone()))
        .collect()
}
