//! The association of the pairs' peerings: with the managed table, or,
//! where segments are declared, with the peering table.
//!
//! An attachment is associated with exactly one route table ("You can
//! associate only one route table with an attachment", API reference
//! AssociateTransitGatewayRouteTable), and traffic arriving over a peering
//! is routed by that table ("Transit gateway peering attachments", Amazon
//! VPC Transit Gateways guide). AWS has no call that moves an association
//! in one step: disassociate, then associate, and the traffic between the
//! two calls is dropped.

use crate::domain::{Association, AssociationState, AttachmentId, RouteTarget};
use crate::observed::{Gateway, RegionState};

use super::peering::ReadyPeering;
use super::{Action, Finding, FindingCode, Plan, Planned, TableContext};

/// The association of an available peering with the managed table, or,
/// where segments are declared, with the peering table (none: the
/// Region's `no_peering_table` finding says so). A peering associated with
/// another table is moved when [`move_reason`] says so, else reported.
pub(super) fn associate(
    gw: &Gateway,
    ready: &ReadyPeering,
    ctx: &TableContext<'_>,
    out: &mut Plan,
) {
    let region = &gw.region;
    let Some(rt) = gw.peering_table() else {
        return;
    };
    let state = &ctx.observed.regions[region];
    if state.table(rt).is_some_and(|t| t.associations.contains(&ready.id)) {
        return;
    }
    let elsewhere = state
        .attachments
        .iter()
        .find(|a| a.id == ready.id)
        .and_then(|a| a.association.as_ref())
        .filter(|a| a.state != AssociationState::Disassociated);
    let finding = |code, reason: String| Finding {
        code,
        region: Some(region.clone()),
        subject: format!("peering {}", ready.id),
        reason,
    };
    let Some(other) = elsewhere else {
        out.actions.push(Planned {
            action: Action::AssociateRouteTable {
                region: region.clone(),
                route_table_id: rt.clone(),
                attachment_id: ready.id.clone(),
            },
            reason: format!("the peering with {} is not associated with {rt}", ready.peer),
        });
        return;
    };
    let now = &other.route_table_id;
    if other.state == AssociationState::Disassociating {
        let reason = format!("leaving {now}; then it is associated with {rt}");
        out.findings.push(finding(FindingCode::AssociationMoving, reason));
    } else if let Some(reason) = move_reason(gw, ready, other, ctx, state) {
        out.actions.push(Planned {
            action: Action::DisassociateRouteTable {
                region: region.clone(),
                route_table_id: now.clone(),
                attachment_id: ready.id.clone(),
            },
            reason,
        });
    } else if gw.tables.declared {
        let reason = format!(
            "associated with {now}, not with the peering table {rt}: traffic arriving over the peering is routed by {now}. Routes go over it, and moving it (disassociate, then associate) drops the traffic between the two calls, so the tool does not: move it when you choose"
        );
        out.findings.push(finding(FindingCode::AssociatedElsewhere, reason));
    } else {
        let reason = format!(
            "associated with {now}, not with the managed table {rt}: routes still go into {rt}, but traffic arriving over the peering is routed by {now}; not moved"
        );
        out.findings.push(finding(FindingCode::AssociatedElsewhere, reason));
    }
}

/// Why the tool's peering, associated with `other`, moves (its first step,
/// the disassociation), if it does: it sits in the default association
/// table while `ROUTE_TABLE_IDS` names another; or, where segments are
/// declared, no route of any table read goes over it yet (a new peering).
fn move_reason(
    gw: &Gateway,
    ready: &ReadyPeering,
    other: &Association,
    ctx: &TableContext<'_>,
    state: &RegionState,
) -> Option<String> {
    if !ready.managed {
        return None;
    }
    let rt = gw.peering_table()?;
    let now = &other.route_table_id;
    let default = state
        .transit_gateways
        .iter()
        .find(|g| g.id == gw.transit_gateway_id)
        .and_then(|g| g.default_association_route_table.as_ref());
    if gw.tables.declared {
        // Never while routes go over it: the traffic between the two
        // calls would be dropped.
        (!routes_over(state, &ready.id)).then(|| format!(
            "the tool's peering sits in {now}, not in the peering table {rt}, and no route goes over it yet; it moves there"
        ))
    } else if Some(now) == default && ctx.config.route_table_ids.contains_key(&gw.region) {
        Some(format!(
            "the tool's peering sits in the default association table {now}, but ROUTE_TABLE_IDS names {rt}; it moves there"
        ))
    } else {
        None
    }
}

/// Whether a route of any table read in the Region goes over `peering`.
fn routes_over(state: &RegionState, peering: &AttachmentId) -> bool {
    state
        .route_table
        .iter()
        .chain(&state.segment_tables)
        .flat_map(|t| &t.routes)
        .any(|r| matches!(&r.target, RouteTarget::Attachment(id) if id == peering))
}
