//! Domain types: parsed once at the edge, trusted everywhere after.
//!
//! The bottom layer of the crate: it imports nothing of the crate above it.
//! Identifiers are newtypes whose only constructor is `parse`; CIDRs wrap
//! `ipnet`; states are enums with an `Unknown` variant where AWS may add
//! values.

mod cidr;
mod ids;
mod peering;
mod routes;
mod vpc;

pub use cidr::Cidr;
pub use ids::{
    AccountId, AttachmentId, ParseError, Region, RoleArn, RouteTableId, TransitGatewayId, VpcId,
    VpcRouteTableId,
};
pub use peering::{
    GatewayRef, PeeringAttachment, PeeringPhase, PeeringState, TransitGateway, MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
};
pub use routes::{RouteTarget, StaticRoute};
pub use vpc::{CidrState, Vpc, VpcRoute, VpcRouteTable, VpcRouteTarget, CREATE_ROUTE_ORIGIN};

#[cfg(test)]
mod tests;
