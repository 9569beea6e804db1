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

use super::ec2::{AwsEc2, Written};
use crate::domain::{AttachmentId, PrefixListId, RouteTableId, TransitGatewayId, VpcRouteTableId};

/// A prefix list reference request with its route table and list set.
macro_rules! on_reference {
    ($self:ident . $operation:ident, $table:expr, $list:expr) => {
        $self
            .client
            .$operation()
            .transit_gateway_route_table_id($table.as_str())
            .prefix_list_id($list.as_str())
    };
}

impl AwsEc2 {
    /// References `list` in `table` toward `to`.
    pub(super) async fn create_reference(
        &self,
        table: &RouteTableId,
        list: &PrefixListId,
        to: &AttachmentId,
    ) -> Written {
        let call = on_reference!(self.create_transit_gateway_prefix_list_reference, table, list);
        let call = call.transit_gateway_attachment_id(to.as_str()).send();
        self.sent("CreateTransitGatewayPrefixListReference", call, &["RouteAlreadyExists"]).await
    }

    /// Points the reference of `list` in `table` at `to` (no longer a
    /// blackhole).
    pub(super) async fn modify_reference(
        &self,
        table: &RouteTableId,
        list: &PrefixListId,
        to: &AttachmentId,
    ) -> Written {
        let call = on_reference!(self.modify_transit_gateway_prefix_list_reference, table, list)
            .transit_gateway_attachment_id(to.as_str())
            .blackhole(false)
            .send();
        self.sent("ModifyTransitGatewayPrefixListReference", call, &[]).await
    }

    /// Removes the reference of `list` from `table`.
    pub(super) async fn delete_reference(
        &self,
        table: &RouteTableId,
        list: &PrefixListId,
    ) -> Written {
        let call = on_reference!(self.delete_transit_gateway_prefix_list_reference, table, list);
        let gone = ["InvalidRoute.NotFound", "InvalidPrefixListID.NotFound"];
        self.sent("DeleteTransitGatewayPrefixListReference", call.send(), &gone).await
    }

    /// A route toward the Region's transit gateway for every entry of
    /// `list`, in a VPC route table.
    pub(super) async fn create_vpc_list_route(
        &self,
        table: &VpcRouteTableId,
        list: &PrefixListId,
        gateway: &TransitGatewayId,
    ) -> Written {
        let request = self.client.create_route().route_table_id(table.as_str());
        let request = request.destination_prefix_list_id(list.as_str());
        self.vpc_route_created(request.transit_gateway_id(gateway.as_str()).send()).await
    }

    /// Removes the route toward `list` from a VPC route table.
    pub(super) async fn delete_vpc_list_route(
        &self,
        table: &VpcRouteTableId,
        list: &PrefixListId,
    ) -> Written {
        let request = self.client.delete_route().route_table_id(table.as_str());
        let call = request.destination_prefix_list_id(list.as_str()).send();
        self.sent("DeleteRoute", call, &["InvalidRoute.NotFound"]).await
    }
}
