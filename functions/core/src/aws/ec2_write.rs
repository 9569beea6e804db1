//! The EC2 writes: one planned [`Action`] each. A repeat of a change
//! already in place (a retry after a lost answer) is an
//! [`Outcome::AlreadyDone`], never an error.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use super::ec2::{AwsEc2, Written};
use super::ledger_write::NewList;
use crate::domain::PrefixListId;
use crate::domain::{
    peering_tags, AttachmentId, Cidr, GatewayRef, RouteTableId, TransitGatewayId, VpcRouteTableId,
};
use crate::error::Error;
use crate::planner::{Action, ListRef};
use crate::ports::Outcome;

/// A request on one transit gateway route table (the route writes, the
/// association and its end) with the route table set.
macro_rules! on_table {
    ($self:ident . $operation:ident, $table:expr) => {
        $self.client.$operation().transit_gateway_route_table_id($table.as_str())
    };
}

/// A VPC route request (`CreateRoute`, `DeleteRoute`) with its route table
/// and destination set: the IPv4 or the IPv6 field, by the CIDR's family.
macro_rules! vpc_route {
    ($self:ident . $operation:ident, $table:expr, $cidr:expr) => {{
        let (v4, v6) = destination($cidr);
        let request = $self.client.$operation().route_table_id($table.as_str());
        request.set_destination_cidr_block(v4).set_destination_ipv6_cidr_block(v6)
    }};
}

impl AwsEc2 {
    /// Carries out one action in this Region: one exhaustive match, one
    /// adapter function per AWS operation (a new action does not compile
    /// until it has its operation).
    ///
    /// # Errors
    /// The operation's, classified retryable or permanent
    /// ([`Error::is_retryable`]); a reference to a list this plan creates
    /// whose ID the executor did not fill in is an [`Error::Internal`].
    pub(super) async fn write(&self, action: &Action) -> Written {
        match action {
            Action::CreatePeering { requester, accepter } => {
                self.create_peering(&requester.transit_gateway_id, accepter).await
            }
            Action::AcceptPeering { attachment_id, .. } => self.accept_peering(attachment_id).await,
            Action::DeletePeering { attachment_id, .. } => self.delete_peering(attachment_id).await,
            Action::AssociateRouteTable { route_table_id: t, attachment_id: a, .. } => {
                self.associate(t, a).await
            }
            Action::DisassociateRouteTable { route_table_id: t, attachment_id: a, .. } => {
                self.disassociate(t, a).await
            }
            Action::CreateLedger {
                peer,
                family,
                name,
                tag_key,
                transit_gateway,
                peering,
                segment,
                max_entries,
                entries,
                ..
            } => {
                let list = NewList {
                    segment: segment.as_ref(),
                    peer,
                    family: *family,
                    name,
                    tag_key,
                    transit_gateway,
                    peering: peering.as_ref(),
                    max_entries: *max_entries,
                };
                self.create_ledger(list, entries).await
            }
            Action::TagLedger { prefix_list_id, tags, .. } => {
                self.tag_list(prefix_list_id, tags).await
            }
            Action::RecordPeering { prefix_list_id, peering, left, .. } => {
                self.record_peering(prefix_list_id, peering, left).await
            }
            Action::UntagLedger { prefix_list_id, keys, .. } => {
                self.untag_list(prefix_list_id, keys).await
            }
            Action::ResizeLedger { prefix_list_id, max_entries, version, .. } => {
                self.resize_list(prefix_list_id, *max_entries, *version).await
            }
            Action::UpdateLedger { prefix_list_id, version, add, remove, .. } => {
                self.modify_entries(prefix_list_id, *version, add, remove).await
            }
            Action::ReleaseLedger { prefix_list_id, version, remove, .. } => {
                self.modify_entries(prefix_list_id, *version, &[], remove).await
            }
            Action::CreateRoute { route_table_id: t, cidr, attachment_id: a, .. } => {
                self.create_route(t, cidr, a).await
            }
            Action::ReplaceRoute { route_table_id: t, cidr, attachment_id: a, .. } => {
                self.replace_route(t, cidr, a).await
            }
            Action::DeleteRoute { route_table_id: t, cidr, .. }
            | Action::RetireRoute { route_table_id: t, cidr, .. } => {
                self.delete_route(t, cidr).await
            }
            Action::CreateVpcRoute { route_table_id: t, cidr, transit_gateway_id: g, .. } => {
                self.create_vpc_route(t, cidr, g).await
            }
            Action::DeleteVpcRoute { route_table_id: t, cidr, .. }
            | Action::RetireVpcRoute { route_table_id: t, cidr, .. } => {
                self.delete_vpc_route(t, cidr).await
            }
            Action::CreateReference {
                route_table_id: t, prefix_list, attachment_id: a, ..
            } => self.create_reference(t, known(prefix_list)?, a).await,
            Action::ModifyReference {
                route_table_id: t, prefix_list_id, attachment_id: a, ..
            } => self.modify_reference(t, prefix_list_id, a).await,
            Action::DeleteReference { route_table_id: t, prefix_list_id, .. } => {
                self.delete_reference(t, prefix_list_id).await
            }
            Action::CreateVpcListRoute {
                route_table_id: t,
                prefix_list,
                transit_gateway_id: g,
                ..
            } => self.create_vpc_list_route(t, known(prefix_list)?, g).await,
            Action::DeleteVpcListRoute { route_table_id: t, prefix_list_id, .. } => {
                self.delete_vpc_list_route(t, prefix_list_id).await
            }
        }
    }

