//! VPC route tables toward the transit gateway (`MANAGE_VPC_ROUTES=true`).
//!
//! A table is managed when it serves subnets (a subnet association, or the
//! VPC's main table) and already has a route, of any origin, to this
//! Region's selected transit gateway. In such a table of a *tagged* VPC,
//! every remote CIDR the transit gateway route table wants (advertised
//! CIDRs of the peer Regions whose peering is available on this side,
//! conflicts excluded) gets a route toward the transit gateway (IPv6 CIDRs
//! only where the VPC has an IPv6 block); a route for that CIDR to any
//! other target is a conflict, never overwritten.
//!
//! A route is the tool's only when it was made by `CreateRoute`, targets
//! this Region's selected transit gateway, and its CIDR is in the Region's
//! ledger. Such a route is withdrawn, through the shared removal rules
//! (`PROTECTED_CIDRS` keeps it, the budget may hold it), when no peer Region
//! advertises its CIDR any more, or when the table's own VPC is not tagged.
//! Anything else toward the transit gateway (a summary or default route,
//! a CIDR outside the ledger) is never removed, whatever `PRUNE_ROUTES`
//! says: such a route is also what opts the table in.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::RouteMode;
use crate::domain::{
    Cidr, Family, PeeringState, PrefixListId, Region, RouteTarget, TransitGatewayId, VpcId,
    VpcRoute, VpcRouteTable, VpcRouteTarget,
};
use crate::observed::Gateway;

use super::decision::{record, ConflictCause, Decided, Place, RouteDecision};
use super::desired::{local_cidrs, overlapping_local, vpc_list};
use super::ledger::{LedgerNeeds, RegionLedger};
use super::ownership::{budget, hold_over_budget, removal, within_budget, Claim, WithdrawCause};
use super::peering::ReadyPeering;
use super::{Finding, FindingCode, Plan, RegionScope, TableContext};

/// The remote CIDRs the Region's VPC route tables are about.
pub(super) struct Remote<'a> {
    /// The peer Regions whose peering is available on this side.
    pub ready: BTreeSet<&'a Region>,
    /// Wanted: the peer Region, and its VPCs that want it.
    pub desired: BTreeMap<Cidr, (&'a Region, &'a BTreeSet<VpcId>)>,
    /// Advertised by a peer whose peering is not available here yet: left
    /// as they are.
    pending: BTreeSet<Cidr>,
    /// Advertised, but in an overlap conflict: no write at all.
    conflicted: BTreeSet<Cidr>,
    /// Wanted, but the transit gateway table refuses them (a conflict
    /// there): no new route (a route of the tool's stays in a tagged VPC's
    /// table, and goes from an untagged one's).
    pub refused: BTreeSet<Cidr>,
}

/// What the rules of one VPC route table read.
struct VpcTable<'a> {
    gw: &'a Gateway,
    table: &'a VpcRouteTable,
    remote: &'a Remote<'a>,
    ledger: &'a RegionLedger<'a>,
    ctx: &'a TableContext<'a>,
    /// The peer Regions and families whose CIDRs the table routes through
    /// list routes (`ROUTE_MODE=prefix-list`, see `vpc_lists`).
    groups: BTreeSet<(Region, Family)>,
    /// The CIDRs a route of the table toward one of the tool's lists
    /// routes, as read, and that list.
    serving: BTreeMap<Cidr, &'a PrefixListId>,
}

/// The managed VPC route tables of a Region and the remote CIDRs they are
/// about, for the list-route rules.
pub(super) struct VpcView<'a> {
    pub tables: Vec<ManagedVpcTable<'a>>,
    pub remote: Remote<'a>,
}

/// A VPC route table the tool manages, for the list-route rules
/// (`vpc_lists`), which run once the ledger's new lists are planned.
pub(super) struct ManagedVpcTable<'a> {
    pub table: &'a VpcRouteTable,
    pub tagged: bool,
    /// The VPC has an IPv6 block (IPv6 CIDRs are routed only then).
    pub ipv6: bool,
    pub groups: BTreeSet<(Region, Family)>,
}

