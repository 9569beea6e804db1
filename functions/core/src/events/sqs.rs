//! An SQS batch: the reconcile queue's EventBridge events, or the watcher's
//! re-check requests.
//!
//! EventBridge delivers an event to an SQS target as the message body, the
//! event's JSON unchanged ("Amazon SQS queue target", EventBridge User
//! Guide). A body with a `detail-type` is such an event; one with an
//! `attachment-id` a re-check request.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use serde_json::Value;

use super::{eventbridge, input, recheck_request, Incoming, Message, Trigger};
use crate::error::Error;

pub(super) fn parse(payload: &Value, tag_key: &str) -> Result<Vec<Incoming>, Error> {
    let batch: SqsEvent = serde_json::from_value(payload.clone())
        .map_err(|e| input(format!("invalid SQS batch: {e}")))?;
    Ok(parse_batch(&batch, tag_key))
}

/// The events of an SQS batch, typed at the functions' edge. One bad
/// message must not cost the good ones of its batch: it becomes an
/// `Invalid` trigger, reported on its own.
pub fn parse_batch(batch: &SqsEvent, tag_key: &str) -> Vec<Incoming> {
    batch.records.iter().map(|m| message(m, tag_key)).collect()
}

fn message(m: &SqsMessage, tag_key: &str) -> Incoming {
    let id = m.message_id.clone().unwrap_or_default();
    let ordered = m.event_source_arn.as_deref().is_some_and(|arn| arn.ends_with(".fifo"));
    let sent_at_ms = m.attributes.get("SentTimestamp").and_then(|t| t.parse().ok());
    let queue = m.event_source_arn.as_deref().and_then(|arn| arn.rsplit(':').next());
    let carried = Message {
        id: id.clone(),
        ordered,
        sent_at_ms,
        receipt_handle: m.receipt_handle.clone(),
        queue: queue.map(str::to_owned),
        receive_count: m.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse().ok()),
    };
    let invalid = |reason: String| Incoming {
        id: id.clone(),
        account: None,
        region: None,
        peer_region: None,
        message: Some(carried.clone()),
        from_tool: false,
        caller: None,
        trigger: Trigger::Invalid { reason },
    };
    let Some(body) = m.body.as_deref() else {
        return invalid(format!("SQS message {id} has no body"));
    };
    let value: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        Err(e) => return invalid(format!("SQS message {id} is not JSON: {e}")),
    };
    if value.get("detail-type").is_some() {
        return match eventbridge::parse(&value, tag_key) {
            Ok(mut event) => {
                event.message = Some(carried);
                event
            }
            Err(e) => invalid(format!("SQS message {id}: {e}")),
        };
    }
    match recheck_request(value) {
        Ok((region, _, trigger)) => Incoming {
            id,
            account: None,
            region: Some(region),
            peer_region: None,
            message: Some(carried),
            from_tool: false,
            caller: None,
            trigger,
        },
        Err(e) => invalid(format!("SQS message {id} is {e}")),
    }
}
