//! One deployment, one ledger: which of a Region's ledger lists are this
//! deployment's.
//!
//! A deployment is identified in each Region by its managed transit
//! gateway (one deployment per gateway): every list it writes is tagged
//! `tgw-peering:transit-gateway` with that gateway's id, checked on read.
//! Two deployments in one account (prod and non-prod gateways in each
//! Region) therefore never read, modify or reference each other's lists,
//! and each one's routes are foreign routes to the other.
//!
//! Rules, one function:
//! - [`classify`]: a list recording this gateway is the deployment's; a
//!   list recording another (or a record that names no gateway) is another
//!   deployment's, reported once and left alone; a list written before the
//!   record existed is *adopted* (tagged with this gateway) only on proof:
//!   the account has no other transit gateway in the Region (no other
//!   deployment can have written it there), or the managed table routes one
//!   of its entries by a static route toward this deployment's own peering
//!   of that pair (or references the list toward it) and every entry is
//!   either routed so or a CIDR of a VPC attached to this deployment's
//!   gateway in the peer Region (anything else may be another deployment's,
//!   whose reference of the list a release would withdraw). A list no
//!   deployment can prove is reported and left alone; its routes stay as
//!   they are, so no upgrade withdraws a route. A VPC attached to both
//!   deployments' gateways (a migration) proves a list to both: the first
//!   tag wins (the policy lets a deployment tag only a list that records
//!   none), and the other deployment sees the list as another's.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{
    AttachmentId, Cidr, LedgerList, ListDeployment, PeeringAttachment, Region, RouteTarget,
    TransitGatewayId,
};
use crate::observed::{Gateway, Observed, RegionState, RouteTableState};

use super::desired::is_terminal;

/// What the adoption proof reads besides the Region's own state.
struct Context<'a> {
    observed: &'a Observed,
    managed: &'a BTreeMap<Region, TransitGatewayId>,
    peerings: &'a [PeeringAttachment],
}

/// A Region's ledger lists, by deployment.
#[derive(Default)]
pub(super) struct Lists<'a> {
    /// The deployment's own lists: recorded with its gateway, or adopted.
    pub ours: Vec<&'a LedgerList>,
    /// Lists written before deployments were recorded that this plan adopts
    /// (also in `ours`).
    pub adopted: Vec<&'a LedgerList>,
    /// Lists of other deployments (another gateway's record, or a record
    /// that names no gateway).
    pub foreign: Vec<&'a LedgerList>,
    /// Lists written before deployments were recorded that nothing proves
    /// this deployment's, and why.
    pub unproven: Vec<(&'a LedgerList, &'static str)>,
}

/// Sorts the Region's lists by deployment (see the module's rules).
pub(super) fn classify<'a>(
    gw: &Gateway,
    state: &'a RegionState,
    observed: &Observed,
    managed: &BTreeMap<Region, TransitGatewayId>,
    peerings: &[PeeringAttachment],
) -> Lists<'a> {
    let ctx = Context { observed, managed, peerings };
    let mut out = Lists::default();
    let alone = state
        .transit_gateways
        .iter()
        .filter(|g| {
            state.account.as_ref().is_none_or(|a| g.owner_id.as_ref().is_none_or(|o| o == a))
        })
        .count()
        <= 1;
    for list in &state.ledger {
        match &list.deployment {
            ListDeployment::Gateway(id) if *id == gw.transit_gateway_id => out.ours.push(list),
            ListDeployment::Gateway(_) | ListDeployment::Unreadable(_) => out.foreign.push(list),
            ListDeployment::Unrecorded if alone => {
                out.ours.push(list);
                out.adopted.push(list);
            }
            ListDeployment::Unrecorded => match unrecorded(gw, state, list, &ctx) {
                Ok(()) => {
                    out.ours.push(list);
                    out.adopted.push(list);
                }
                Err(why) => out.unproven.push((list, why)),
            },
        }
    }
    out
}

/// Whether a list written before deployments were recorded is proven this
/// deployment's (several gateways in the Region's account).
fn unrecorded(
    gw: &Gateway,
    state: &RegionState,
    list: &LedgerList,
    ctx: &Context<'_>,
) -> Result<(), &'static str> {
    let Some(peer_gw) = ctx.managed.get(&list.peer) else {
        return Err("its peer Region is not in PEERING_REGIONS");
    };
    let pair: BTreeSet<&AttachmentId> = ctx
        .peerings
        .iter()
        .filter(|p| p.links(&gw.transit_gateway_id, peer_gw))
        .map(|p| &p.id)
        .collect();
    let empty = RouteTableState::empty(gw.route_table_id.clone());
    let table = state.route_table.as_ref().unwrap_or(&empty);
    let toward_pair =
        |t: &RouteTarget| matches!(t, RouteTarget::Attachment(id) if pair.contains(id));
    let referenced =
        table.references.iter().any(|r| r.prefix_list_id == list.id && toward_pair(&r.target));
    let routed: BTreeSet<&Cidr> = table
        .routes
        .iter()
        .filter(|r| r.is_static() && toward_pair(&r.target) && list.entries.contains_key(&r.cidr))
        .map(|r| &r.cidr)
        .collect();
    if !referenced && routed.is_empty() {
        return Err(
            "the managed table routes none of its entries toward this deployment's peering",
        );
    }
    let attached = attached_to_managed(ctx, list);
    if list.entries.keys().any(|c| !routed.contains(c) && !attached.contains(c)) {
        return Err("it holds CIDRs neither routed here nor of a VPC attached to this deployment's gateway in its peer Region (another deployment's, or unknown)");
    }
    Ok(())
}

/// The CIDRs of the VPCs of the list's peer Region (as read) that have a
/// live attachment to that Region's managed gateway.
fn attached_to_managed(ctx: &Context<'_>, list: &LedgerList) -> BTreeSet<Cidr> {
    let Some(peer) = ctx.observed.regions.get(&list.peer) else {
        return BTreeSet::new();
    };
    let attached: BTreeSet<_> =
        peer.attachments.iter().filter(|a| !is_terminal(a)).filter_map(|a| a.vpc()).collect();
    peer.vpcs
        .iter()
        .filter(|v| attached.contains(&v.id))
        .flat_map(|v| v.associated_cidrs())
        .collect()
}