/// Plans the routes of every managed VPC route table of `gw`'s Region.
///
/// `tgw_wanted`: the remote CIDRs the transit gateway table routes. A VPC
/// table gets new routes for those only: the ledger entry a VPC route needs
/// would make the transit gateway table's route of the CIDR the tool's (in
/// `ROUTE_MODE=prefix-list` an entry of a referenced list *is* a route), so
/// a CIDR that table refuses (a route of someone else's there, or traffic
/// it would take) gets none.
pub(super) fn plan_vpc_tables<'a>(
    scope: RegionScope<'a>,
    tgw_wanted: &BTreeSet<Cidr>,
    needs: &mut LedgerNeeds,
    out: &mut Plan,
) -> Option<VpcView<'a>> {
    let RegionScope { gw, pairs, ctx, ledger } = scope;
    let mut managed = Vec::new();
    let state = &ctx.observed.regions[&gw.region];
    let Some(tables) = &state.vpc_route_tables else {
        out.findings.push(Finding {
            code: FindingCode::VpcTablesNotRead,
            region: Some(gw.region.clone()),
            subject: "VPC route tables".to_owned(),
            reason: "MANAGE_VPC_ROUTES is on, but the Region's VPC route tables were not read; no VPC route is planned".to_owned(),
        });
        return None;
    };
    let mut remote = remote_cidrs(gw, pairs, ctx);
    remote.refused = remote.desired.keys().filter(|c| !tgw_wanted.contains(c)).copied().collect();
    // Per VPC: tagged, and has an IPv6 block (only then can its subnets
    // send to an IPv6 destination, so only then are IPv6 routes added).
    let vpcs: BTreeMap<&VpcId, (bool, bool)> = state
        .vpcs
        .iter()
        .map(|v| {
            let ipv6 = v.associated_cidrs().any(|c| c.is_ipv6());
            (&v.id, (v.is_tagged(&ctx.config.tag_key), ipv6))
        })
        .collect();
    for table in tables {
        // A table of a VPC not read (created since) waits for the next reconcile.
        let Some(&(tagged, ipv6)) = vpcs.get(&table.vpc_id) else {
            continue;
        };
        if !table.serves_subnets || !table.routes_to(&gw.transit_gateway_id) {
            continue;
        }
        let groups = list_groups(table, tagged, ipv6, &remote, scope);
        let serving = serving(table, ledger, &gw.transit_gateway_id);
        let t = VpcTable { gw, table, remote: &remote, ledger, ctx, groups, serving };
        if tagged {
            add_routes(&t, ipv6, out, needs);
        }
        remove_routes(&t, tagged, out, needs);
        managed.push(ManagedVpcTable { table, tagged, ipv6, groups: t.groups });
    }
    Some(VpcView { tables: managed, remote })
}

/// `ROUTE_MODE=prefix-list`: the peer Regions and families whose CIDRs a
/// managed table of a tagged VPC routes through the tool's lists (each of
/// whose peering is available here; IPv6 only where the VPC has an IPv6
/// block). Not a group any of whose CIDRs equals a route the table has
/// from elsewhere than `CreateRoute` (propagated from a virtual private
/// gateway, say): a prefix-list route takes priority over a propagated
/// route of the same destination ("How route priority works", VPC user
/// guide), so it would take that traffic; those CIDRs keep one route each.
fn list_groups(
    table: &VpcRouteTable,
    tagged: bool,
    ipv6: bool,
    remote: &Remote<'_>,
    scope: RegionScope<'_>,
) -> BTreeSet<(Region, Family)> {
    let RegionScope { gw, ctx, ledger, .. } = scope;
    if ctx.config.route_mode != RouteMode::PrefixList || !tagged {
        return BTreeSet::new();
    }
    let toward = VpcRouteTarget::TransitGateway(gw.transit_gateway_id.clone());
    let propagated: BTreeSet<&Cidr> = table
        .routes
        .iter()
        .filter(|r| !r.is_created() && r.target != toward)
        .map(|r| &r.cidr)
        .collect();
    let mut groups = BTreeSet::new();
    for peer in &remote.ready {
        for family in [Family::Ipv4, Family::Ipv6] {
            if family == Family::Ipv6 && !ipv6 {
                continue;
            }
            let of_group = |c: &Cidr| Family::of(c) == family;
            let wanted = remote.desired.iter().filter(|(c, (p, _))| p == peer && of_group(c));
            let recorded = ledger
                .lists
                .iter()
                .filter(|l| &&l.peer == peer && l.family == family)
                .flat_map(|l| l.entries.keys());
            let clash = wanted.map(|(c, _)| c).chain(recorded).any(|c| propagated.contains(c));
            if !clash {
                groups.insert(((*peer).clone(), family));
            }
        }
    }
    groups
}

