//! The changes the planner asks for: one [`Action`] per AWS write, each
//! [`Planned`] with the reason it is needed.

use std::fmt;

use serde::Serialize;

use crate::domain::{
    AttachmentId, Cidr, GatewayRef, Region, RouteTableId, TransitGatewayId, VpcRouteTableId,
};

/// A change to make in AWS.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Request a peering from `requester` (whose Region makes the call) to `accepter`.
    CreatePeering {
        requester: GatewayRef,
        accepter: GatewayRef,
    },
    /// Accept a peering, in the accepter's Region.
    AcceptPeering {
        region: Region,
        attachment_id: AttachmentId,
    },
    /// Delete a duplicate peering the tool created, in its requester's Region.
    DeletePeering {
        region: Region,
        attachment_id: AttachmentId,
    },
    AssociateRouteTable {
        region: Region,
        route_table_id: RouteTableId,
        attachment_id: AttachmentId,
    },
    CreateRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        attachment_id: AttachmentId,
    },
    DeleteRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        attachment_id: AttachmentId,
    },
    /// A route in a VPC route table toward the Region's transit gateway
    /// (`MANAGE_VPC_ROUTES`).
    CreateVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        transit_gateway_id: TransitGatewayId,
    },
    DeleteVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        transit_gateway_id: TransitGatewayId,
    },
}

impl Action {
    /// The Region whose API carries out the action.
    pub fn region(&self) -> &Region {
        match self {
            Action::CreatePeering { requester, .. } => &requester.region,
            Action::AcceptPeering { region, .. }
            | Action::DeletePeering { region, .. }
            | Action::AssociateRouteTable { region, .. }
            | Action::CreateRoute { region, .. }
            | Action::DeleteRoute { region, .. }
            | Action::CreateVpcRoute { region, .. }
            | Action::DeleteVpcRoute { region, .. } => region,
        }
    }

    /// The name used in logs and in `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreatePeering { .. } => "create_peering",
            Action::AcceptPeering { .. } => "accept_peering",
            Action::DeletePeering { .. } => "delete_peering",
            Action::AssociateRouteTable { .. } => "associate_route_table",
            Action::CreateRoute { .. } => "create_route",
            Action::DeleteRoute { .. } => "delete_route",
            Action::CreateVpcRoute { .. } => "create_vpc_route",
            Action::DeleteVpcRoute { .. } => "delete_vpc_route",
        }
    }

    /// For a route write: its table, its CIDR, and whether it adds or
    /// removes the route.
    pub fn route_change(&self) -> Option<RouteChange> {
        let (table, cidr, direction) = match self {
            Action::CreateRoute {
                route_table_id,
                cidr,
                ..
            } => (
                RouteTableRef::Transit(route_table_id.clone()),
                cidr,
                Direction::Added,
            ),
            Action::DeleteRoute {
                route_table_id,
                cidr,
                ..
            } => (
                RouteTableRef::Transit(route_table_id.clone()),
                cidr,
                Direction::Removed,
            ),
            Action::CreateVpcRoute {
                route_table_id,
                cidr,
                ..
            } => (
                RouteTableRef::Vpc(route_table_id.clone()),
                cidr,
                Direction::Added,
            ),
            Action::DeleteVpcRoute {
                route_table_id,
                cidr,
                ..
            } => (
                RouteTableRef::Vpc(route_table_id.clone()),
                cidr,
                Direction::Removed,
            ),
            _ => return None,
        };
        Some(RouteChange {
            region: self.region().clone(),
            table,
            cidr: *cidr,
            direction,
        })
    }

    /// Route writes are independent of each other and may run concurrently;
    /// the other actions run first, one at a time.
    pub fn is_route_write(&self) -> bool {
        matches!(
            self,
            Action::CreateRoute { .. }
                | Action::DeleteRoute { .. }
                | Action::CreateVpcRoute { .. }
                | Action::DeleteVpcRoute { .. }
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::CreatePeering {
                requester,
                accepter,
            } => write!(
                f,
                "{}: create peering {} -> {} ({})",
                requester.region,
                requester.transit_gateway_id,
                accepter.transit_gateway_id,
                accepter.region
            ),
            Action::AcceptPeering {
                region,
                attachment_id,
            } => write!(f, "{region}: accept peering {attachment_id}"),
            Action::DeletePeering {
                region,
                attachment_id,
            } => write!(f, "{region}: delete peering {attachment_id}"),
            Action::AssociateRouteTable {
                region,
                route_table_id,
                attachment_id,
            } => write!(
                f,
                "{region}: associate {attachment_id} with {route_table_id}"
            ),
            Action::CreateRoute {
                region,
                route_table_id,
                cidr,
                attachment_id,
            } => write!(
                f,
                "{region}: add route {cidr} -> {attachment_id} in {route_table_id}"
            ),
            Action::DeleteRoute {
                region,
                route_table_id,
                cidr,
                attachment_id,
            } => write!(
                f,
                "{region}: remove route {cidr} -> {attachment_id} from {route_table_id}"
            ),
            Action::CreateVpcRoute {
                region,
                route_table_id,
                cidr,
                transit_gateway_id,
            } => write!(
                f,
                "{region}: add VPC route {cidr} -> {transit_gateway_id} in {route_table_id}"
            ),
            Action::DeleteVpcRoute {
                region,
                route_table_id,
                cidr,
                transit_gateway_id,
            } => write!(
                f,
                "{region}: remove VPC route {cidr} -> {transit_gateway_id} from {route_table_id}"
            ),
        }
    }
}

/// An action and why it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
}

/// A route table of either kind: a transit gateway's (`tgw-rtb-…`) or a
/// VPC's (`rtb-…`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum RouteTableRef {
    Transit(RouteTableId),
    Vpc(VpcRouteTableId),
}

impl fmt::Display for RouteTableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteTableRef::Transit(id) => id.fmt(f),
            RouteTableRef::Vpc(id) => id.fmt(f),
        }
    }
}

/// Whether a route write adds or removes its route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Added,
    Removed,
}

/// One route added to or removed from a route table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RouteChange {
    pub region: Region,
    pub table: RouteTableRef,
    pub cidr: Cidr,
    pub direction: Direction,
}