    /// Requests a peering. AWS allows one live peering between two transit
    /// gateways ("Transit Gateway quotas": peering attachments between two
    /// transit gateways, 1, not adjustable); the refusal's code is not
    /// documented, so any refusal is checked by reading again: a live
    /// peering of the pair means the request is already made.
    async fn create_peering(&self, requester: &TransitGatewayId, accepter: &GatewayRef) -> Written {
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
                tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect(),
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
    ) -> Written
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

    /// Accepts the peering `attachment`. Accepting twice answers
    /// `IncorrectState`: a repeat, and the next read decides.
    async fn accept_peering(&self, attachment: &AttachmentId) -> Written {
        let request = self.client.accept_transit_gateway_peering_attachment();
        let call = request.transit_gateway_attachment_id(attachment.as_str()).send();
        self.sent("AcceptTransitGatewayPeeringAttachment", call, &["IncorrectState"]).await
    }

    /// Deletes the peering `attachment`. Deleting twice answers `NotFound`
    /// or `IncorrectState`: a repeat, and the next read decides.
    async fn delete_peering(&self, attachment: &AttachmentId) -> Written {
        let request = self.client.delete_transit_gateway_peering_attachment();
        let call = request.transit_gateway_attachment_id(attachment.as_str()).send();
        let repeats = ["InvalidTransitGatewayAttachmentID.NotFound", "IncorrectState"];
        self.sent("DeleteTransitGatewayPeeringAttachment", call, &repeats).await
    }

    /// Ends the association of `attachment` with `table`; an association
    /// already gone or ending is a repeat.
    async fn disassociate(&self, table: &RouteTableId, attachment: &AttachmentId) -> Written {
        let call = on_table!(self.disassociate_transit_gateway_route_table, table)
            .transit_gateway_attachment_id(attachment.as_str())
            .send();
        let repeats =
            ["InvalidAssociation.NotFound", "InvalidAssociationID.NotFound", "IncorrectState"];
        self.sent("DisassociateTransitGatewayRouteTable", call, &repeats).await
    }

    /// Associates `attachment` with `table`.
    async fn associate(&self, table: &RouteTableId, attachment: &AttachmentId) -> Written {
        let id = attachment.as_str();
        let call = on_table!(self.associate_transit_gateway_route_table, table)
            .transit_gateway_attachment_id(id)
            .send();
        match self.sent("AssociateTransitGatewayRouteTable", call, &[]).await {
            // `Resource.AlreadyAssociated` is a repeat when the association
            // is with this table: a retry after a response that was lost.
            // With another table, the next plan reports it.
            Err(e) if e.aws_code() == Some("Resource.AlreadyAssociated") => {
                if self.associated_with(table, attachment).await? {
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
            a.association().and_then(|s| s.transit_gateway_route_table_id()) == Some(table.as_str())
        }))
    }

