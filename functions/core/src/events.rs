//! Parsing the events the functions (and `tgw-peering handle`) receive.
//!
//! An event only says where to look: every kind is turned into a
//! [`Trigger`] that the handler answers with a full reconcile (or, for a
//! watcher re-check, one describe). Malformed or unsupported input is a
//! permanent [`Error::Input`] with a message saying what is wrong; it is never
//! retried and never leads to an AWS write.

use aws_lambda_events::event::cloudwatch_events::cloudtrail::AWSAPICall;
use aws_lambda_events::event::cloudwatch_events::tag::TagChangeOnResource;
use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{AccountId, AttachmentId, Region, TransitGatewayId, VpcId};
use crate::error::Error;

/// The `source` of every event tgw-peering publishes.
pub const SOURCE: &str = "tgw-peering";
/// The watcher's event when a peering attachment changes state (AWS sends none).
pub const STATE_CHANGE: &str = "Transit Gateway Peering Attachment State Change";
pub const PEERING_REQUESTED: &str = "Peering Requested";
pub const PEERING_ACCEPTED: &str = "Peering Accepted";
pub const ROUTES_CHANGED: &str = "Routes Changed";
pub const ROUTE_CONFLICT: &str = "Route Conflict";
pub const PEERING_STUCK: &str = "Peering Stuck";

/// EventBridge events are at most 256 KB; anything larger is not one.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// The CloudTrail calls that change a VPC's CIDRs or existence.
pub const VPC_CALLS: &[&str] = &[
    "CreateVpc",
    "DeleteVpc",
    "AssociateVpcCidrBlock",
    "DisassociateVpcCidrBlock",
];
/// The CloudTrail calls that change a peering attachment.
pub const PEERING_CALLS: &[&str] = &[
    "CreateTransitGatewayPeeringAttachment",
    "AcceptTransitGatewayPeeringAttachment",
    "DeleteTransitGatewayPeeringAttachment",
];

/// The detail of a [`STATE_CHANGE`] event.
///
/// Unknown fields are ignored rather than refused, so that a newer publisher
/// and an older handler can coexist during a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StateChangeDetail {
    pub attachment_id: AttachmentId,
    pub requester_region: Region,
    pub requester_transit_gateway_id: TransitGatewayId,
    pub accepter_region: Region,
    pub accepter_transit_gateway_id: TransitGatewayId,
    /// The overall state before: the accepter's view when it lists the
    /// attachment, else the requester's (`unlisted` when neither did).
    pub previous_state: String,
    /// The overall state now, the same way.
    pub state: String,
    /// Each side's own view now (`unlisted` when it does not list the attachment).
    #[serde(default)]
    pub requester_state: Option<String>,
    #[serde(default)]
    pub accepter_state: Option<String>,
    /// The id of the event that started the watch.
    #[serde(default)]
    pub event_id: Option<String>,
}

/// The watcher's re-check request, the body of a message on the re-check queue.
///
/// Unknown fields are ignored rather than refused (see [`StateChangeDetail`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Recheck {
    /// The attachment to describe.
    pub attachment_id: AttachmentId,
    /// The Region that started the watch (created or accepted the peering).
    /// Both sides are described: AWS updates them at different moments.
    pub region: Region,
    /// Each side's state when the chain last looked (`None`: not listed, or
    /// not looked at yet).
    #[serde(default)]
    pub last_requester_state: Option<String>,
    #[serde(default)]
    pub last_accepter_state: Option<String>,
    /// When the chain started (seconds since the Unix epoch): it gives up
    /// after [`RECHECK_GIVE_UP_SECS`].
    pub started_at: i64,
    /// Re-checks made so far in this chain.
    pub attempt: u32,
    /// The id of the event that started the chain, for the audit trail.
    pub origin_event_id: String,
}

/// A chain of re-checks gives up (and publishes `Peering Stuck`) after 30 minutes.
pub const RECHECK_GIVE_UP_SECS: i64 = 30 * 60;
/// ... or after this many re-checks, whatever its clock says (5+10+20+40 s,
/// then a minute each: 30 minutes is about 30 re-checks).
pub const RECHECK_MAX_ATTEMPTS: u32 = 40;
/// An attachment that neither side lists yet is looked for this long after
/// the chain started (describe calls are eventually consistent), then the
/// chain ends.
pub const RECHECK_UNLISTED_GRACE_SECS: i64 = 120;

