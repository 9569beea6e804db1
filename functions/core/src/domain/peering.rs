//! Transit gateways and their peering attachments.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AccountId, AttachmentId, Region, RouteTableId, TransitGatewayId};

/// The key and value of the tag the tool puts on every peering it creates.
pub const MANAGED_TAG_KEY: &str = "tgw-peering:managed";
pub const MANAGED_TAG_VALUE: &str = "true";

/// The tags of a peering the tool requests: managed, and a `Name` that
/// says which Regions it links.
pub fn peering_tags(requester: &Region, accepter: &Region) -> Vec<(String, String)> {
    vec![
        (MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned()),
        ("Name".to_owned(), format!("tgw-peering {requester} <-> {accepter}")),
    ]
}

/// The lifecycle state of a transit gateway peering attachment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PeeringState {
    InitiatingRequest,
    PendingAcceptance,
    Pending,
    Available,
    Modifying,
    Deleting,
    Deleted,
    Failing,
    Failed,
    Rejecting,
    Rejected,
    RollingBack,
    /// A state this build does not know; treated as transitional (wait, never act).
    #[serde(untagged)]
    Unknown(String),
}

/// What the planner may do with a peering in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeeringPhase {
    /// On its way to `available` (or there): the pair's peering.
    Live,
    /// Failed or rejected: reported, never silently replaced.
    Failed,
    /// Gone or going: replaced by a new one when needed.
    Gone,
}

impl PeeringState {
    pub fn parse(s: &str) -> Self {
        match s {
            "initiatingRequest" => Self::InitiatingRequest,
            "pendingAcceptance" => Self::PendingAcceptance,
            "pending" => Self::Pending,
            "available" => Self::Available,
            "modifying" => Self::Modifying,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            "failing" => Self::Failing,
            "failed" => Self::Failed,
            "rejecting" => Self::Rejecting,
            "rejected" => Self::Rejected,
            "rollingBack" => Self::RollingBack,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::InitiatingRequest => "initiatingRequest",
            Self::PendingAcceptance => "pendingAcceptance",
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Modifying => "modifying",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Failing => "failing",
            Self::Failed => "failed",
            Self::Rejecting => "rejecting",
            Self::Rejected => "rejected",
            Self::RollingBack => "rollingBack",
            Self::Unknown(s) => s,
        }
    }

    pub fn phase(&self) -> PeeringPhase {
        match self {
            Self::InitiatingRequest
            | Self::PendingAcceptance
            | Self::Pending
            | Self::Available
            | Self::Modifying
            | Self::Unknown(_) => PeeringPhase::Live,
            // A rejection is an answer: asking again at once would loop
            // (request, reject, request…), so it is reported like a failure.
            Self::Failing | Self::Failed | Self::RollingBack | Self::Rejecting | Self::Rejected => {
                PeeringPhase::Failed
            }
            Self::Deleting | Self::Deleted => PeeringPhase::Gone,
        }
    }
}

impl fmt::Display for PeeringState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One end of a peering: a transit gateway in a Region, owned by an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GatewayRef {
    pub region: Region,
    pub transit_gateway_id: TransitGatewayId,
    pub account_id: Option<AccountId>,
}

/// The state of a transit gateway or of one of its route tables, as AWS
/// reports it (`TransitGateway.State`: `pending | available | modifying |
/// deleting | deleted`; `TransitGatewayRouteTable.State`: `pending |
/// available | deleting | deleted`, EC2 API reference).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TgwState {
    Pending,
    Available,
    Modifying,
    Deleting,
    Deleted,
    /// A state this build does not know: neither usable nor gone.
    #[serde(untagged)]
    Other(String),
}

impl TgwState {
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "available" => Self::Available,
            "modifying" => Self::Modifying,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Modifying => "modifying",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Other(s) => s,
        }
    }

    /// On its way out: never managed.
    pub fn is_gone(&self) -> bool {
        matches!(self, Self::Deleting | Self::Deleted)
    }
}

impl fmt::Display for TgwState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tag that names a deployment's managed transit gateway in a Region
/// where the account has several: its value is the deployment's
/// `DEPLOYMENT_NAME`.
pub const DEPLOYMENT_TAG: &str = "tgw-peering:deployment";

/// A transit gateway as read from its Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitGateway {
    pub id: TransitGatewayId,
    pub owner_id: Option<AccountId>,
    pub state: TgwState,
    pub default_association_route_table: Option<RouteTableId>,
    /// Every tag of the gateway, key to value.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl TransitGateway {
    /// The deployment its `tgw-peering:deployment` tag names, if any.
    pub fn deployment(&self) -> Option<&str> {
        self.tags.get(DEPLOYMENT_TAG).map(|v| v.trim())
    }
}

/// A transit gateway peering attachment, as seen from one or both of its Regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeeringAttachment {
    pub id: AttachmentId,
    pub requester: GatewayRef,
    pub accepter: GatewayRef,
    /// The state as each Region reports it. An accepter's view is authoritative
    /// for acceptance; each side's view decides that side's routes.
    pub states: BTreeMap<Region, PeeringState>,
    /// Seconds since the Unix epoch; orders concurrent duplicates (oldest wins).
    pub created_at: Option<i64>,
    pub tags: BTreeMap<String, String>,
}

impl PeeringAttachment {
    /// The state as `region` sees it, else as the other side sees it.
    pub fn state_in(&self, region: &Region) -> PeeringState {
        if let Some(s) = self.states.get(region) {
            return s.clone();
        }
        self.state()
    }

    /// The overall state: the accepter's view if read, else the requester's.
    pub fn state(&self) -> PeeringState {
        self.states
            .get(&self.accepter.region)
            .or_else(|| self.states.get(&self.requester.region))
            .or_else(|| self.states.values().next())
            .cloned()
            .unwrap_or_else(|| PeeringState::Unknown("unread".into()))
    }

    /// Overall phase; a peering counts as gone or failed as soon as either side says so.
    pub fn phase(&self) -> PeeringPhase {
        let mut phase = PeeringPhase::Live;
        for s in self.states.values() {
            match s.phase() {
                PeeringPhase::Gone => return PeeringPhase::Gone,
                PeeringPhase::Failed => phase = PeeringPhase::Failed,
                PeeringPhase::Live => {}
            }
        }
        phase
    }

    /// True when the peering links exactly these two gateways, in either direction.
    pub fn links(&self, a: &TransitGatewayId, b: &TransitGatewayId) -> bool {
        let (r, x) = (&self.requester.transit_gateway_id, &self.accepter.transit_gateway_id);
        (r == a && x == b) || (r == b && x == a)
    }

    pub fn is_managed(&self) -> bool {
        self.tags.get(MANAGED_TAG_KEY).is_some_and(|v| v == "true")
    }
}
