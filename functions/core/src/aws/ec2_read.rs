//! The EC2 reads: one call per resource type (and its pages, through the
//! SDK's paginators), each answer decoded into domain types.

use aws_sdk_ec2::types as ec2;

use super::ec2::{filter, tags_of, AwsEc2};
use super::errors::decode;
use crate::domain::{
    AccountId, Association, AssociationState, AttachmentId, AttachmentKind, AttachmentState, Cidr,
    CidrState, GatewayRef, ListReference, PeeringAttachment, PeeringState, PrefixListId, Region,
    RouteKind, RouteTableId, RouteTarget, TgwAttachment, TgwRoute, TgwRouteTable, TgwState,
    TransitGateway, TransitGatewayId, Vpc, VpcId, VpcListRoute, VpcRoute, VpcRouteTable,
    VpcRouteTableId, VpcRouteTarget,
};
use crate::error::Error;

/// An EC2 API operation, as its errors name it.
type Operation = &'static str;

const TGWS: Operation = "DescribeTransitGateways";
const VPCS: Operation = "DescribeVpcs";
const PEERINGS: Operation = "DescribeTransitGatewayPeeringAttachments";
const SEARCH: Operation = "SearchTransitGatewayRoutes";
const ATTACHMENTS: Operation = "DescribeTransitGatewayAttachments";
const REFERENCES: Operation = "GetTransitGatewayPrefixListReferences";
const ROUTE_TABLES: Operation = "DescribeRouteTables";
const TABLES: Operation = "DescribeTransitGatewayRouteTables";
const VPC_ATTACHMENTS: Operation = "DescribeTransitGatewayVpcAttachments";

/// Every item a read returns, decoded.
type Read<T> = Result<Vec<T>, Error>;

/// A describe request of one transit gateway's resources (the
/// `transit-gateway-id` filter).
macro_rules! of_gateway {
    ($self:ident . $operation:ident, $tgw:expr) => {
        $self.client.$operation().filters(filter("transit-gateway-id", $tgw.as_str()))
    };
}

