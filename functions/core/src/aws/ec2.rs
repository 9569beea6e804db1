//! EC2 in one Region: the [`Ec2Region`] port on the SDK's client. The
//! reads are in `ec2_read`, the writes in `ec2_write`.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, Tag};
use aws_sdk_ec2::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use super::errors::aws_error;
use crate::domain::{
    AttachmentId, Cidr, GatewayRef, PeeringAttachment, Region, RouteTableId, TransitGateway,
    TransitGatewayId, Vpc, VpcRouteTable, VpcRouteTableId,
};
use crate::error::Error;
use crate::ports::{Ec2Region, Outcome, RouteSearch};

/// EC2 in one Region.
pub struct AwsEc2 {
    pub(super) region: Region,
    pub(super) client: Client,
}

impl AwsEc2 {
    pub(super) fn new(region: Region, client: Client) -> Self {
        Self { region, client }
    }

    pub(super) fn err<E>(&self, operation: &'static str, e: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        aws_error(&self.region, operation, e)
    }
}

/// A resource's tags, key to value.
pub(super) fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// An EC2 filter with one value.
pub(super) fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[async_trait]
impl Ec2Region for AwsEc2 {
    fn region(&self) -> &Region {
        &self.region
    }

    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        self.read_transit_gateways().await
    }

    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        self.read_vpcs().await
    }

    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        self.read_peering_attachments().await
    }

    async fn static_routes(&self, route_table: &RouteTableId) -> Result<RouteSearch, Error> {
        self.read_static_routes(route_table).await
    }

    async fn associations(
        &self,
        route_table: &RouteTableId,
    ) -> Result<BTreeSet<AttachmentId>, Error> {
        self.read_associations(route_table).await
    }

    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        self.read_vpc_route_tables().await
    }

    async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        tags: &[(String, String)],
    ) -> Result<AttachmentId, Error> {
        AwsEc2::create_peering(self, requester, accepter, tags).await
    }

    async fn accept_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        AwsEc2::accept_peering(self, attachment).await
    }

    async fn delete_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        AwsEc2::delete_peering(self, attachment).await
    }

    async fn associate_route_table(
        &self,
        route_table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        AwsEc2::associate_route_table(self, route_table, attachment).await
    }

    async fn create_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        AwsEc2::create_route(self, route_table, cidr, attachment).await
    }

    async fn delete_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        AwsEc2::delete_route(self, route_table, cidr).await
    }

    async fn create_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
        transit_gateway: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        AwsEc2::create_vpc_route(self, route_table, cidr, transit_gateway).await
    }

    async fn delete_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        AwsEc2::delete_vpc_route(self, route_table, cidr).await
    }
}