impl Recheck {
    /// The SQS delay before re-check number `attempt`: 5, 10, 20, 40, then 60 s.
    pub fn delay_secs(attempt: u32) -> i32 {
        match attempt {
            0 => 5,
            1 => 10,
            2 => 20,
            3 => 40,
            _ => 60,
        }
    }
}

/// What an event asks the tool to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum Trigger {
    /// A VPC's tags, CIDRs or existence changed.
    Vpc {
        vpc_id: Option<VpcId>,
        change: String,
    },
    /// A peering attachment changed (the watcher's event or CloudTrail).
    Peering {
        attachment_id: Option<AttachmentId>,
        change: String,
    },
    /// The scheduled safety net: a full reconcile.
    Scheduled,
    /// A watcher re-check (a message of the re-check queue).
    Recheck(Recheck),
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
    /// Set for a message of an SQS batch: a retryable failure reports this
    /// message alone as a batch item failure.
    pub from_queue: bool,
    /// Set for the tool's own events (source `tgw-peering`): published by
    /// the hub, so in the hub's account whatever Regions they name.
    pub from_tool: bool,
    pub trigger: Trigger,
}

fn input(msg: impl Into<String>) -> Error {
    Error::Input(msg.into())
}

/// Parses a Lambda payload: one EventBridge event, or an SQS batch of
/// re-check requests, or a bare re-check request (for `tgw-peering handle`).
pub fn parse(payload: &Value, tag_key: &str) -> Result<Vec<Incoming>, Error> {
    let obj = payload
        .as_object()
        .ok_or_else(|| input("the payload is not a JSON object"))?;
    if obj.contains_key("Records") {
        return parse_sqs(payload);
    }
    if obj.contains_key("detail-type") {
        let size = serde_json::to_vec(payload).map(|v| v.len()).unwrap_or(0);
        if size > MAX_EVENT_BYTES {
            return Err(input(format!(
                "the event is {size} bytes, more than an EventBridge event can be ({MAX_EVENT_BYTES})"
            )));
        }
        return parse_eventbridge(payload, tag_key).map(|i| vec![i]);
    }
    if obj.contains_key("attachment-id") {
        let recheck: Recheck = serde_json::from_value(payload.clone())
            .map_err(|e| input(format!("invalid re-check request: {e}")))?;
        return Ok(vec![Incoming {
            id: recheck.origin_event_id.clone(),
            account: None,
            region: Some(recheck.region.clone()),
            peer_region: None,
            from_queue: false,
            from_tool: false,
            trigger: Trigger::Recheck(recheck),
        }]);
    }
    Err(input(
        "not an EventBridge event (no detail-type), an SQS batch (no Records) or a re-check request",
    ))
}

fn parse_sqs(payload: &Value) -> Result<Vec<Incoming>, Error> {
    let batch: SqsEvent = serde_json::from_value(payload.clone())
        .map_err(|e| input(format!("invalid SQS batch: {e}")))?;
    // One bad message must not cost the good ones of its batch: it becomes
    // an `Invalid` trigger, reported on its own.
    Ok(batch
        .records
        .iter()
        .map(|m| {
            let id = m.message_id.clone().unwrap_or_default();
            let parsed = m
                .body
                .as_deref()
                .ok_or_else(|| format!("SQS message {id} has no body"))
                .and_then(|body| {
                    serde_json::from_str::<Recheck>(body)
                        .map_err(|e| format!("SQS message {id} is not a re-check request: {e}"))
                });
            match parsed {
                Ok(recheck) => Incoming {
                    id,
                    account: None,
                    region: Some(recheck.region.clone()),
                    peer_region: None,
                    from_queue: true,
                    from_tool: false,
                    trigger: Trigger::Recheck(recheck),
                },
                Err(reason) => Incoming {
                    id,
                    account: None,
                    region: None,
                    peer_region: None,
                    from_queue: true,
                    from_tool: false,
                    trigger: Trigger::Invalid { reason },
                },
            }
        })
        .collect())
}

