//! Writing the routes toward the tool's ledger lists
//! (`ROUTE_MODE=prefix-list`): the managed table's references
//! (`CreateTransitGatewayPrefixListReference`,
//! `ModifyTransitGatewayPrefixListReference`,
//! `DeleteTransitGatewayPrefixListReference`) and the VPC routes toward a
//! list (`CreateRoute` and `DeleteRoute` with `DestinationPrefixListId`),
//! EC2 API reference.
//!
//! The API reference documents no error code for a reference that already
//! exists or is already gone; a repeat after a lost answer is recognised by
//! the codes AWS uses for the same case of a static route
//! (`RouteAlreadyExists`, `InvalidRoute.NotFound`) and for an unknown list
//! (`InvalidPrefixListID.NotFound`). Any other refusal is an error, and the
//! next reconcile reads the table again.

use super::ec2::AwsEc2;
use crate::domain::{AttachmentId, PrefixListId, RouteTableId, TransitGatewayId, VpcRouteTableId};
use crate::error::Error;
use crate::ports::Outcome;

impl AwsEc2 {
    /// References `list` in `table` toward `attachment`.
    pub(super) async fn create_reference(
        &self,
        table: &RouteTableId,
        list: &PrefixListId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let call = self
            .client
            .create_transit_gateway_prefix_list_reference()
            .transit_gateway_route_table_id(table.as_str())
            .prefix_list_id(list.as_str())
            .transit_gateway_attachment_id(attachment.as_str())
            .send();
        self.sent("CreateTransitGatewayPrefixListReference", call, &["RouteAlreadyExists"]).await
    }

    /// Points the reference of `list` in `table` at `attachment` (no
    /// longer a blackhole).
    pub(super) async fn modify_reference(
        &self,
        table: &RouteTableId,
        list: &PrefixListId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let call = self
            .client
            .modify_transit_gateway_prefix_list_reference()
            .transit_gateway_route_table_id(table.as_str())
            .prefix_list_id(list.as_str())
            .transit_gateway_attachment_id(attachment.as_str())
            .blackhole(false)
            .send();
        self.sent("ModifyTransitGatewayPrefixListReference", call, &[]).await
    }

    /// Removes the reference of `list` from `table`.
    pub(super) async fn delete_reference(
        &self,
        table: &RouteTableId,
        list: &PrefixListId,
    ) -> Result<Outcome, Error> {
        let call = self
            .client
            .delete_transit_gateway_prefix_list_reference()
            .transit_gateway_route_table_id(table.as_str())
            .prefix_list_id(list.as_str())
            .send();
        let gone = ["InvalidRoute.NotFound", "InvalidPrefixListID.NotFound"];
        self.sent("DeleteTransitGatewayPrefixListReference", call, &gone).await
    }

    /// A route toward the Region's transit gateway for every entry of
    /// `list`, in a VPC route table.
    pub(super) async fn create_vpc_list_route(
        &self,
        table: &VpcRouteTableId,
        list: &PrefixListId,
        gateway: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        let call = self
            .client
            .create_route()
            .route_table_id(table.as_str())
            .destination_prefix_list_id(list.as_str())
            .transit_gateway_id(gateway.as_str())
            .send();
        self.vpc_route_created(call).await
    }

    /// Removes the route toward `list` from a VPC route table.
    pub(super) async fn delete_vpc_list_route(
        &self,
        table: &VpcRouteTableId,
        list: &PrefixListId,
    ) -> Result<Outcome, Error> {
        let call = self
            .client
            .delete_route()
            .route_table_id(table.as_str())
            .destination_prefix_list_id(list.as_str())
            .send();
        self.sent("DeleteRoute", call, &["InvalidRoute.NotFound"]).await
    }
}