    /// Points the present static route of `cidr` at `attachment` (a
    /// blackhole, or a replaced peering).
    async fn replace_route(
        &self,
        table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Written {
        let call = on_table!(self.replace_transit_gateway_route, table)
            .destination_cidr_block(cidr.to_string())
            .transit_gateway_attachment_id(attachment.as_str())
            .send();
        self.sent("ReplaceTransitGatewayRoute", call, &[]).await
    }

    /// Creates a static route toward `attachment`. `RouteAlreadyExists` is
    /// a repeat only when a read shows the route toward `attachment`;
    /// toward anything else it is a conflict.
    async fn create_route(
        &self,
        table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Written {
        let (destination, id) = (cidr.to_string(), attachment.as_str());
        let call = on_table!(self.create_transit_gateway_route, table)
            .destination_cidr_block(destination)
            .transit_gateway_attachment_id(id)
            .send();
        match self.sent("CreateTransitGatewayRoute", call, &["RouteAlreadyExists"]).await? {
            Outcome::AlreadyDone(why) => {
                self.route_already_there(table, cidr, attachment, why).await
            }
            other @ (Outcome::Done | Outcome::Created(_) | Outcome::Conflict(_)) => Ok(other),
        }
    }

    async fn route_already_there(
        &self,
        table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
        why: String,
    ) -> Written {
        let routes = self.read_routes(table, Some(cidr)).await?;
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

    async fn delete_route(&self, table: &RouteTableId, cidr: &Cidr) -> Written {
        let call = on_table!(self.delete_transit_gateway_route, table)
            .destination_cidr_block(cidr.to_string())
            .send();
        self.sent("DeleteTransitGatewayRoute", call, &["InvalidRoute.NotFound"]).await
    }

    async fn create_vpc_route(
        &self,
        table: &VpcRouteTableId,
        cidr: &Cidr,
        tgw: &TransitGatewayId,
    ) -> Written {
        let call =
            vpc_route!(self.create_route, table, cidr).transit_gateway_id(tgw.as_str()).send();
        self.vpc_route_created(call).await
    }

    /// A VPC route written: a repeat after a lost answer is done (a route
    /// to another target with the same CIDR answers the same code; the
    /// planner never asks for that); a table at its quota
    /// (`RouteLimitExceeded`, "Error codes for the Amazon EC2 API") is a
    /// conflict, reported as one, not a failure of the reconcile.
    pub(super) async fn vpc_route_created<T, E>(
        &self,
        call: impl std::future::Future<
            Output = Result<
                T,
                aws_sdk_ec2::error::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
    ) -> Written
    where
        E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match self.sent("CreateRoute", call, &["RouteAlreadyExists"]).await {
            Err(e) if e.aws_code() == Some("RouteLimitExceeded") => {
                Ok(Outcome::Conflict(format!("the route table is at its quota of routes: {e}")))
            }
            other => other,
        }
    }

    async fn delete_vpc_route(&self, table: &VpcRouteTableId, cidr: &Cidr) -> Written {
        let call = vpc_route!(self.delete_route, table, cidr).send();
        self.sent("DeleteRoute", call, &["InvalidRoute.NotFound"]).await
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

/// The ID of a list a write refers to. A list this plan creates is known
/// by its name until the executor fills in its ID (after `CreateLedger`).
///
/// # Errors
/// [`Error::Internal`] for a name the executor did not resolve.
fn known(list: &ListRef) -> Result<&PrefixListId, Error> {
    match list {
        ListRef::Id(id) => Ok(id),
        ListRef::New(name) => Err(Error::Internal {
            message: format!("the new list {name} has no ID yet: a write before its CreateLedger"),
            source: None,
        }),
    }
}
