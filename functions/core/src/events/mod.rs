//! Parsing the events the functions (and `tgw-peering handle`) receive,
//! and the shapes of the events the tool publishes.
//!
//! An event only says where to look: every kind is turned into a
//! [`Trigger`] that the handler answers with a full reconcile (or, for a
//! watcher re-check, one describe). Malformed or unsupported input is a
//! permanent [`Error::Input`] with a message saying what is wrong; it is never
//! retried and never leads to an AWS write.

mod caller;
mod change;
mod cloudtrail;
mod eventbridge;
mod networkmanager;
pub mod outgoing;
pub mod recheck;
mod sqs;

use aws_lambda_events::event::sqs::SqsEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{AccountId, AttachmentId, Region, VpcId};
use crate::error::Error;

pub use caller::Caller;
pub use change::{Call, CallFamily, Change, UNLISTED};
pub use networkmanager::{ROUTING_UPDATE, TOPOLOGY_CHANGE};
pub use outgoing::{
    OutEvent, PeeringSides, StateChangeDetail, EMITTED, GATEWAY_READY, PEERING_ACCEPTED,
    PEERING_REQUESTED, PEERING_STUCK, RECONCILE_CONTINUED, ROUTES_CHANGED, ROUTE_CONFLICT, SOURCE,
    STATE_CHANGE, VPC_READY, WITHDRAWAL_HELD,
};
pub use recheck::{
    Chain, GatewayRecheck, Recheck, VpcRecheck, GATEWAY_RECHECK_GIVE_UP_SECS,
    GATEWAY_RECHECK_MAX_ATTEMPTS, RECHECK_EVERY_SECS, RECHECK_GIVE_UP_SECS, RECHECK_MAX_ATTEMPTS,
    RECHECK_UNLISTED_GRACE_SECS, VPC_RECHECK_GIVE_UP_SECS, VPC_RECHECK_MAX_ATTEMPTS,
};
pub use sqs::parse_batch;

/// EventBridge events are at most 256 KB; anything larger is not one.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// A function's payload, typed at the edge: both functions read an SQS
/// queue (the reconcile queue, the re-check queue), so a batch is an
/// [`SqsEvent`] (`aws_lambda_events`); anything else (an EventBridge event
/// or a re-check request sent directly, or malformed input) stays JSON and
/// is parsed by [`parse`], which gives a malformed payload its permanent
/// answer. A batch that does not decode as an [`SqsEvent`] is `Other` too,
/// and gets the same answer as before typing.
#[derive(Debug, Clone)]
pub enum Payload {
    Sqs(SqsEvent),
    Other(Value),
}

/// An object with `Records` that decodes as an [`SqsEvent`] is a batch;
/// anything else, an array among them (serde would read `[[]]` as a
/// struct of one field), stays JSON.
impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let batch = value.get("Records").and_then(|_| SqsEvent::deserialize(&value).ok());
        Ok(batch.map_or(Payload::Other(value), Payload::Sqs))
    }
}

impl Payload {
    /// True for an SQS batch (answered with `batchItemFailures`), typed or
    /// not.
    pub fn is_batch(&self) -> bool {
        match self {
            Payload::Sqs(_) => true,
            Payload::Other(value) => value.get("Records").is_some(),
        }
    }
}

/// What an event asks the tool to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum Trigger {
    /// A VPC's tags, CIDRs or existence changed. `tagged`: whether the
    /// event says the VPC now carries `TAG_KEY=true` (tag events only).
    Vpc { vpc_id: Option<VpcId>, change: Change, tagged: Option<bool> },
    /// A peering attachment changed (the watcher's event or CloudTrail).
    Peering { attachment_id: Option<AttachmentId>, change: Change },
    /// A transit gateway's topology or routes changed (Network Manager).
    Network { change: String },
    /// The scheduled safety net: a full reconcile.
    Scheduled,
    /// The watcher's `Transit Gateway Ready`: a Region a reconcile waited on
    /// (its gateway or route table in transition) is available again.
    GatewayReady { change: String },
    /// The tool's `Reconcile Continued`: a reconcile that reached its
    /// invocation's deadline handed the rest on.
    Continued { change: String },
    /// A watcher re-check (a message of the re-check queue).
    Recheck(Recheck),
    /// A look at a VPC a reconcile waits on (a message of the re-check queue).
    VpcRecheck(VpcRecheck),
    /// A look at a Region whose gateway or route table a reconcile waits
    /// on (a message of the re-check queue).
    GatewayRecheck(GatewayRecheck),
    /// A valid event that needs nothing (a tag change of another key).
    Ignore { reason: String },
    /// One malformed message of an SQS batch: reported, never retried, and
    /// the batch's other messages are still handled.
    Invalid { reason: String },
}

