//! The events the tool publishes on its bus (source `tgw-peering`), one
//! serde struct per detail-type.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{AttachmentId, Cidr, GatewayRef, Region, TransitGatewayId};
use crate::planner::FindingCode;

/// The `source` of every event tgw-peering publishes.
pub const SOURCE: &str = "tgw-peering";
/// The watcher's event when a peering attachment changes state (AWS sends none).
pub const STATE_CHANGE: &str = "Transit Gateway Peering Attachment State Change";
pub const PEERING_REQUESTED: &str = "Peering Requested";
pub const PEERING_ACCEPTED: &str = "Peering Accepted";
pub const ROUTES_CHANGED: &str = "Routes Changed";
pub const ROUTE_CONFLICT: &str = "Route Conflict";
pub const PEERING_STUCK: &str = "Peering Stuck";
pub const WITHDRAWAL_HELD: &str = "Withdrawal Held";
/// A hop that breaks paths, newly (see [`crate::verify`]).
pub const PATH_BROKEN: &str = "Path Broken";
/// A hop announced broken that breaks no path any more.
pub const PATH_RESTORED: &str = "Path Restored";
/// The watcher's event when a VPC a reconcile waited on is ready: its tag
/// shows what an event announced, its attachment is available, no block of
/// it is associating. It brings a reconcile.
pub const VPC_READY: &str = "VPC Ready";
/// The watcher's event when a Region whose transit gateway or route table a
/// reconcile waited on (`pending`, `modifying`) is `available` again. It
/// brings a reconcile.
pub const GATEWAY_READY: &str = "Transit Gateway Ready";
/// The reconciler's event when a reconcile reached its invocation's
/// deadline with writes left: it brings the next reconcile, which reads
/// again and continues.
pub const RECONCILE_CONTINUED: &str = "Reconcile Continued";

/// Every detail-type the tool publishes, one per [`OutEvent`] variant
/// (see [`OutEvent::detail_type`]); `docs/events.md` lists exactly these.
pub const EMITTED: &[&str] = &[
    STATE_CHANGE,
    PEERING_REQUESTED,
    PEERING_ACCEPTED,
    ROUTES_CHANGED,
    ROUTE_CONFLICT,
    PEERING_STUCK,
    WITHDRAWAL_HELD,
    VPC_READY,
    GATEWAY_READY,
    RECONCILE_CONTINUED,
    PATH_BROKEN,
    PATH_RESTORED,
];

/// An event to publish: its detail-type and its detail. Serialized as
/// `{"detail_type": …, "detail": {…}}` in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "detail_type", content = "detail")]
pub enum OutEvent {
    #[serde(rename = "Transit Gateway Peering Attachment State Change")]
    StateChange(StateChangeDetail),
    #[serde(rename = "Peering Requested")]
    PeeringRequested(PeeringRequested),
    #[serde(rename = "Peering Accepted")]
    PeeringAccepted(PeeringAccepted),
    #[serde(rename = "Routes Changed")]
    RoutesChanged(RoutesChanged),
    #[serde(rename = "Route Conflict")]
    RouteConflict(RouteConflict),
    #[serde(rename = "Peering Stuck")]
    PeeringStuck(PeeringStuck),
    #[serde(rename = "Withdrawal Held")]
    WithdrawalHeld(RouteConflict),
    #[serde(rename = "VPC Ready")]
    VpcReady(VpcReady),
    #[serde(rename = "Transit Gateway Ready")]
    GatewayReady(GatewayReady),
    #[serde(rename = "Reconcile Continued")]
    ReconcileContinued(ReconcileContinued),
    #[serde(rename = "Path Broken")]
    PathBroken(PathBroken),
    #[serde(rename = "Path Restored")]
    PathRestored(PathRestored),
}

