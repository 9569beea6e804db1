//! The EC2 writes: one planned [`Action`] each. A repeat of a change
//! already in place (a retry after a lost answer) is an
//! [`Outcome::AlreadyDone`], never an error.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use super::ec2::AwsEc2;
use super::errors::idempotent;
use crate::domain::{
    peering_tags, AttachmentId, Cidr, GatewayRef, RouteTableId, TransitGatewayId, VpcRouteTableId,
};
use crate::error::Error;
use crate::planner::Action;
use crate::ports::Outcome;

impl AwsEc2 {
    /// Carries out one action in this Region.
    pub(super) async fn write(&self, action: &Action) -> Result<Outcome, Error> {
        match action {
            Action::CreatePeering {
                requester,
                accepter,
            } => {
                self.create_peering(&requester.transit_gateway_id, accepter)
                    .await
            }
            Action::AcceptPeering { attachment_id, .. } => self.accept_peering(attachment_id).await,
            Action::DeletePeering { attachment_id, .. } => self.delete_peering(attachment_id).await,
            Action::AssociateRouteTable {
                route_table_id,
                attachment_id,
                ..
            } => {
                self.associate_route_table(route_table_id, attachment_id)
                    .await
            }
            Action::DisassociateRouteTable {
                route_table_id,
                attachment_id,
                ..
            } => {
                self.disassociate_route_table(route_table_id, attachment_id)
                    .await
            }
            Action::CreateLedger { .. }
            | Action::ResizeLedger { .. }
            | Action::UpdateLedger { .. }
            | Action::ReleaseLedger { .. } => self.write_ledger(action).await,
            _ => self.write_route(action).await,
        }
    }

    async fn write_route(&self, action: &Action) -> Result<Outcome, Error> {
        match action {
            Action::CreateRoute {
                route_table_id: t,
                cidr,
                attachment_id: a,
                ..
            } => self.create_route(t, cidr, a).await,
            Action::ReplaceRoute {
                route_table_id: t,
                cidr,
                attachment_id: a,
                ..
            } => self.replace_route(t, cidr, a).await,
            Action::DeleteRoute {
                route_table_id: t,
                cidr,
                ..
            } => self.delete_route(t, cidr).await,
            Action::CreateVpcRoute {
                route_table_id: t,
                cidr,
                transit_gateway_id: g,
                ..
            } => self.create_vpc_route(t, cidr, g).await,
            Action::DeleteVpcRoute {
                route_table_id: t,
                cidr,
                ..
            } => self.delete_vpc_route(t, cidr).await,
            other => Err(Error::Internal {
                message: format!("{} is not a route write", other.kind()),
                source: None,
            }),
        }
    }

