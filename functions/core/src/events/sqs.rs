//! An SQS batch of the re-check queue.

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;

use super::{input, Incoming, Recheck, Trigger};
use crate::error::Error;

pub(super) fn parse(payload: &Value) -> Result<Vec<Incoming>, Error> {
    let batch: SqsEvent = serde_json::from_value(payload.clone())
        .map_err(|e| input(format!("invalid SQS batch: {e}")))?;
    // One bad message must not cost the good ones of its batch: it becomes
    // an `Invalid` trigger, reported on its own.
    Ok(batch
        .records
        .iter()
        .map(|m| {
            let id = m.message_id.clone().unwrap_or_default();
            let parsed =
                m.body.as_deref().ok_or_else(|| format!("SQS message {id} has no body")).and_then(
                    |body| {
                        serde_json::from_str::<Recheck>(body)
                            .map_err(|e| format!("SQS message {id} is not a re-check request: {e}"))
                    },
                );
            match parsed {
                Ok(recheck) => Incoming {
                    id,
                    account: None,
                    region: Some(recheck.region.clone()),
                    peer_region: None,
                    from_queue: true,
                    from_tool: false,
                    caller: None,
                    trigger: Trigger::Recheck(recheck),
                },
                Err(reason) => Incoming {
                    id,
                    account: None,
                    region: None,
                    peer_region: None,
                    from_queue: true,
                    from_tool: false,
                    caller: None,
                    trigger: Trigger::Invalid { reason },
                },
            }
        })
        .collect())
}