/// One parsed event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incoming {
    /// The event's id (EventBridge `id`, SQS `messageId`): in every audit line.
    pub id: String,
    /// The account the event is about, when it says.
    pub account: Option<AccountId>,
    /// The Region the event is about, when it says.
    pub region: Option<Region>,
    /// A second Region the event concerns (the accepter of a state change).
    pub peer_region: Option<Region>,
    /// The SQS message that carried the event, for an event of an SQS
    /// batch: a retryable failure reports it as a batch item failure.
    pub message: Option<Message>,
    /// Set for the tool's own events (source `tgw-peering`): published by
    /// the hub, so in the hub's account whatever Regions they name.
    pub from_tool: bool,
    /// Who made the call, for a CloudTrail record: the tool's own calls
    /// start no reconcile (`TOOL_ROLE_ARNS`, `ACCOUNT_ROLE_ARNS`).
    pub caller: Option<Caller>,
    pub trigger: Trigger,
}

/// The SQS message an event came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The SQS `messageId`, named in `batchItemFailures`.
    pub id: String,
    /// When SQS received it (its `SentTimestamp` attribute), in
    /// milliseconds since the Unix epoch.
    pub sent_at_ms: Option<i64>,
    /// True for a FIFO queue (its ARN ends in `.fifo`): a failed message and
    /// every later one of the batch are reported, so that none is handled
    /// out of order ("Handling errors for an SQS event source in Lambda",
    /// <https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>).
    pub ordered: bool,
    /// Its receipt handle, to make it come back sooner.
    pub receipt_handle: Option<String>,
    /// The name of its queue (the last part of `eventSourceARN`).
    pub queue: Option<String>,
    /// How many times SQS has handed it out (`ApproximateReceiveCount`).
    pub receive_count: Option<u32>,
}

pub(crate) fn input(msg: impl Into<String>) -> Error {
    Error::Input(msg.into())
}

/// A re-check request (a VPC's, with `vpc-id`; a Region's gateway's, with
/// `route-table-id`; else a peering's): the Region that decides its scope,
/// the id of the event that started its chain, and its trigger.
fn recheck_request(value: Value) -> Result<(Region, String, Trigger), String> {
    if value.get("route-table-id").is_some() {
        let r: GatewayRecheck = serde_json::from_value(value)
            .map_err(|e| format!("not a gateway re-check request: {e}"))?;
        return Ok((r.region.clone(), r.chain.origin_event_id.clone(), Trigger::GatewayRecheck(r)));
    }
    if value.get("vpc-id").is_some() {
        let r: VpcRecheck = serde_json::from_value(value)
            .map_err(|e| format!("not a VPC re-check request: {e}"))?;
        return Ok((r.region.clone(), r.chain.origin_event_id.clone(), Trigger::VpcRecheck(r)));
    }
    let r: Recheck = serde_json::from_value(value)
        .map_err(|e| format!("neither an EventBridge event nor a re-check request: {e}"))?;
    Ok((r.region.clone(), r.chain.origin_event_id.clone(), Trigger::Recheck(r)))
}

/// Parses a Lambda payload: one EventBridge event; an SQS batch whose
/// messages are EventBridge events (the reconcile queue, as EventBridge
/// delivers to an SQS target: the event is the body) or re-check requests;
/// or a bare re-check request (for `tgw-peering handle`).
pub fn parse(payload: &Value, tag_key: &str) -> Result<Vec<Incoming>, Error> {
    let obj = payload.as_object().ok_or_else(|| input("the payload is not a JSON object"))?;
    if obj.contains_key("Records") {
        return sqs::parse(payload, tag_key);
    }
    if obj.contains_key("detail-type") {
        let size = serde_json::to_vec(payload).map(|v| v.len()).unwrap_or(0);
        if size > MAX_EVENT_BYTES {
            return Err(input(format!(
                "the event is {size} bytes, more than an EventBridge event can be ({MAX_EVENT_BYTES})"
            )));
        }
        return eventbridge::parse(payload, tag_key).map(|i| vec![i]);
    }
    if ["vpc-id", "attachment-id", "route-table-id"].iter().any(|k| obj.contains_key(*k)) {
        let (region, origin, trigger) = recheck_request(payload.clone())
            .map_err(|e| input(format!("invalid re-check request: {e}")))?;
        return Ok(vec![Incoming {
            id: origin,
            account: None,
            region: Some(region),
            peer_region: None,
            message: None,
            from_tool: false,
            caller: None,
            trigger,
        }]);
    }
    Err(input(
        "not an EventBridge event (no detail-type), an SQS batch (no Records) or a re-check request",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_objects_and_oversized_payloads_are_refused() {
        assert!(parse(&Value::Null, "k").is_err());
        assert!(parse(&serde_json::json!([1, 2]), "k").is_err());
        let big = serde_json::json!({ "detail-type": "x".repeat(MAX_EVENT_BYTES) });
        let err = parse(&big, "k").unwrap_err().to_string();
        assert!(err.contains("bytes"), "{err}");
    }
}
