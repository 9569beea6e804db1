//! Every port of the core: the AWS operations the tool needs, behind small
//! traits, so that the handler, the reader and the executor are testable
//! without a network. The AWS adapters (`crate::aws`) implement them; nothing
//! here knows about the handler.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    AccountId, AttachmentId, Cidr, GatewayRef, PeeringAttachment, Region, RouteTableId,
    StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcRouteTable, VpcRouteTableId,
};
use crate::error::Error;
use crate::events::{OutEvent, Recheck};

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

/// The event bus the tool publishes on (`EVENT_BUS_NAME`).
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes every event, in batches as the bus takes them.
    ///
    /// # Errors
    /// A retryable [`Error::Aws`] when the bus refuses or fails any entry.
    async fn publish(&self, events: &[OutEvent]) -> Result<(), Error>;
}

/// The watcher's delay queue (`RECHECK_QUEUE_URL`).
#[async_trait]
pub trait RecheckQueue: Send + Sync {
    /// Sends a re-check, to be delivered after `delay_secs` (0 to 900).
    ///
    /// # Errors
    /// [`Error::Aws`] when the queue refuses it.
    async fn send(&self, recheck: &Recheck, delay_secs: i32) -> Result<(), Error>;
}

/// Who the tool runs as (the hub's account): events of Regions without a
/// role in `ACCOUNT_ROLE_ARNS`, and the tool's own, must come from it.
#[async_trait]
pub trait Identity: Send + Sync {
    /// The account of the process's credentials (STS `GetCallerIdentity`).
    ///
    /// # Errors
    /// [`Error::Aws`] when STS cannot be asked.
    async fn account(&self) -> Result<AccountId, Error>;
}
