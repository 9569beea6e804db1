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
use crate::error::Error;
use crate::planner::{Action, ListRef};
use crate::ports::Outcome;

impl AwsEc2 {
    pub(super) async fn write_reference(&self, action: &Action) -> Result<Outcome, Error> {
        match action {
            Action::CreateReference {
                route_table_id,
                prefix_list: ListRef::Id(list),
                attachment_id,
                ..
            } => {
                let call = self
                    .client
                    .create_transit_gateway_prefix_list_reference()
                    .transit_gateway_route_table_id(route_table_id.as_str())
                    .prefix_list_id(list.as_str())
                    .transit_gateway_attachment_id(attachment_id.as_str())
                    .send();
                self.sent("CreateTransitGatewayPrefixListReference", call, &["RouteAlreadyExists"])
                    .await
            }
            Action::ModifyReference { route_table_id, prefix_list_id, attachment_id, .. } => {
                let call = self
                    .client
                    .modify_transit_gateway_prefix_list_reference()
                    .transit_gateway_route_table_id(route_table_id.as_str())
                    .prefix_list_id(prefix_list_id.as_str())
                    .transit_gateway_attachment_id(attachment_id.as_str())
                    .blackhole(false)
                    .send();
                self.sent("ModifyTransitGatewayPrefixListReference", call, &[]).await
            }
            Action::DeleteReference { route_table_id, prefix_list_id, .. } => {
                let call = self
                    .client
                    .delete_transit_gateway_prefix_list_reference()
                    .transit_gateway_route_table_id(route_table_id.as_str())
                    .prefix_list_id(prefix_list_id.as_str())
                    .send();
                let gone = ["InvalidRoute.NotFound", "InvalidPrefixListID.NotFound"];
                self.sent("DeleteTransitGatewayPrefixListReference", call, &gone).await
            }
            Action::CreateVpcListRoute {
                route_table_id,
                prefix_list: ListRef::Id(list),
                transit_gateway_id,
                ..
            } => {
                let call = self
                    .client
                    .create_route()
                    .route_table_id(route_table_id.as_str())
                    .destination_prefix_list_id(list.as_str())
                    .transit_gateway_id(transit_gateway_id.as_str())
                    .send();
                self.vpc_route_created(call).await
            }
            Action::DeleteVpcListRoute { route_table_id, prefix_list_id, .. } => {
                let call = self
                    .client
                    .delete_route()
                    .route_table_id(route_table_id.as_str())
                    .destination_prefix_list_id(prefix_list_id.as_str())
                    .send();
                self.sent("DeleteRoute", call, &["InvalidRoute.NotFound"]).await
            }
            other => Err(Error::Internal {
                message: format!("{other} is not a reference write with a known list"),
                source: None,
            }),
        }
    }
}