/// The CIDRs the table's routes toward the tool's lists route, as read:
/// the entries of each such list that is not applying a change.
fn serving<'a>(
    table: &'a VpcRouteTable,
    ledger: &RegionLedger<'a>,
    tgw: &TransitGatewayId,
) -> BTreeMap<Cidr, &'a PrefixListId> {
    let toward = VpcRouteTarget::TransitGateway(tgw.clone());
    let mut out = BTreeMap::new();
    for route in table.list_routes.iter().filter(|r| r.target == toward) {
        let Some(list) = ledger.lists.iter().find(|l| l.id == route.prefix_list_id) else {
            continue;
        };
        if !list.is_busy() {
            out.extend(list.entries.keys().map(|c| (*c, &route.prefix_list_id)));
        }
    }
    out
}

/// The remote CIDRs of the peerings available on this side, overlaps
/// with this Region's own VPCs excluded (as in the transit gateway route
/// table), and those whose peering is not available yet.
fn remote_cidrs<'a>(gw: &Gateway, pairs: &'a [ReadyPeering], ctx: &TableContext<'a>) -> Remote<'a> {
    let ready: Vec<&ReadyPeering> = pairs
        .iter()
        .filter(|p| {
            ctx.peerings
                .iter()
                .find(|x| x.id == p.id)
                .is_none_or(|x| x.state_in(&gw.region) == PeeringState::Available)
        })
        .collect();
    let local = local_cidrs(&ctx.observed.regions[&gw.region]);
    let mut remote = Remote {
        ready: ready.iter().map(|p| &p.peer).collect(),
        desired: BTreeMap::new(),
        pending: BTreeSet::new(),
        conflicted: BTreeSet::new(),
        refused: BTreeSet::new(),
    };
    for (peer, rc) in ctx.cidrs.iter().filter(|(p, _)| **p != gw.region) {
        remote.pending.extend(rc.waiting.iter().copied());
        if !ready.iter().any(|p| &p.peer == peer) {
            remote.pending.extend(rc.tagged.keys().copied());
            continue;
        }
        for (cidr, owners) in &rc.tagged {
            if !ctx.conflicted.contains(&(peer.clone(), *cidr))
                && overlapping_local(&local, cidr).is_none()
            {
                remote.desired.insert(*cidr, (peer, owners));
            } else {
                remote.conflicted.insert(*cidr);
            }
        }
    }
    remote
}

