//! The EC2 operations the tool needs, behind small traits so that handlers,
//! the reader and the executor are testable without a network.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    AttachmentId, Cidr, GatewayRef, PeeringAttachment, Region, RouteTableId, StaticRoute,
    TransitGateway, TransitGatewayId, Vpc, VpcRouteTable, VpcRouteTableId,
};
use crate::error::Error;

/// The key and value of the tag the tool puts on every peering it creates.
pub const MANAGED_TAG_KEY: &str = "tgw-peering:managed";
pub const MANAGED_TAG_VALUE: &str = "true";

/// How a write ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The call made the change.
    Done,
    /// The call created this peering attachment.
    Created(AttachmentId),
    /// The change was already in place (`RouteAlreadyExists`, an attachment
    /// already accepted or associated…): a repeat, not an error.
    AlreadyDone(String),
}

/// The static routes of a route table, as one search returns them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteSearch {
    pub routes: Vec<StaticRoute>,
    /// AWS returns at most 1,000 routes per search and says when there are more.
    pub truncated: bool,
}

/// The EC2 API of one Region.
#[async_trait]
pub trait Ec2Region: Send + Sync {
    fn region(&self) -> &Region;

    // Reads: one call per resource type (plus pages).
    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error>;
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error>;
    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error>;
    async fn static_routes(&self, route_table: &RouteTableId) -> Result<RouteSearch, Error>;
    async fn associations(
        &self,
        route_table: &RouteTableId,
    ) -> Result<BTreeSet<AttachmentId>, Error>;
    /// Every route table of every VPC of the Region, with its routes
    /// (`DescribeRouteTables`, paginated).
    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error>;

    // Writes.
    async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        tags: &[(String, String)],
    ) -> Result<AttachmentId, Error>;
    async fn accept_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error>;
    async fn delete_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error>;
    async fn associate_route_table(
        &self,
        route_table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error>;
    async fn create_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error>;
    async fn delete_route(&self, route_table: &RouteTableId, cidr: &Cidr)
        -> Result<Outcome, Error>;
    /// `CreateRoute` in a VPC route table toward a transit gateway;
    /// `RouteAlreadyExists` is a repeat.
    async fn create_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
        transit_gateway: &TransitGatewayId,
    ) -> Result<Outcome, Error>;
    /// `DeleteRoute` from a VPC route table; `InvalidRoute.NotFound` is a repeat.
    async fn delete_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error>;
}

/// Hands out the EC2 API of each managed Region. One factory builds every
/// Region's clients, so a Region may later use different credentials (an
/// assumed role in another account) without the callers knowing.
pub trait Ec2Clients: Send + Sync {
    fn ec2(&self, region: &Region) -> Result<Arc<dyn Ec2Region>, Error>;
}