impl AwsEc2 {
    pub(super) async fn read_transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        let items = every_item!(self, TGWS, self.client.describe_transit_gateways())?;
        items.iter().map(|g| self.transit_gateway(g)).collect()
    }

    fn transit_gateway(&self, g: &ec2::TransitGateway) -> Result<TransitGateway, Error> {
        let id = g.transit_gateway_id().unwrap_or_default();
        Ok(TransitGateway {
            id: decode(&self.region, TGWS, "a transit gateway ID", TransitGatewayId::parse(id))?,
            owner_id: g.owner_id().and_then(|o| AccountId::parse(o).ok()),
            state: TgwState::parse(g.state().map(|s| s.as_str()).unwrap_or_default()),
            default_association_route_table: g
                .options()
                .and_then(|o| o.association_default_route_table_id())
                .and_then(|r| RouteTableId::parse(r).ok()),
            tags: tags_of(g.tags()),
        })
    }

    /// The route tables of `tgw`, every page, with their states.
    pub(super) async fn read_route_tables(&self, tgw: &TransitGatewayId) -> Read<TgwRouteTable> {
        let request = of_gateway!(self.describe_transit_gateway_route_tables, tgw);
        every_item!(self, TABLES, request)?.iter().map(|t| self.route_table(t)).collect()
    }

    fn route_table(&self, t: &ec2::TransitGatewayRouteTable) -> Result<TgwRouteTable, Error> {
        let id = t.transit_gateway_route_table_id().unwrap_or_default();
        let gw = t.transit_gateway_id().unwrap_or_default();
        let gateway = TransitGatewayId::parse(gw);
        Ok(TgwRouteTable {
            id: decode(&self.region, TABLES, "a route table ID", RouteTableId::parse(id))?,
            transit_gateway_id: decode(&self.region, TABLES, "a transit gateway ID", gateway)?,
            state: TgwState::parse(t.state().map(|s| s.as_str()).unwrap_or_default()),
            tags: tags_of(t.tags()),
        })
    }

    pub(super) async fn read_vpcs(&self) -> Result<Vec<Vpc>, Error> {
        let items = every_item!(self, VPCS, self.client.describe_vpcs().max_results(1000))?;
        items.iter().map(|v| self.vpc(v)).collect()
    }

    /// A VPC with every CIDR block: IPv4 (primary and secondary) and IPv6.
    fn vpc(&self, v: &ec2::Vpc) -> Result<Vpc, Error> {
        let cidr = |c: &str| decode(&self.region, VPCS, "a CIDR block", Cidr::parse(c));
        let state = |s: Option<&ec2::VpcCidrBlockStateCode>| {
            s.map_or(CidrState::Associated, |s| CidrState::parse(s.as_str()))
        };
        let mut cidrs = Vec::new();
        for a in v.cidr_block_association_set() {
            if let Some(c) = a.cidr_block() {
                cidrs.push((cidr(c)?, state(a.cidr_block_state().and_then(|s| s.state()))));
            }
        }
        if let (true, Some(c)) = (cidrs.is_empty(), v.cidr_block()) {
            cidrs.push((cidr(c)?, CidrState::Associated));
        }
        for a in v.ipv6_cidr_block_association_set() {
            if let Some(c) = a.ipv6_cidr_block() {
                let s = a.ipv6_cidr_block_state().and_then(|s| s.state());
                cidrs.push((cidr(c)?, state(s)));
            }
        }
        let id = v.vpc_id().unwrap_or_default();
        Ok(Vpc {
            id: decode(&self.region, VPCS, "a VPC ID", VpcId::parse(id))?,
            tags: tags_of(v.tags()),
            cidrs,
            owner: v.owner_id().and_then(|o| AccountId::parse(o).ok()),
        })
    }

    pub(super) async fn read_peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        let items = every_item!(
            self,
            PEERINGS,
            self.client.describe_transit_gateway_peering_attachments()
        )?;
        items.iter().filter(|p| between_gateways(p)).map(|p| self.peering(p)).collect()
    }

    fn peering(
        &self,
        p: &ec2::TransitGatewayPeeringAttachment,
    ) -> Result<PeeringAttachment, Error> {
        let state = PeeringState::parse(p.state().map(|s| s.as_str()).unwrap_or("unknown"));
        let id = p.transit_gateway_attachment_id().unwrap_or_default();
        Ok(PeeringAttachment {
            id: decode(&self.region, PEERINGS, "an attachment ID", AttachmentId::parse(id))?,
            requester: self.side(p.requester_tgw_info())?,
            accepter: self.side(p.accepter_tgw_info())?,
            states: [(self.region.clone(), state)].into_iter().collect(),
            created_at: p.creation_time().map(|t| t.secs()),
            tags: tags_of(p.tags()),
        })
    }

    fn side(&self, info: Option<&ec2::PeeringTgwInfo>) -> Result<GatewayRef, Error> {
        let info = info.cloned().unwrap_or_else(|| ec2::PeeringTgwInfo::builder().build());
        let region = info.region().unwrap_or_default();
        let tgw = info.transit_gateway_id().unwrap_or_default();
        Ok(GatewayRef {
            region: decode(&self.region, PEERINGS, "a peer Region", Region::parse(region))?,
            transit_gateway_id: decode(
                &self.region,
                PEERINGS,
                "a peer transit gateway ID",
                TransitGatewayId::parse(tgw),
            )?,
            account_id: info.owner_id().and_then(|o| AccountId::parse(o).ok()),
        })
    }

    /// The routes of `table` in force or about to be, every page (at most
    /// 1,000 routes each); with `exact`, only the route of that CIDR
    /// (filter `route-search.exact-match`).
    pub(super) async fn read_routes(
        &self,
        table: &RouteTableId,
        exact: Option<&Cidr>,
    ) -> Result<Vec<TgwRoute>, Error> {
        // `Filters` is required; these states are every route that is or
        // will be in force.
        let state = ec2::Filter::builder()
            .name("state")
            .values("active")
            .values("blackhole")
            .values("pending")
            .build();
        let mut request = self
            .client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(table.as_str())
            .filters(state);
        if let Some(cidr) = exact {
            request = request.filters(filter("route-search.exact-match", &cidr.to_string()));
        }
        let pages: Vec<_> =
            request.into_paginator().send().try_collect().await.map_err(|e| self.err(SEARCH, e))?;
        // "AdditionalRoutesAvailable: Indicates whether there are additional
        // routes available" (API reference, SearchTransitGatewayRoutes); a
        // page that says so with no `NextToken` leaves routes unread, and a
        // table not read whole is never planned on.
        if let Some(last) = pages.last() {
            if last.additional_routes_available() == Some(true) && last.next_token().is_none() {
                return Err(Error::PartialRead {
                    region: self.region.clone(),
                    operation: SEARCH,
                    message: format!(
                        "{} routes, and AdditionalRoutesAvailable without a NextToken",
                        pages.iter().map(|p| p.routes().len()).sum::<usize>()
                    ),
                });
            }
        }
        let mut routes = Vec::new();
        for r in pages.iter().flat_map(|p| p.routes()) {
            if let Some(route) = self.route(r)? {
                routes.push(route);
            }
        }
        Ok(routes)
    }

    /// A route with a CIDR, static or propagated, else `None`.
    fn route(&self, r: &ec2::TransitGatewayRoute) -> Result<Option<TgwRoute>, Error> {
        let Some(cidr) = r.destination_cidr_block() else {
            return Ok(None);
        };
        let state = r.state().map(|s| s.as_str().to_owned()).unwrap_or_default();
        let kind = match r.r#type().map(|t| t.as_str()) {
            Some("static") => RouteKind::Static,
            _ => RouteKind::Propagated,
        };
        let attachment =
            r.transit_gateway_attachments().iter().find_map(|a| a.transit_gateway_attachment_id());
        let parse = |id| decode(&self.region, SEARCH, "an attachment ID", AttachmentId::parse(id));
        let attachment = attachment.map(parse).transpose()?;
        // A route in state `blackhole` drops traffic whatever attachment it
        // still names: AWS does not document whether a static route whose
        // attachment was deleted keeps the attachment's id (the Network
        // Manager `TGW-ROUTE-UNINSTALLED` sample shows none); both answers
        // read the same, the id kept as the former target.
        let (target, former_target) = match attachment {
            _ if state == "blackhole" => (RouteTarget::Blackhole, attachment),
            Some(id) => (RouteTarget::Attachment(id), None),
            None => (RouteTarget::Unknown, None),
        };
        let prefix_list = r.prefix_list_id().and_then(|p| PrefixListId::parse(p).ok());
        Ok(Some(TgwRoute {
            cidr: decode(&self.region, SEARCH, "a CIDR block", Cidr::parse(cidr))?,
            kind,
            target,
            state,
            prefix_list,
            former_target,
        }))
    }

    /// The prefix-list references of `table`, every page.
    pub(super) async fn read_references(&self, table: &RouteTableId) -> Read<ListReference> {
        let request = self.client.get_transit_gateway_prefix_list_references();
        let request = request.transit_gateway_route_table_id(table.as_str());
        let items = every_item!(self, REFERENCES, request)?;
        items.iter().map(|r| self.reference(r)).collect()
    }

    fn reference(
        &self,
        r: &ec2::TransitGatewayPrefixListReference,
    ) -> Result<ListReference, Error> {
        let id = r.prefix_list_id().unwrap_or_default();
        let prefix_list_id =
            decode(&self.region, REFERENCES, "a prefix list ID", PrefixListId::parse(id))?;
        let attachment = r
            .transit_gateway_attachment()
            .and_then(|a| a.transit_gateway_attachment_id())
            .map(|id| decode(&self.region, REFERENCES, "an attachment ID", AttachmentId::parse(id)))
            .transpose()?;
        // `Blackhole=true` drops traffic whatever attachment it still names
        // (as for routes, see `route`).
        let (target, former_target) = match attachment {
            _ if r.blackhole() == Some(true) => (RouteTarget::Blackhole, attachment),
            Some(id) => (RouteTarget::Attachment(id), None),
            None => (RouteTarget::Unknown, None),
        };
        let state = r.state().map(|s| s.as_str().to_owned()).unwrap_or_default();
        Ok(ListReference { prefix_list_id, target, state, former_target })
    }

    pub(super) async fn read_attachments(&self, tgw: &TransitGatewayId) -> Read<TgwAttachment> {
        let request = of_gateway!(self.describe_transit_gateway_attachments, tgw);
        let items = every_item!(self, ATTACHMENTS, request)?;
        items.iter().map(|a| self.attachment(a)).collect()
    }

    fn attachment(&self, a: &ec2::TransitGatewayAttachment) -> Result<TgwAttachment, Error> {
        let id = a.transit_gateway_attachment_id().unwrap_or_default();
        let association = match a.association() {
            Some(s) => s
                .transit_gateway_route_table_id()
                .and_then(|t| RouteTableId::parse(t).ok())
                .map(|route_table_id| Association {
                    route_table_id,
                    state: AssociationState::parse(
                        s.state().map(|x| x.as_str()).unwrap_or_default(),
                    ),
                }),
            None => None,
        };
        Ok(TgwAttachment {
            id: decode(&self.region, ATTACHMENTS, "an attachment ID", AttachmentId::parse(id))?,
            kind: AttachmentKind::parse(a.resource_type().map(|t| t.as_str()).unwrap_or_default()),
            resource_id: a.resource_id().unwrap_or_default().to_owned(),
            owner: a.resource_owner_id().and_then(|o| AccountId::parse(o).ok()),
            state: AttachmentState::parse(a.state().map(|s| s.as_str()).unwrap_or_default()),
            association,
            ipv6_support: None,
        })
    }

    /// Whether each of `attachments` (VPC attachments) has
    /// `Options.Ipv6Support` enabled: 100 IDs per request, every page.
    pub(super) async fn read_ipv6_support(
        &self,
        attachments: &[AttachmentId],
    ) -> Result<std::collections::BTreeMap<AttachmentId, bool>, Error> {
        let mut out = std::collections::BTreeMap::new();
        for chunk in attachments.chunks(100) {
            let ids = ec2::Filter::builder()
                .name("transit-gateway-attachment-id")
                .set_values(Some(chunk.iter().map(ToString::to_string).collect()))
                .build();
            let request = self.client.describe_transit_gateway_vpc_attachments().filters(ids);
            for a in every_item!(self, VPC_ATTACHMENTS, request)? {
                let id = a.transit_gateway_attachment_id().unwrap_or_default();
                let id = decode(
                    &self.region,
                    VPC_ATTACHMENTS,
                    "an attachment ID",
                    AttachmentId::parse(id),
                )?;
                let enabled = a
                    .options()
                    .and_then(|o| o.ipv6_support())
                    .is_some_and(|s| s.as_str() == "enable");
                out.insert(id, enabled);
            }
        }
        Ok(out)
    }

    pub(super) async fn read_vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        let items =
            every_item!(self, ROUTE_TABLES, self.client.describe_route_tables().max_results(100))?;
        items.iter().map(|t| self.vpc_route_table(t)).collect()
    }

    /// The route tables of `vpcs`: 100 VPC IDs a request, every page.
    pub(super) async fn read_vpc_route_tables_of(
        &self,
        vpcs: &[VpcId],
    ) -> Result<Vec<VpcRouteTable>, Error> {
        let mut out = Vec::new();
        for chunk in vpcs.chunks(100) {
            let ids = ec2::Filter::builder()
                .name("vpc-id")
                .set_values(Some(chunk.iter().map(ToString::to_string).collect()))
                .build();
            let request = self.client.describe_route_tables().filters(ids).max_results(100);
            for t in every_item!(self, ROUTE_TABLES, request)? {
                out.push(self.vpc_route_table(&t)?);
            }
        }
        Ok(out)
    }

    fn vpc_route_table(&self, t: &ec2::RouteTable) -> Result<VpcRouteTable, Error> {
        let id = t.route_table_id().unwrap_or_default();
        let vpc = t.vpc_id().unwrap_or_default();
        // An association in progress or gone serves no subnet yet.
        let serves_subnets = t.associations().iter().any(|a| {
            let live = a
                .association_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated");
            live && (a.main().unwrap_or(false) || a.subnet_id().is_some())
        });
        let mut routes = Vec::new();
        let mut list_routes = Vec::new();
        for r in t.routes() {
            if let Some(route) = self.vpc_route(r)? {
                routes.push(route);
            } else if let Some(list) = r.destination_prefix_list_id() {
                list_routes.push(VpcListRoute {
                    prefix_list_id: decode(
                        &self.region,
                        ROUTE_TABLES,
                        "a prefix list ID",
                        PrefixListId::parse(list),
                    )?,
                    target: self.vpc_target(r)?,
                    origin: r.origin().map(|o| o.as_str().to_owned()).unwrap_or_default(),
                    state: r.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                });
            }
        }
        Ok(VpcRouteTable {
            id: decode(&self.region, ROUTE_TABLES, "a route table ID", VpcRouteTableId::parse(id))?,
            vpc_id: decode(&self.region, ROUTE_TABLES, "a VPC ID", VpcId::parse(vpc))?,
            serves_subnets,
            routes,
            list_routes,
        })
    }

    /// A route with a CIDR, else `None` (a route toward a prefix list).
    fn vpc_route(&self, r: &ec2::Route) -> Result<Option<VpcRoute>, Error> {
        let Some(cidr) = r.destination_cidr_block().or_else(|| r.destination_ipv6_cidr_block())
        else {
            return Ok(None);
        };
        Ok(Some(VpcRoute {
            cidr: decode(&self.region, ROUTE_TABLES, "a CIDR block", Cidr::parse(cidr))?,
            target: self.vpc_target(r)?,
            origin: r.origin().map(|o| o.as_str().to_owned()).unwrap_or_default(),
            state: r.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        }))
    }

    /// Where a VPC route goes: the transit gateway, or another target by name.
    fn vpc_target(&self, r: &ec2::Route) -> Result<VpcRouteTarget, Error> {
        let parse = |id| {
            decode(&self.region, ROUTE_TABLES, "a transit gateway ID", TransitGatewayId::parse(id))
        };
        let target = match r.transit_gateway_id() {
            Some(tgw) => VpcRouteTarget::TransitGateway(parse(tgw)?),
            None => VpcRouteTarget::Other(
                [
                    r.gateway_id(),
                    r.nat_gateway_id(),
                    r.vpc_peering_connection_id(),
                    r.network_interface_id(),
                    r.instance_id(),
                    r.egress_only_internet_gateway_id(),
                    r.local_gateway_id(),
                    r.carrier_gateway_id(),
                    r.core_network_arn(),
                ]
                .into_iter()
                .flatten()
                .next()
                .unwrap_or("unknown")
                .to_owned(),
            ),
        };
        Ok(target)
    }
}

/// A peering between two transit gateways: both sides name one. A peering
/// with an AWS Cloud WAN core network names a `CoreNetworkId` instead
/// (`PeeringTgwInfo`, every member optional): not the tool's to manage.
fn between_gateways(p: &ec2::TransitGatewayPeeringAttachment) -> bool {
    let gateway =
        |i: Option<&ec2::PeeringTgwInfo>| i.and_then(|i| i.transit_gateway_id()).is_some();
    gateway(p.requester_tgw_info()) && gateway(p.accepter_tgw_info())
}
