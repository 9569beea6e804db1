//! VPC route tables toward the transit gateway (`MANAGE_VPC_ROUTES=true`).
//!
//! A table is managed when it serves subnets (a subnet association, or the
//! VPC's main table) and already has a route, of any origin, to this
//! Region's selected transit gateway. In such a table of a *tagged* VPC,
//! every remote CIDR the transit gateway route table wants (tagged CIDRs of
//! the peer Regions whose peering is available on this side, overlaps
//! between Regions and with this Region's own VPCs excluded) gets a route
//! toward the transit gateway (IPv6 CIDRs only where the VPC has an IPv6
//! block); a route for that CIDR to any other target is a conflict, never
//! overwritten.
//!
//! A route is removed only when its ownership is proven: it was made by
//! `CreateRoute`, it targets this Region's selected transit gateway, and
//! either its CIDR is a withdrawn CIDR of a peer Region (of an untagged VPC
//! there, or no longer associated, and tagged nowhere), or the table's own
//! VPC is not tagged and the CIDR is exactly one the tool writes. The
//! shared removal rules (`ownership`) then keep it when it is in
//! `PROTECTED_CIDRS` or its peering was not created by tgw-peering.
//! Anything else toward the transit gateway (a summary or default route, a
//! CIDR that matches no VPC) is never removed, whatever `PRUNE_ROUTES` says:
//! such a route is also what opts the table in.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{
    Cidr, PeeringState, RouteTarget, VpcId, VpcRoute, VpcRouteTable, VpcRouteTarget,
};
use crate::observed::Gateway;

use super::decision::{record, ConflictCause, Decided, Place, RouteDecision};
use super::desired::{local_cidrs, overlapping_local, vpc_list};
use super::ownership::{removal, Claim, WithdrawCause};
use super::peering::ReadyPeering;
use super::{Finding, FindingKind, Plan, TableContext};

/// The remote CIDRs the Region's VPC route tables are about.
struct Remote<'a> {
    /// Wanted: the peering, and the VPCs of the peer Region that want it.
    desired: BTreeMap<Cidr, (&'a ReadyPeering, &'a BTreeSet<VpcId>)>,
    /// Withdrawn in a peer Region (and tagged nowhere): the peering, the
    /// VPC that had it, and why it is gone.
    withdrawn: BTreeMap<Cidr, (&'a ReadyPeering, &'a VpcId, &'static str)>,
}

/// Plans the routes of every managed VPC route table of `gw`'s Region.
pub(super) fn plan_vpc_tables(
    gw: &Gateway,
    pairs: &[ReadyPeering],
    ctx: &TableContext<'_>,
    out: &mut Plan,
) {
    let state = &ctx.observed.regions[&gw.region];
    let Some(tables) = &state.vpc_route_tables else {
        out.findings.push(Finding {
            kind: FindingKind::Skip,
            region: Some(gw.region.clone()),
            subject: "VPC route tables".to_owned(),
            reason: "MANAGE_VPC_ROUTES is on, but the Region's VPC route tables were not read; no VPC route is planned".to_owned(),
        });
        return;
    };
    let remote = remote_cidrs(gw, pairs, ctx);
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
        if tagged {
            add_routes(gw, table, &remote, ipv6, out);
        }
        remove_routes(gw, table, &remote, tagged, ctx, out);
    }
}

/// The remote CIDRs of the peerings available on this side: wanted ones
/// (overlaps excluded, as in the transit gateway route table) and
/// withdrawn ones.
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
        desired: BTreeMap::new(),
        withdrawn: BTreeMap::new(),
    };
    for p in ready {
        for (cidr, owners) in &ctx.cidrs[&p.peer].tagged {
            if !ctx.conflicted.contains(&(p.peer.clone(), *cidr))
                && overlapping_local(&local, cidr).is_none()
            {
                remote.desired.insert(*cidr, (p, owners));
            }
        }
        for (cidr, (vpc, why)) in &ctx.cidrs[&p.peer].withdrawn {
            // A CIDR tagged anywhere (even in a Region not yet peered) is not withdrawn.
            if !ctx.cidrs.values().any(|rc| rc.tagged.contains_key(cidr)) {
                remote.withdrawn.insert(*cidr, (p, vpc, why));
            }
        }
    }
    remote
}

/// In a table of a tagged VPC: every wanted remote CIDR, toward the
/// transit gateway; a route for it elsewhere is a conflict.
fn add_routes(
    gw: &Gateway,
    table: &VpcRouteTable,
    remote: &Remote<'_>,
    ipv6: bool,
    out: &mut Plan,
) {
    let toward = VpcRouteTarget::TransitGateway(gw.transit_gateway_id.clone());
    let existing: BTreeMap<Cidr, &VpcRoute> = table.routes.iter().map(|r| (r.cidr, r)).collect();
    for (cidr, (via, owners)) in &remote.desired {
        if cidr.is_ipv6() && !ipv6 {
            continue;
        }
        let decision = match existing.get(cidr) {
            Some(r) if r.target == toward => continue,
            Some(r) => RouteDecision::Conflict(ConflictCause::RouteExists {
                target: format!(
                    "to {} (origin {})",
                    r.target,
                    if r.origin.is_empty() {
                        "unknown"
                    } else {
                        &r.origin
                    }
                ),
            }),
            None => RouteDecision::Missing,
        };
        let place = place(gw, table, via);
        let d = Decided {
            place,
            cidr: *cidr,
            owners: Some(owners),
            target: RouteTarget::Unknown,
            decision,
        };
        record(d, out, None);
    }
}

/// Routes made by `CreateRoute` toward the transit gateway whose ownership
/// is proven, through the shared removal rules.
fn remove_routes(
    gw: &Gateway,
    table: &VpcRouteTable,
    remote: &Remote<'_>,
    tagged: bool,
    ctx: &TableContext<'_>,
    out: &mut Plan,
) {
    let toward = VpcRouteTarget::TransitGateway(gw.transit_gateway_id.clone());
    for route in &table.routes {
        if !route.is_created() || route.target != toward {
            continue;
        }
        let cidr = route.cidr;
        let (via, owned) = if let Some((via, vpc, why)) = remote.withdrawn.get(&cidr) {
            let cause = WithdrawCause::Released {
                vpc: (*vpc).clone(),
                why,
                peer: via.peer.clone(),
            };
            (*via, cause)
        } else if let (false, Some((via, owners))) = (tagged, remote.desired.get(&cidr)) {
            let cause = WithdrawCause::TableOfUntaggedVpc {
                vpc: table.vpc_id.clone(),
                owners: vpc_list(owners),
                peer: via.peer.clone(),
            };
            (*via, cause)
        } else {
            // Wanted, or not proven to be the tool's: kept.
            continue;
        };
        let decision = removal(Claim {
            via,
            protected: ctx.config.is_protected(&cidr),
            in_conflict: false,
            owned: Some(owned),
            prune: false,
        });
        let place = place(gw, table, via);
        let d = Decided {
            place,
            cidr,
            owners: None,
            target: RouteTarget::Unknown,
            decision,
        };
        record(d, out, None);
    }
}

fn place<'a>(gw: &'a Gateway, table: &'a VpcRouteTable, via: &'a ReadyPeering) -> Place<'a> {
    Place::Vpc {
        region: &gw.region,
        table: &table.id,
        vpc: &table.vpc_id,
        tgw: &gw.transit_gateway_id,
        via,
    }
}