impl OutEvent {
    /// The EventBridge `detail-type`.
    pub fn detail_type(&self) -> &'static str {
        match self {
            OutEvent::StateChange(_) => STATE_CHANGE,
            OutEvent::PeeringRequested(_) => PEERING_REQUESTED,
            OutEvent::PeeringAccepted(_) => PEERING_ACCEPTED,
            OutEvent::RoutesChanged(_) => ROUTES_CHANGED,
            OutEvent::RouteConflict(_) => ROUTE_CONFLICT,
            OutEvent::PeeringStuck(_) => PEERING_STUCK,
            OutEvent::WithdrawalHeld(_) => WITHDRAWAL_HELD,
            OutEvent::VpcReady(_) => VPC_READY,
            OutEvent::GatewayReady(_) => GATEWAY_READY,
            OutEvent::ReconcileContinued(_) => RECONCILE_CONTINUED,
            OutEvent::PathBroken(_) => PATH_BROKEN,
            OutEvent::PathRestored(_) => PATH_RESTORED,
        }
    }

    /// The detail as JSON.
    ///
    /// # Errors
    /// `serde_json`'s, which these plain structs of strings cannot raise.
    pub fn detail_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            OutEvent::StateChange(d) => serde_json::to_value(d),
            OutEvent::PeeringRequested(d) => serde_json::to_value(d),
            OutEvent::PeeringAccepted(d) => serde_json::to_value(d),
            OutEvent::RoutesChanged(d) => serde_json::to_value(d),
            OutEvent::RouteConflict(d) => serde_json::to_value(d),
            OutEvent::PeeringStuck(d) => serde_json::to_value(d),
            OutEvent::WithdrawalHeld(d) => serde_json::to_value(d),
            OutEvent::VpcReady(d) => serde_json::to_value(d),
            OutEvent::GatewayReady(d) => serde_json::to_value(d),
            OutEvent::ReconcileContinued(d) => serde_json::to_value(d),
            OutEvent::PathBroken(d) => serde_json::to_value(d),
            OutEvent::PathRestored(d) => serde_json::to_value(d),
        }
    }

    /// The detail as JSON, `null` if it could not be serialized (for tests
    /// and displays).
    pub fn detail(&self) -> Value {
        self.detail_value().unwrap_or(Value::Null)
    }
}

/// The detail of a [`STATE_CHANGE`] event.
///
/// Unknown fields are ignored rather than refused, so that a newer publisher
/// and an older handler can coexist during a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StateChangeDetail {
    /// The id of the event that started the watch.
    pub event_id: Option<String>,
    pub attachment_id: AttachmentId,
    #[serde(flatten)]
    pub sides: PeeringSides,
    /// The overall state before: the accepter's view when it lists the
    /// attachment, else the requester's (`unlisted` when neither did).
    pub previous_state: String,
    /// The overall state now, the same way.
    pub state: String,
    /// Each side's own view now (`unlisted` when it does not list the attachment).
    pub requester_state: Option<String>,
    pub accepter_state: Option<String>,
}

/// The two transit gateways of a peering, as event details name them
/// (`requester-region`, `requester-transit-gateway-id`, `accepter-…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PeeringSides {
    pub requester_region: Region,
    pub requester_transit_gateway_id: TransitGatewayId,
    pub accepter_region: Region,
    pub accepter_transit_gateway_id: TransitGatewayId,
}

impl PeeringSides {
    /// The sides of a peering requested by `requester` of `accepter`.
    pub fn of(requester: &GatewayRef, accepter: &GatewayRef) -> Self {
        Self {
            requester_region: requester.region.clone(),
            requester_transit_gateway_id: requester.transit_gateway_id.clone(),
            accepter_region: accepter.region.clone(),
            accepter_transit_gateway_id: accepter.transit_gateway_id.clone(),
        }
    }
}

/// The detail of a [`PEERING_REQUESTED`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PeeringRequested {
    pub event_id: String,
    pub attachment_id: AttachmentId,
    #[serde(flatten)]
    pub sides: PeeringSides,
    pub reason: String,
}

/// The detail of a [`PEERING_ACCEPTED`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PeeringAccepted {
    pub event_id: String,
    pub attachment_id: AttachmentId,
    pub region: Region,
    pub reason: String,
}