    /// Requests a peering. AWS allows one live peering between two transit
    /// gateways ("Transit Gateway quotas": peering attachments between two
    /// transit gateways, 1, not adjustable); the refusal's code is not
    /// documented, so any refusal is checked by reading again: a live
    /// peering of the pair means the request is already made.
    async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
    ) -> Result<Outcome, Error> {
        // PeerAccountId is required by the API: the accepter gateway's owner.
        let account = accepter.account_id.as_ref().ok_or_else(|| Error::Resolve {
            region: accepter.region.clone(),
            message: format!(
                "the owner account of transit gateway {} is unknown; cannot request a peering",
                accepter.transit_gateway_id
            ),
        })?;
        let tags = peering_tags(&self.region, &accepter.region);
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::TransitGatewayAttachment)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .build();
        let sent = self
            .client
            .create_transit_gateway_peering_attachment()
            .transit_gateway_id(requester.as_str())
            .peer_transit_gateway_id(accepter.transit_gateway_id.as_str())
            .peer_region(accepter.region.as_str())
            .peer_account_id(account.as_str())
            .tag_specifications(spec)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) => return self.refused_peering(requester, accepter, e).await,
        };
        let id = out
            .transit_gateway_peering_attachment()
            .and_then(|p| p.transit_gateway_attachment_id())
            .unwrap_or_default();
        let id = super::errors::decode(
            &self.region,
            "CreateTransitGatewayPeeringAttachment",
            "an attachment ID",
            AttachmentId::parse(id),
        )?;
        Ok(Outcome::Created(id.to_string()))
    }

    /// A refused peering request: already made when a live peering links
    /// the two gateways, else the refusal.
    async fn refused_peering<E>(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        e: aws_sdk_ec2::error::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> Result<Outcome, Error>
    where
        E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let err = self.err("CreateTransitGatewayPeeringAttachment", e);
        if err.is_retryable() {
            return Err(err);
        }
        let peerings = self.read_peering_attachments().await?;
        let live = peerings.iter().find(|p| {
            p.links(requester, &accepter.transit_gateway_id)
                && p.phase() == crate::domain::PeeringPhase::Live
        });
        match live {
            Some(p) => Ok(Outcome::AlreadyDone(format!(
                "{} already links {requester} and {} ({err})",
                p.id, accepter.transit_gateway_id
            ))),
            None => Err(err),
        }
    }

    async fn accept_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
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

    async fn delete_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        let r = self
            .client
            .delete_transit_gateway_peering_attachment()
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        let repeats = [
            "InvalidTransitGatewayAttachmentID.NotFound",
            "IncorrectState",
        ];
        idempotent(
            &self.region,
            "DeleteTransitGatewayPeeringAttachment",
            r,
            &repeats,
        )
    }

    async fn associate_route_table(
        &self,
        table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .associate_transit_gateway_route_table()
            .transit_gateway_route_table_id(table.as_str())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        let result = idempotent(&self.region, "AssociateTransitGatewayRouteTable", r, &[]);
        match result {
            // `Resource.AlreadyAssociated` is a repeat when the association
            // is with this table: a retry after a response that was lost.
            // With another table, the next plan reports it.
            Err(e) if e.aws_code() == Some("Resource.AlreadyAssociated") => {
                let mine = self.associated_with(table, attachment).await?;
                if mine {
                    Ok(Outcome::AlreadyDone(format!(
                        "{attachment} is already associated with {table}"
                    )))
                } else {
                    Ok(Outcome::Conflict(format!(
                        "{attachment} is associated with another route table than {table}: {e}"
                    )))
                }
            }
            other => other,
        }
    }

    async fn associated_with(
        &self,
        table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<bool, Error> {
        let out = self
            .client
            .describe_transit_gateway_attachments()
            .transit_gateway_attachment_ids(attachment.as_str())
            .send()
            .await
            .map_err(|e| self.err("DescribeTransitGatewayAttachments", e))?;
        Ok(out.transit_gateway_attachments().iter().any(|a| {
            a.association()
                .and_then(|s| s.transit_gateway_route_table_id())
                == Some(table.as_str())
        }))
    }

    async fn disassociate_route_table(
        &self,
        table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .disassociate_transit_gateway_route_table()
            .transit_gateway_route_table_id(table.as_str())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        let repeats = [
            "InvalidAssociation.NotFound",
            "InvalidAssociationID.NotFound",
            "IncorrectState",
        ];
        idempotent(
            &self.region,
            "DisassociateTransitGatewayRouteTable",
            r,
            &repeats,
        )
    }

    /// Creates a static route. `RouteAlreadyExists` is a repeat only when a
    /// read shows the route toward the intended attachment; toward anything
    /// else it is a conflict.
    async fn create_route(
        &self,
        table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .create_transit_gateway_route()
            .transit_gateway_route_table_id(table.as_str())
            .destination_cidr_block(cidr.to_string())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        match idempotent(
            &self.region,
            "CreateTransitGatewayRoute",
            r,
            &["RouteAlreadyExists"],
        )? {
            Outcome::AlreadyDone(why) => {
                self.route_already_there(table, cidr, attachment, why).await
            }
            other => Ok(other),
        }
    }

    async fn route_already_there(
        &self,
        table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
        why: String,
    ) -> Result<Outcome, Error> {
        let routes = self.read_routes(table).await?;
        let found = routes.iter().find(|r| r.cidr == *cidr && r.is_static());
        match found.map(|r| &r.target) {
            Some(crate::domain::RouteTarget::Attachment(a)) if a == attachment => {
                Ok(Outcome::AlreadyDone(why))
            }
            Some(other) => Ok(Outcome::Conflict(format!(
                "a static route for {cidr} already exists toward {other}; not overwritten"
            ))),
            None => Ok(Outcome::Conflict(format!("{why}; the route is not listed"))),
        }
    }

    async fn replace_route(
        &self,
        table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(table.as_str())
            .destination_cidr_block(cidr.to_string())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        idempotent(&self.region, "ReplaceTransitGatewayRoute", r, &[])
    }

    async fn delete_route(&self, table: &RouteTableId, cidr: &Cidr) -> Result<Outcome, Error> {
        let r = self
            .client
            .delete_transit_gateway_route()
            .transit_gateway_route_table_id(table.as_str())
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

    async fn create_vpc_route(
        &self,
        table: &VpcRouteTableId,
        cidr: &Cidr,
        tgw: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        let (v4, v6) = destination(cidr);
        let r = self
            .client
            .create_route()
            .route_table_id(table.as_str())
            .transit_gateway_id(tgw.as_str())
            .set_destination_cidr_block(v4)
            .set_destination_ipv6_cidr_block(v6)
            .send()
            .await
            .map(|_| ());
        // A repeat after a lost answer. A route to another target with the
        // same CIDR answers the same code; the planner never asks for that.
        idempotent(&self.region, "CreateRoute", r, &["RouteAlreadyExists"])
    }

    async fn delete_vpc_route(
        &self,
        table: &VpcRouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        let (v4, v6) = destination(cidr);
        let r = self
            .client
            .delete_route()
            .route_table_id(table.as_str())
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
