//! Pacing the reconcile queue, and bringing failed messages back soon.
//!
//! A FIFO batch holds at most 10 messages and Lambda offers no batching
//! window for FIFO queues ("Lambda parameters for Amazon SQS event source
//! mappings"), so a storm of events would cost a reconcile per batch. A
//! batch that comes less than [`RECONCILE_INTERVAL_SECS`] after this
//! process's last reconcile began is deferred instead: its messages are made
//! visible again when the interval is over (`ChangeMessageVisibility`) and
//! reported in `batchItemFailures`. While they wait, the message group
//! waits behind them (a FIFO queue delivers a group in order); when they
//! come back, one reconcile reads the network, and the messages behind them
//! that it covers cost none ([`super::coverage`]).
//!
//! A message that failed retryably comes back after [`retry_after_secs`]
//! (30 s the first time, doubling with each receive, at most 15 minutes)
//! rather than after the queue's visibility timeout (18 minutes, six times
//! the function timeout as Lambda asks): a failed batch no longer holds the
//! FIFO group that long, and a failed re-check comes back within a minute,
//! while a longer outage does not use up a message's receives at once.
//! Where the message cannot be made to come back sooner (no queue URL
//! configured, the call refused), the queue's own timeout applies and the
//! refusal is audited.

use super::{AuditRecord, Decision, HandleReport, Watcher};
use crate::events::{Incoming, Message};

/// The least time between the starts of two event-led reconciles of one
/// process, in seconds.
pub const RECONCILE_INTERVAL_SECS: i64 = 2;
/// When a message that failed retryably is delivered again, in seconds:
/// 30 s after its first receive, doubling with each receive, at most 900.
pub fn retry_after_secs(receive_count: Option<u32>) -> i32 {
    let doublings = receive_count.unwrap_or(1).saturating_sub(1).min(5);
    (30_i32 << doublings).min(900)
}

impl Watcher {
    /// The URL of the tool's queue a message came from: the configured URL
    /// whose last part is the queue's name.
    fn queue_url(&self, m: &Message) -> Option<&str> {
        let name = m.queue.as_deref()?;
        [&self.config.reconcile_queue_url, &self.config.recheck_queue_url]
            .into_iter()
            .flatten()
            .find(|url| url.rsplit('/').next() == Some(name))
            .map(String::as_str)
    }

    /// True when the messages from position `from` on can wait: a FIFO
    /// batch of a configured queue, each with its receipt handle.
    pub(super) fn can_defer(&self, incoming: &[Incoming], from: usize) -> bool {
        self.redelivery.is_some()
            && incoming[from..].iter().all(|inc| {
                inc.message.as_ref().is_some_and(|m| {
                    m.ordered && m.receipt_handle.is_some() && self.queue_url(m).is_some()
                })
            })
    }

    /// Makes the messages that failed retryably come back after
    /// [`retry_after_secs`].
    pub(super) async fn redeliver_failed(
        &self,
        incoming: &[Incoming],
        ids: &[String],
        report: &mut HandleReport,
    ) {
        self.redeliver(incoming, ids, |m| retry_after_secs(m.receive_count), report).await;
    }

    /// Makes the messages named in `ids` come back, each in `seconds(it)`.
    /// True when every one of them was.
    pub(super) async fn redeliver(
        &self,
        incoming: &[Incoming],
        ids: &[String],
        seconds: impl Fn(&Message) -> i32,
        report: &mut HandleReport,
    ) -> bool {
        let Some(redelivery) = &self.redelivery else {
            return false;
        };
        let mut all = true;
        for inc in incoming {
            let Some(m) = inc.message.as_ref().filter(|m| ids.contains(&m.id)) else {
                continue;
            };
            let (Some(url), Some(receipt)) = (self.queue_url(m), m.receipt_handle.as_deref())
            else {
                all = false;
                continue;
            };
            let seconds = seconds(m);
            if let Err(e) = redelivery.redeliver_in(url, receipt, seconds).await {
                all = false;
                let reason =
                    format!("message {} cannot be made to come back in {seconds}s: {e}", m.id);
                let record =
                    AuditRecord::new(&inc.id, Decision::Error, "redelivery", "event", reason);
                report.record(record.in_region(inc.region.as_ref()));
            }
        }
        all
    }
}