fn parse_eventbridge(payload: &Value, tag_key: &str) -> Result<Incoming, Error> {
    let event: CloudWatchEvent<Value> = serde_json::from_value(payload.clone())
        .map_err(|e| input(format!("invalid EventBridge envelope: {e}")))?;
    let id = event
        .id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| input("the event has no id"))?;
    let source = event.source.clone().unwrap_or_default();
    let detail_type = event.detail_type.clone().unwrap_or_default();
    let account = match event.account_id.as_deref() {
        Some(a) => Some(AccountId::parse(a).map_err(|e| input(format!("event {id}: {e}")))?),
        None => None,
    };
    let region = match event.region.as_deref() {
        Some(r) => Some(Region::parse(r).map_err(|e| input(format!("event {id}: {e}")))?),
        None => None,
    };
    let detail = event.detail.clone().unwrap_or(Value::Null);
    // EventBridge sets `account` on every event AWS sends: without it, the
    // event cannot be scoped. The tool's own events may come without it (a
    // bus delivers them as they were put).
    if account.is_none() && source != SOURCE {
        return Err(input(format!("event {id}: no account")));
    }
    let mut incoming = Incoming {
        id: id.clone(),
        account,
        region,
        peer_region: None,
        from_queue: false,
        from_tool: source == SOURCE,
        trigger: Trigger::Scheduled,
    };
    incoming.trigger = match (source.as_str(), detail_type.as_str()) {
        ("aws.tag", "Tag Change on Resource") => {
            tag_change(&mut incoming, &event.resources, detail, tag_key)?
        }
        ("aws.ec2", "AWS API Call via CloudTrail") => cloudtrail(&mut incoming, detail)?,
        ("aws.events", "Scheduled Event") => {
            // The schedule fires in the hub's Region, which need not be managed.
            incoming.region = None;
            Trigger::Scheduled
        }
        (SOURCE, STATE_CHANGE) => {
            let d: StateChangeDetail = serde_json::from_value(detail)
                .map_err(|e| input(format!("event {id}: invalid state-change detail: {e}")))?;
            // Published in the hub's Region; the peering's own Regions decide the scope.
            incoming.region = Some(d.requester_region.clone());
            incoming.peer_region = Some(d.accepter_region.clone());
            Trigger::Peering {
                change: format!("{} -> {}", d.previous_state, d.state),
                attachment_id: Some(d.attachment_id),
            }
        }
        _ => {
            return Err(input(format!(
                "event {id}: unsupported source {source:?} with detail-type {detail_type:?}"
            )))
        }
    };
    Ok(incoming)
}

/// `arn:PARTITION:ec2:REGION:ACCOUNT:vpc/vpc-…` → (Region, account, VPC).
fn vpc_arn(arn: &str) -> Option<(Region, AccountId, VpcId)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, _partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if prefix != "arn" || service != "ec2" {
        return None;
    }
    let vpc = resource.strip_prefix("vpc/")?;
    Some((
        Region::parse(region).ok()?,
        AccountId::parse(account).ok()?,
        VpcId::parse(vpc).ok()?,
    ))
}

fn tag_change(
    incoming: &mut Incoming,
    resources: &[String],
    detail: Value,
    tag_key: &str,
) -> Result<Trigger, Error> {
    let id = &incoming.id;
    let d: TagChangeOnResource = serde_json::from_value(detail).map_err(|e| {
        input(format!(
            "event {id}: invalid Tag Change on Resource detail: {e}"
        ))
    })?;
    if d.service != "ec2" || d.resource_type != "vpc" {
        return Err(input(format!(
            "event {id}: a tag change on {} {}, not on an ec2 vpc",
            d.service, d.resource_type
        )));
    }
    let [arn] = resources else {
        return Err(input(format!(
            "event {id}: expected one VPC ARN in resources, found {}",
            resources.len()
        )));
    };
    let (region, account, vpc) =
        vpc_arn(arn).ok_or_else(|| input(format!("event {id}: {arn:?} is not a VPC ARN")))?;
    // The ARN names the VPC's own Region and account: they decide the scope.
    incoming.region = Some(region);
    incoming.account = Some(account);
    if !d.changed_tag_keys.iter().any(|k| k == tag_key) {
        return Ok(Trigger::Ignore {
            reason: format!("the tag change on {vpc} does not concern {tag_key}"),
        });
    }
    let change = match d.tags.get(tag_key) {
        Some(v) => format!("{tag_key}={v}"),
        None => format!("{tag_key} removed"),
    };
    Ok(Trigger::Vpc {
        vpc_id: Some(vpc),
        change,
    })
}

