//! What the last reconcile of this process saw, so that an event it already
//! covered does not cost another one.
//!
//! A reconcile re-reads everything, so a tag event that only announces what
//! a later read already saw asks for nothing new. Under a storm of tag
//! events, the FIFO queue's batches (at most 10 messages, and no batching
//! window for FIFO queues: "Lambda parameters for Amazon SQS event source
//! mappings", Lambda Developer Guide) would otherwise each cost a full
//! reconcile. An event is covered only when both hold:
//! - SQS received it at least [`COVER_MARGIN_MS`] before the reconcile's
//!   read began (`SentTimestamp`);
//! - that read saw its VPC in the very tag state the event announces. A read
//!   that disagrees (EC2's reads are eventually consistent, or the tag
//!   changed again since) covers nothing.
//!
//! Only a reconcile that finished without a failure is remembered, and only
//! in this process: another execution environment simply reconciles.

use std::collections::BTreeMap;

use crate::domain::VpcId;
use crate::events::{Incoming, Trigger};
use crate::observed::Observed;

/// How long before a reconcile's read an event must have reached SQS to
/// be covered by it, in milliseconds: EventBridge sends an event after the
/// change it announces, and this leaves EC2's reads a second to show it.
pub(super) const COVER_MARGIN_MS: i64 = 1_000;

/// The tag state of every VPC one finished reconcile read.
#[derive(Debug, Clone)]
pub(super) struct Coverage {
    /// When its read began, in milliseconds since the Unix epoch.
    read_at_ms: i64,
    /// The id of the event that led it.
    lead: String,
    /// Each VPC it read, and whether it carried `TAG_KEY=true`.
    tagged: BTreeMap<VpcId, bool>,
}

impl Coverage {
    pub(super) fn of(observed: &Observed, tag_key: &str, read_at_ms: i64, lead: &str) -> Self {
        let tagged = observed
            .regions
            .values()
            .flat_map(|r| &r.vpcs)
            .map(|v| (v.id.clone(), v.is_tagged(tag_key)))
            .collect();
        Coverage { read_at_ms, lead: lead.to_owned(), tagged }
    }

    /// Why `inc` needs no reconcile of its own, if it does not.
    pub(super) fn covers(&self, inc: &Incoming) -> Option<String> {
        let sent = inc.message.as_ref()?.sent_at_ms?;
        let Trigger::Vpc { vpc_id: Some(vpc), tagged: Some(tagged), .. } = &inc.trigger else {
            return None;
        };
        if sent.saturating_add(COVER_MARGIN_MS) > self.read_at_ms
            || self.tagged.get(vpc) != Some(tagged)
        {
            return None;
        }
        let state = if *tagged { "tagged" } else { "not tagged" };
        Some(format!(
            "the reconcile of event {} read {vpc} {state} after this event was sent",
            self.lead
        ))
    }
}
