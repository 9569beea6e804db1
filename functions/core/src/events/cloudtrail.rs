//! `AWS API Call via CloudTrail` records of EC2.

use aws_lambda_events::event::cloudwatch_events::cloudtrail::AWSAPICall;
use serde_json::Value;

use super::{input, Incoming, Trigger, PEERING_CALLS, VPC_CALLS};
use crate::domain::{AccountId, AttachmentId, Region, VpcId};
use crate::error::Error;

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

pub(super) fn trigger(incoming: &mut Incoming, detail: Value) -> Result<Trigger, Error> {
    let id = &incoming.id;
    let recipient_account =
        detail.get("recipientAccountId").and_then(Value::as_str).map(str::to_owned);
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
        Ok(Trigger::Vpc { vpc_id, change: name.to_owned() })
    } else if PEERING_CALLS.contains(&name) {
        let attachment_id =
            find_str(&both, "transitGatewayAttachmentId").and_then(|v| AttachmentId::parse(v).ok());
        Ok(Trigger::Peering { attachment_id, change: name.to_owned() })
    } else {
        Err(input(format!("event {id}: unsupported CloudTrail call {name}")))
    }
}
