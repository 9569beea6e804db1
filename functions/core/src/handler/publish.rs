//! What the handler sends out: audit events on the bus, and re-checks on
//! the watcher's queue.

use super::reconcile::Restart;
use super::vpc_watch::Announced;
use super::{AuditRecord, Decision, HandleReport, Handler};
use crate::error::Error;
use crate::events::{Incoming, OutEvent, Recheck};

impl Handler {
    /// Announces what a watch waited on has changed (`VPC Ready`, `Transit
    /// Gateway Ready`, a peering's `State Change`): published, to bring a
    /// reconcile through the reconcile queue; with no bus, reconciled here
    /// instead.
    ///
    /// # Errors
    /// The bus's error (the re-check is retried), or the reconcile's.
    pub(super) async fn announce_ready(
        &self,
        inc: &Incoming,
        event: OutEvent,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        match &self.bus {
            Some(bus) => {
                bus.publish(std::slice::from_ref(&event)).await?;
                report.published.push(event);
                Ok(())
            }
            None => {
                report.reconciles += 1;
                self.reconcile_and_follow_up(inc, Restart::No, &Announced::default(), report).await
            }
        }
    }

    /// Sends `recheck` to the queue with the delay of its attempt.
    ///
    /// # Errors
    /// The queue's error, audited; without a queue nothing is sent and the
    /// skip is audited.
    pub(super) async fn schedule(
        &self,
        inc: &Incoming,
        recheck: Recheck,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let delay = Recheck::delay_secs(recheck.chain.attempt);
        let subject = format!("peering {}", recheck.attachment_id);
        let record = |decision, reason: String| {
            AuditRecord::new(&inc.id, decision, "schedule_recheck", &subject, reason)
                .in_region(Some(&recheck.region))
        };
        let Some(queue) = &self.queue else {
            report.record(record(
                Decision::Skip,
                "RECHECK_QUEUE_URL is not set; the scheduled reconcile will notice the next state"
                    .into(),
            ));
            return Ok(());
        };
        match queue.send(&recheck, delay).await {
            Ok(()) => {
                let reason =
                    format!("re-check number {} scheduled in {delay}s", recheck.chain.attempt + 1);
                report.record(record(Decision::Recheck, reason));
                report.rechecks.push((recheck, delay));
                Ok(())
            }
            Err(e) => {
                let reason = format!("could not schedule the re-check: {e}");
                report.record(record(Decision::Error, reason));
                Err(e)
            }
        }
    }

    /// Publishes audit events. A failure is logged and never undoes or
    /// repeats the actions themselves.
    pub(super) async fn publish(
        &self,
        inc: &Incoming,
        events: Vec<OutEvent>,
        report: &mut HandleReport,
    ) {
        if events.is_empty() {
            return;
        }
        let Some(bus) = &self.bus else {
            return;
        };
        match bus.publish(&events).await {
            Ok(()) => report.published.extend(events),
            Err(e) => report.record(AuditRecord::new(
                &inc.id,
                Decision::Error,
                "publish",
                format!("{} audit event(s)", events.len()),
                format!("publishing failed; the actions stand: {e}"),
            )),
        }
    }
}