/// Finds the first string value under `key` (any depth, case-insensitive key).
fn find_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.eq_ignore_ascii_case(key) {
                v.as_str()
            } else {
                find_str(v, key)
            }
        }),
        Value::Array(items) => items.iter().find_map(|v| find_str(v, key)),
        _ => None,
    }
}

fn cloudtrail(incoming: &mut Incoming, detail: Value) -> Result<Trigger, Error> {
    let id = &incoming.id;
    let recipient_account = detail
        .get("recipientAccountId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let call: AWSAPICall<Value, Value> = serde_json::from_value(detail)
        .map_err(|e| input(format!("event {id}: invalid CloudTrail detail: {e}")))?;
    if call.event_source != "ec2.amazonaws.com" {
        return Err(input(format!(
            "event {id}: CloudTrail event from {}, not ec2.amazonaws.com",
            call.event_source
        )));
    }
    incoming.region = Some(
        Region::parse(&call.aws_region)
            .map_err(|e| input(format!("event {id}: awsRegion: {e}")))?,
    );
    // The account the call was recorded in (the resource's), never the
    // caller's: a role of another account may act here.
    if let Some(account) = recipient_account.as_deref() {
        let recipient = AccountId::parse(account)
            .map_err(|e| input(format!("event {id}: recipientAccountId: {e}")))?;
        if incoming.account.as_ref().is_some_and(|a| *a != recipient) {
            return Err(input(format!(
                "event {id}: the envelope's account differs from recipientAccountId {recipient}"
            )));
        }
        incoming.account = Some(recipient);
    }
    let both = Value::Array(vec![
        call.request_parameters.clone(),
        call.response_elements.clone().unwrap_or(Value::Null),
    ]);
    let name = call.event_name.as_str();
    if VPC_CALLS.contains(&name) {
        let vpc_id = find_str(&both, "vpcId").and_then(|v| VpcId::parse(v).ok());
        Ok(Trigger::Vpc {
            vpc_id,
            change: name.to_owned(),
        })
    } else if PEERING_CALLS.contains(&name) {
        let attachment_id =
            find_str(&both, "transitGatewayAttachmentId").and_then(|v| AttachmentId::parse(v).ok());
        Ok(Trigger::Peering {
            attachment_id,
            change: name.to_owned(),
        })
    } else {
        Err(input(format!(
            "event {id}: unsupported CloudTrail call {name}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recheck_delays_back_off_to_a_minute() {
        let d: Vec<i32> = (0..7).map(Recheck::delay_secs).collect();
        assert_eq!(d, [5, 10, 20, 40, 60, 60, 60]);
    }

    #[test]
    fn vpc_arns_are_split_and_other_arns_refused() {
        let (r, a, v) = vpc_arn("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc").unwrap();
        assert_eq!(
            (r.as_str(), a.as_str(), v.as_str()),
            ("eu-west-1", "123456789012", "vpc-0abc")
        );
        assert!(vpc_arn("arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc").is_none());
        assert!(vpc_arn("arn:aws:s3:::bucket").is_none());
        assert!(vpc_arn("vpc-0abc").is_none());
    }

    #[test]
    fn non_objects_and_oversized_payloads_are_refused() {
        assert!(parse(&Value::Null, "k").is_err());
        assert!(parse(&serde_json::json!([1, 2]), "k").is_err());
        let big = serde_json::json!({ "detail-type": "x".repeat(MAX_EVENT_BYTES) });
        let err = parse(&big, "k").unwrap_err().to_string();
        assert!(err.contains("bytes"), "{err}");
    }
}
