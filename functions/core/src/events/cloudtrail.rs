//! `AWS API Call via CloudTrail` records of EC2.
//!
//! Only what the tool uses is read: `eventSource`, `eventName`,
//! `awsRegion`, `recipientAccountId`, `requestParameters`,
//! `responseElements`, `errorCode`, and the caller's ARN. Everything else
//! (the identity's type and its session details above all) varies with the
//! caller and is left alone: an `IAMUser` with an access key has no
//! `sessionContext`, a console user or `Root` has an empty `sessionIssuer`,
//! a web-identity role has an object in `webIdFederationData.attributes`,
//! and an `AWSService` has no ARN at all ("CloudTrail userIdentity element",
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>).
//! `aws_lambda_events`' `AWSAPICall` requires several of those fields, so
//! it is not used here.

use serde::Deserialize;
use serde_json::Value;

use super::{input, Call, CallFamily, Caller, Change, Incoming, Trigger};
use crate::domain::{AccountId, AttachmentId, Region, TagRule, VpcId};
use crate::error::Error;

/// The fields of a CloudTrail record the tool reads; the rest is ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiCall {
    event_source: String,
    event_name: String,
    aws_region: String,
    #[serde(default)]
    recipient_account_id: Option<String>,
    #[serde(default)]
    request_parameters: Option<Value>,
    #[serde(default)]
    response_elements: Option<Value>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    user_identity: Option<Value>,
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
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => None,
    }
}

/// The caller's ARN: the session issuer's (the role) when there is one,
/// else `userIdentity.arn`; an `AWSService` caller has neither.
fn caller(identity: Option<&Value>) -> Option<Caller> {
    let identity = identity?;
    let issuer = identity.pointer("/sessionContext/sessionIssuer/arn").and_then(Value::as_str);
    let arn = issuer.or_else(|| identity.get("arn").and_then(Value::as_str))?;
    Some(Caller::of(arn))
}

pub(super) fn trigger(
    incoming: &mut Incoming,
    detail: Value,
    tag_key: &str,
) -> Result<Trigger, Error> {
    let id = incoming.id.clone();
    let call: ApiCall = serde_json::from_value(detail)
        .map_err(|e| input(format!("event {id}: invalid CloudTrail record: {e}")))?;
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
    if let Some(account) = call.recipient_account_id.as_deref() {
        let recipient = AccountId::parse(account)
            .map_err(|e| input(format!("event {id}: recipientAccountId: {e}")))?;
        if incoming.account.as_ref().is_some_and(|a| *a != recipient) {
            return Err(input(format!(
                "event {id}: the envelope's account differs from recipientAccountId {recipient}"
            )));
        }
        incoming.account = Some(recipient);
    }
    incoming.caller = caller(call.user_identity.as_ref());
    let name = call.event_name.as_str();
    // A failed call changed nothing (CloudTrail records it with
    // `errorCode` set and `responseElements` null).
    if let Some(code) = call.error_code.as_deref().filter(|c| !c.is_empty()) {
        return Ok(Trigger::Ignore {
            reason: format!("{name} failed with {code}: nothing changed"),
        });
    }
    let Some(known) = Call::parse(name) else {
        return Err(input(format!("event {id}: unsupported CloudTrail call {name}")));
    };
    let request = call.request_parameters.unwrap_or(Value::Null);
    let both = Value::Array(vec![request, call.response_elements.unwrap_or(Value::Null)]);
    Ok(match known.family() {
        CallFamily::Vpc => {
            let vpc_id = find_str(&both, "vpcId").and_then(|v| VpcId::parse(v).ok());
            Trigger::Vpc { vpc_id, change: known.into(), tagged: None }
        }
        CallFamily::Peering => {
            let attachment = find_str(&both, "transitGatewayAttachmentId");
            let attachment_id = attachment.and_then(|v| AttachmentId::parse(v).ok());
            Trigger::Peering { attachment_id, change: known.into() }
        }
        CallFamily::Tags => tag_call(known, &both[0], tag_key),
    })
}

/// `CreateTags` / `DeleteTags`: flat `requestParameters` with
/// `resourcesSet.items[].resourceId` (any resource types, several at once)
/// and `tagSet.items[] {key, value}` ("CreateTags", "DeleteTags", EC2 API
/// Reference). A reconcile when a VPC is among the resources and the tag
/// set holds the tag key; otherwise nothing to do.
fn tag_call(call: Call, request: &Value, tag_key: &str) -> Trigger {
    let items = |set: &str| -> Vec<&Value> {
        request
            .pointer(&format!("/{set}/items"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let vpcs: Vec<VpcId> = items("resourcesSet")
        .into_iter()
        .filter_map(|r| r.get("resourceId").and_then(Value::as_str))
        .filter_map(|r| VpcId::parse(r).ok())
        .collect();
    let tag =
        items("tagSet").into_iter().find(|t| t.get("key").and_then(Value::as_str) == Some(tag_key));
    let (Some(first), Some(tag)) = (vpcs.first(), tag) else {
        return Trigger::Ignore { reason: format!("{call} touches no VPC's {tag_key} tag") };
    };
    let value = tag.get("value").and_then(Value::as_str);
    let detail = match (call, value) {
        (Call::CreateTags, Some(value)) => format!("{tag_key}={value}"),
        _ => tag_key.to_owned(),
    };
    // DeleteTags with a value removes the tag only where the value matches:
    // either way the tag is not `true` afterwards unless it was kept.
    let tagged = call == Call::CreateTags && TagRule::new(tag_key).tags(value);
    let detail = match vpcs.len() {
        1 => detail,
        n => format!("{detail} on {n} VPCs"),
    };
    // One call on several VPCs announces no single tag state; the tagging
    // service's own `Tag Change on Resource` event of each VPC does.
    let tagged = (vpcs.len() == 1).then_some(tagged);
    let change = Change::Call { call, detail: Some(detail) };
    Trigger::Vpc { vpc_id: Some(first.clone()), change, tagged }
}