impl<'a> VpcTable<'a> {
    fn place(&self, peer: &'a Region) -> Place<'a> {
        self.place_as(peer, false)
    }

    /// `listed`: the route is wanted as an entry of a list the table routes.
    fn place_as(&self, peer: &'a Region, listed: bool) -> Place<'a> {
        Place::Vpc {
            region: &self.gw.region,
            table: &self.table.id,
            vpc: &self.table.vpc_id,
            tgw: &self.gw.transit_gateway_id,
            peer,
            listed,
        }
    }

    /// True when the table routes `cidr` of `peer` through a list route.
    fn listed(&self, peer: &Region, cidr: &Cidr) -> bool {
        self.groups.contains(&(peer.clone(), Family::of(cidr)))
    }

    fn toward(&self) -> VpcRouteTarget {
        VpcRouteTarget::TransitGateway(self.gw.transit_gateway_id.clone())
    }
}

/// In a table of a tagged VPC: every wanted remote CIDR, toward the
/// transit gateway; a route for it elsewhere is a conflict.
fn add_routes(t: &VpcTable<'_>, ipv6: bool, out: &mut Plan, needs: &mut LedgerNeeds) {
    let existing: BTreeMap<Cidr, &VpcRoute> = t.table.routes.iter().map(|r| (r.cidr, r)).collect();
    for (cidr, (peer, owners)) in &t.remote.desired {
        if t.remote.refused.contains(cidr) {
            continue;
        }
        if cidr.is_ipv6() && !ipv6 {
            continue;
        }
        let decision = match existing.get(cidr) {
            Some(r) if r.target == t.toward() => continue,
            Some(r) => RouteDecision::Conflict(ConflictCause::RouteExists {
                target: format!(
                    "to {} (origin {})",
                    r.target,
                    if r.origin.is_empty() { "unknown" } else { &r.origin }
                ),
            }),
            None if t.serving.contains_key(cidr) && t.listed(peer, cidr) => {
                RouteDecision::Present { target_unreported: false, adopt: false }
            }
            None => RouteDecision::Missing,
        };
        let d = Decided {
            place: t.place_as(peer, t.listed(peer, cidr)),
            cidr: *cidr,
            owners: Some(owners),
            target: RouteTarget::Unknown,
            entry: t.ledger.owner_for(cidr, peer),
            decision,
        };
        record(d, out, None, needs);
    }
}

/// The tool's routes (made by `CreateRoute`, toward the transit gateway,
/// in the ledger) that the table should not hold, through the shared
/// removal rules and the table's budget.
fn remove_routes(t: &VpcTable<'_>, tagged: bool, out: &mut Plan, needs: &mut LedgerNeeds) {
    let mut decided = Vec::new();
    let mut retired = Vec::new();
    for route in &t.table.routes {
        if !route.is_created() || route.target != t.toward() {
            continue;
        }
        // The entry of the peer Region that advertises the CIDR now, when
        // its list holds it (a CIDR can sit in two lists while it moves).
        let now = t.remote.desired.get(&route.cidr).map(|(p, _)| *p);
        let Some(peer) = now
            .and_then(|p| t.ledger.owner_for(&route.cidr, p))
            .or_else(|| t.ledger.owner(&route.cidr))
        else {
            continue;
        };
        let served = now.filter(|p| t.listed(p, &route.cidr)).and(t.serving.get(&route.cidr));
        let cause = match (unwanted(t, &route.cidr, peer, tagged), served) {
            (Some(cause), _) => cause,
            // Prefix-list mode: the list route is in, the CIDR's own goes.
            (None, Some(list)) => {
                WithdrawCause::ServedByList { list: (*list).clone(), peer: peer.clone() }
            }
            (None, None) => {
                needs.keep.insert((peer.clone(), route.cidr));
                continue;
            }
        };
        let retirement = matches!(cause, WithdrawCause::ServedByList { .. });
        let decision = removal(Claim {
            via: None,
            protected: t.ctx.config.is_protected(&route.cidr),
            in_conflict: t.remote.conflicted.contains(&route.cidr),
            owned: Some(cause),
            prune: false,
            peer,
        });
        let d = Decided {
            place: t.place(peer),
            cidr: route.cidr,
            owners: None,
            target: RouteTarget::Unknown,
            entry: Some(peer),
            decision,
        };
        if retirement && matches!(d.decision, RouteDecision::Withdraw(_)) {
            retired.push(d);
        } else {
            decided.push(d);
        }
    }
    let size = t.ledger.size();
    let limit = budget(t.ctx.config, size);
    let name = t.table.id.as_str();
    hold_over_budget(&t.gw.region, name, &mut decided, limit, size, out);
    let retired = within_budget(&t.gw.region, name, retired, &decided, limit, out);
    for d in decided.into_iter().chain(retired) {
        record(d, out, None, needs);
    }
}

/// Why the table should not hold the tool's route for `cidr`, if it should not.
fn unwanted(t: &VpcTable<'_>, cidr: &Cidr, peer: &Region, tagged: bool) -> Option<WithdrawCause> {
    if t.remote.pending.contains(cidr) {
        return None;
    }
    match t.remote.desired.get(cidr) {
        Some(_) if tagged => None,
        Some((peer, owners)) => Some(WithdrawCause::TableOfUntaggedVpc {
            vpc: t.table.vpc_id.clone(),
            owners: vpc_list(owners),
            peer: (*peer).clone(),
        }),
        None => Some(match t.ctx.cidrs[peer].withdrawn.get(cidr) {
            Some((vpc, why)) => {
                WithdrawCause::Released { vpc: vpc.clone(), why, peer: peer.clone() }
            }
            None => WithdrawCause::Gone {
                entry: t.ledger.description(cidr).unwrap_or("an unnamed VPC").to_owned(),
                peer: peer.clone(),
            },
        }),
    }
}
