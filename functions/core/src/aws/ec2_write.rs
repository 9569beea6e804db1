//! The EC2 writes. A repeat of a change already in place (a retry after a
//! lost answer) is an [`Outcome::AlreadyDone`], never an error.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use super::ec2::AwsEc2;
use super::errors::{decode, idempotent};
use crate::domain::{
    AttachmentId, Cidr, GatewayRef, RouteTableId, TransitGatewayId, VpcRouteTableId,
};
use crate::error::Error;
use crate::ports::Outcome;

impl AwsEc2 {
    pub(super) async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        tags: &[(String, String)],
    ) -> Result<AttachmentId, Error> {
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::TransitGatewayAttachment)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .build();
        // PeerAccountId is required by the API: the accepter gateway's owner.
        let account = accepter.account_id.as_ref().ok_or_else(|| Error::Resolve {
            region: accepter.region.clone(),
            message: format!(
                "the owner account of transit gateway {} is unknown; cannot request a peering",
                accepter.transit_gateway_id
            ),
        })?;
        let out = self
            .client
            .create_transit_gateway_peering_attachment()
            .transit_gateway_id(requester.as_str())
            .peer_transit_gateway_id(accepter.transit_gateway_id.as_str())
            .peer_region(accepter.region.as_str())
            .peer_account_id(account.as_str())
            .tag_specifications(spec)
            .send()
            .await
            .map_err(|e| self.err("CreateTransitGatewayPeeringAttachment", e))?;
        let id = out
            .transit_gateway_peering_attachment()
            .and_then(|p| p.transit_gateway_attachment_id())
            .unwrap_or_default();
        decode(
            &self.region,
            "CreateTransitGatewayPeeringAttachment",
            "an attachment ID",
            AttachmentId::parse(id),
        )
    }

    pub(super) async fn accept_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        let r = self
            .client
            .accept_transit_gateway_peering_attachment()
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        // Accepting twice: AWS answers IncorrectState; the next read decides.
        idempotent(
            &self.region,
            "AcceptTransitGatewayPeeringAttachment",
            r,
            &["IncorrectState"],
        )
    }

    pub(super) async fn delete_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        let r = self
            .client
            .delete_transit_gateway_peering_attachment()
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        idempotent(
            &self.region,
            "DeleteTransitGatewayPeeringAttachment",
            r,
            &[
                "InvalidTransitGatewayAttachmentID.NotFound",
                "IncorrectState",
            ],
        )
    }

    pub(super) async fn associate_route_table(
        &self,
        route_table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .associate_transit_gateway_route_table()
            .transit_gateway_route_table_id(route_table.as_str())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        // `Resource.AlreadyAssociated` is a repeat when the association is
        // with this table: a retry after a response that was lost (the SDK
        // retries a 5xx). With another table of the gateway it needs a person.
        match idempotent(
            &self.region,
            "AssociateTransitGatewayRouteTable", r, &[]) {
            Err(Error::Aws {
                code: Some(code), ..
            }) if code == "Resource.AlreadyAssociated"
                && self
                    .read_associations(route_table)
                    .await
                    .is_ok_and(|a| a.contains(attachment)) =>
            {
                Ok(Outcome::AlreadyDone(format!(
                    "{attachment} is already associated with {route_table}"
                )))
            }
            Err(Error::Aws {
                region,
                operation,
                code: Some(code),
                message,
                source,
                ..
            }) if code == "Resource.AlreadyAssociated" => Err(Error::Aws {
                region,
                operation,
                message: format!(
                    "{message}: {attachment} is associated with another route table than {route_table}; disassociate it or set ROUTE_TABLE_IDS to that table"
                ),
                code: Some(code),
                retryable: false,
                source,
            }),
            other => other,
        }
    }

    pub(super) async fn create_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .create_transit_gateway_route()
            .transit_gateway_route_table_id(route_table.as_str())
            .destination_cidr_block(cidr.to_string())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        idempotent(
            &self.region,
            "CreateTransitGatewayRoute",
            r,
            &["RouteAlreadyExists"],
        )
    }

    pub(super) async fn delete_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .delete_transit_gateway_route()
            .transit_gateway_route_table_id(route_table.as_str())
            .destination_cidr_block(cidr.to_string())
            .send()
            .await
            .map(|_| ());
        idempotent(
            &self.region,
            "DeleteTransitGatewayRoute",
            r,
            &["InvalidRoute.NotFound"],
        )
    }

    pub(super) async fn create_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
        transit_gateway: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        let (v4, v6) = destination(cidr);
        let r = self
            .client
            .create_route()
            .route_table_id(route_table.as_str())
            .transit_gateway_id(transit_gateway.as_str())
            .set_destination_cidr_block(v4)
            .set_destination_ipv6_cidr_block(v6)
            .send()
            .await
            .map(|_| ());
        // A repeat after a lost answer. A route to another target with the
        // same CIDR answers the same code; the planner never asks for that.
        idempotent(&self.region, "CreateRoute", r, &["RouteAlreadyExists"])
    }

    pub(super) async fn delete_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        let (v4, v6) = destination(cidr);
        let r = self
            .client
            .delete_route()
            .route_table_id(route_table.as_str())
            .set_destination_cidr_block(v4)
            .set_destination_ipv6_cidr_block(v6)
            .send()
            .await
            .map(|_| ());
        idempotent(&self.region, "DeleteRoute", r, &["InvalidRoute.NotFound"])
    }
}

/// A VPC route's destination: the IPv4 or the IPv6 field of the request.
fn destination(cidr: &Cidr) -> (Option<String>, Option<String>) {
    if cidr.is_ipv6() {
        (None, Some(cidr.to_string()))
    } else {
        (Some(cidr.to_string()), None)
    }
}
