//! Routes and attachments of transit gateway route tables.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::states::{AssociationState, AttachmentState};
use super::{AccountId, AttachmentId, Cidr, PrefixListId, RouteTableId, TransitGatewayId, VpcId};

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum RouteTarget {
    Attachment(AttachmentId),
    /// A blackhole route (drops traffic): made so, or toward an attachment
    /// that was deleted (AWS keeps the route and reports no attachment).
    Blackhole,
    /// The API returned no attachment: the route exists, its target cannot be
    /// proven. Such a route is never rewritten and never deleted.
    Unknown,
}

impl fmt::Display for RouteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteTarget::Attachment(id) => id.fmt(f),
            RouteTarget::Blackhole => f.write_str("blackhole"),
            RouteTarget::Unknown => f.write_str("an unreported target"),
        }
    }
}

/// How a route got into its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// Made with `CreateTransitGatewayRoute` (by the tool or anyone else).
    Static,
    /// Propagated by an attachment (a VPC, a VPN, Direct Connect…), or an
    /// entry of a prefix-list reference: never the tool's, never touched.
    Propagated,
}

/// A route of a transit gateway route table, as `SearchTransitGatewayRoutes`
/// returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgwRoute {
    pub cidr: Cidr,
    pub kind: RouteKind,
    pub target: RouteTarget,
    /// `active`, `blackhole`, `pending`…
    pub state: String,
    /// Set for the entries of a prefix-list reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list: Option<PrefixListId>,
    /// For a blackhole, the attachment the route still names, if AWS
    /// reports one (a static route whose attachment was deleted: AWS does
    /// not document whether it keeps the id; a blackhole made with
    /// `Blackhole=true` names none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_target: Option<AttachmentId>,
}

impl TgwRoute {
    /// A static route, `active` unless it is a blackhole.
    pub fn static_to(cidr: Cidr, target: RouteTarget) -> Self {
        let state = if target == RouteTarget::Blackhole { "blackhole" } else { "active" };
        TgwRoute {
            cidr,
            kind: RouteKind::Static,
            target,
            state: state.to_owned(),
            prefix_list: None,
            former_target: None,
        }
    }

    pub fn is_static(&self) -> bool {
        self.kind == RouteKind::Static
    }
}

/// The default quota of routes of one transit gateway: "Total combined
/// routes (dynamic and static) across all route tables for a single transit
/// gateway", 10,000, adjustable (Transit Gateway guide, quotas). A
/// referenced prefix list counts its maximum entries ("When you reference a
/// prefix list in a resource, the maximum number of entries for the prefix
/// lists counts against the quota for the number of entries for the
/// resource", VPC user guide, prefix list quotas).
pub const TGW_ROUTES_QUOTA: usize = 10_000;

/// A prefix-list reference of a transit gateway route table, as
/// `GetTransitGatewayPrefixListReferences` returns it: every entry of the
/// list is a route of the table toward `target` ("each entry in the prefix
/// list is represented as a route", Transit Gateway guide, prefix list
/// references).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListReference {
    pub prefix_list_id: PrefixListId,
    /// The attachment its routes go to, or a blackhole.
    pub target: RouteTarget,
    /// `pending`, `available`, `modifying`, `deleting` (API reference,
    /// TransitGatewayPrefixListReference).
    pub state: String,
    /// For a blackhole, the attachment the reference still names, if AWS
    /// reports one (see [`TgwRoute::former_target`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_target: Option<AttachmentId>,
}

impl ListReference {
    /// Its routes carry traffic as read (not pending, modifying or deleting).
    pub fn is_available(&self) -> bool {
        self.state == "available"
    }
}

/// A route table of a transit gateway, as `DescribeTransitGatewayRouteTables`
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgwRouteTable {
    pub id: RouteTableId,
    pub transit_gateway_id: TransitGatewayId,
    /// `pending | available | deleting | deleted`.
    pub state: super::TgwState,
    /// Its tags (`tagSet`), key to value: [`super::SEGMENT_TAG`] and
    /// [`super::ROLE_TAG`] give it a segment or a role.
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// What a transit gateway attachment connects to (`ResourceType`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttachmentKind {
    Vpc,
    Vpn,
    DirectConnectGateway,
    Connect,
    Peering,
    TgwPeering,
    NetworkFunction,
    /// A type this build does not know.
    #[serde(untagged)]
    Other(String),
}

impl AttachmentKind {
    pub fn parse(s: &str) -> Self {
        match s {
            "vpc" => Self::Vpc,
            "vpn" => Self::Vpn,
            "direct-connect-gateway" => Self::DirectConnectGateway,
            "connect" => Self::Connect,
            "peering" => Self::Peering,
            "tgw-peering" => Self::TgwPeering,
            "network-function" => Self::NetworkFunction,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn is_peering(&self) -> bool {
        matches!(self, Self::Peering | Self::TgwPeering)
    }
}

/// The route table an attachment is associated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Association {
    pub route_table_id: RouteTableId,
    pub state: AssociationState,
}

/// An attachment of a transit gateway, as `DescribeTransitGatewayAttachments`
/// lists it in the gateway's Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgwAttachment {
    pub id: AttachmentId,
    pub kind: AttachmentKind,
    /// The VPC, VPN, gateway… it attaches (`ResourceId`).
    pub resource_id: String,
    /// The account that owns the resource (`ResourceOwnerId`).
    pub owner: Option<AccountId>,
    pub state: AttachmentState,
    pub association: Option<Association>,
    /// For a VPC attachment, its `Options.Ipv6Support`
    /// (`DescribeTransitGatewayVpcAttachments`): read only for the
    /// attachments of tagged VPCs that have an IPv6 block; `None` when not
    /// read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_support: Option<bool>,
}

impl TgwAttachment {
    pub fn is_available(&self) -> bool {
        self.state == AttachmentState::Available
    }

    /// The VPC of a VPC attachment.
    pub fn vpc(&self) -> Option<VpcId> {
        (self.kind == AttachmentKind::Vpc).then(|| VpcId::parse(&self.resource_id).ok()).flatten()
    }

    /// On its way to `available`: waited for.
    pub fn is_pending(&self) -> bool {
        matches!(
            self.state,
            AttachmentState::Initiating
                | AttachmentState::InitiatingRequest
                | AttachmentState::PendingAcceptance
                | AttachmentState::Pending
                | AttachmentState::Modifying
        )
    }
}