/// The detail of a [`PATH_BROKEN`] event: one hop that breaks paths (see
/// [`crate::verify::HopReport`]), announced once until it heals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PathBroken {
    pub event_id: String,
    pub region: Region,
    /// `vpc_route_table`, `attachment`, `peering`, `attachment_route_table`
    /// or `peering_route_table`.
    pub hop: crate::verify::Hop,
    /// The route table, VPC, attachment or pair of gateways.
    pub subject: String,
    /// The destination lost; `null` when every destination through the
    /// hop is.
    pub to: Option<Cidr>,
    pub reason: String,
    /// The number of paths it breaks.
    pub paths: usize,
}

/// The detail of a [`PATH_RESTORED`] event: a hop announced broken that
/// breaks no path any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PathRestored {
    pub event_id: String,
    pub region: Region,
    pub hop: crate::verify::Hop,
    pub subject: String,
    pub to: Option<Cidr>,
}

/// The detail of a [`ROUTES_CHANGED`] event: one per route table
/// (`tgw-rtb-…`, or `rtb-…` for a VPC route table), with the routes this
/// reconcile wrote there (`added`: created or moved here) and withdrew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RoutesChanged {
    pub event_id: String,
    pub region: Region,
    pub route_table_id: String,
    pub added: Vec<Cidr>,
    pub removed: Vec<Cidr>,
}

/// The detail of a [`ROUTE_CONFLICT`] event, and of a [`WITHDRAWAL_HELD`]
/// one (`subject`: the route table or ledger list held; `reason`: how many
/// withdrawals, the budget, and how to let them through).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RouteConflict {
    pub event_id: String,
    /// What it is about (`overlap_between_regions`, `over_budget`…; see
    /// [`FindingCode`]).
    pub code: FindingCode,
    /// The Region of the table or list; absent for a conflict between
    /// Regions.
    pub region: Option<Region>,
    pub subject: String,
    pub reason: String,
}

/// The detail of a [`PEERING_STUCK`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PeeringStuck {
    pub event_id: String,
    pub attachment_id: AttachmentId,
    pub region: Region,
    pub state: String,
    pub requester_state: String,
    pub accepter_state: String,
    /// Seconds since the chain started.
    pub seconds: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_serializes_with_its_detail_type_and_kebab_case_detail() {
        let e = OutEvent::PeeringAccepted(PeeringAccepted {
            event_id: "e-1".into(),
            attachment_id: AttachmentId::parse("tgw-attach-01").unwrap(),
            region: Region::parse("eu-west-1").unwrap(),
            reason: "pendingAcceptance".into(),
        });
        assert_eq!(e.detail_type(), PEERING_ACCEPTED);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["detail_type"], PEERING_ACCEPTED);
        assert_eq!(v["detail"]["attachment-id"], "tgw-attach-01");
        assert_eq!(e.detail()["event-id"], "e-1");
    }
}

/// `VPC Ready`: a VPC a reconcile waited on needs nothing more from AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct VpcReady {
    pub vpc_id: crate::domain::VpcId,
    pub region: Region,
    /// What the watcher waited for.
    pub reason: String,
    /// The tag state the watch waited for, when an event announced one:
    /// the reconcile it brings starts a new watch if its own read still
    /// lags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagged: Option<bool>,
    /// The event that started the watch.
    pub event_id: String,
}

/// `Transit Gateway Ready`: a Region whose managed transit gateway or route
/// table a reconcile waited on is `available` again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GatewayReady {
    pub region: Region,
    pub transit_gateway_id: TransitGatewayId,
    pub route_table_id: crate::domain::RouteTableId,
    /// What the watcher waited for.
    pub reason: String,
    /// The event that started the watch.
    pub event_id: String,
}

/// `Reconcile Continued`: a reconcile reached its invocation's deadline
/// with writes left; the next one reads again and continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReconcileContinued {
    /// Writes this invocation made.
    pub writes: usize,
    /// Writes it handed on (not made, or not answered in time).
    pub handed_on: usize,
    /// When it handed on (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// The event that led the reconcile.
    pub event_id: String,
}
