//! What the handler sends out: announcements and audit events on the bus,
//! and re-checks on the watcher's queue; what each owner of the shared
//! dispatch does with an announcement and a reconcile ([`Acts`]).

use async_trait::async_trait;

use super::admission::Admitted;
use super::reconcile::Restart;
use super::vpc_watch::Announced;
use super::{AuditRecord, Decision, HandleReport, Handler, Watcher};
use crate::config::ConfigError;
use crate::error::Error;
use crate::events::{Incoming, OutEvent, Recheck};

/// What the shared dispatch asks of its owner beyond reads: to announce
/// what a watch waited on, and to run the reconcile admission let through.
/// The reconciler's [`Handler`] does both; the watcher function's
/// [`Watcher`] announces on the bus and refuses a reconcile.
#[async_trait]
pub(super) trait Acts: Send + Sync {
    /// Announces what a watch waited on has changed (`VPC Ready`, `Transit
    /// Gateway Ready`, a peering's `State Change`): it must not be lost.
    ///
    /// # Errors
    /// The bus's (the re-check is retried), or what stands in for it.
    async fn announce(
        &self,
        inc: &Incoming,
        event: OutEvent,
        report: &mut HandleReport,
    ) -> Result<(), Error>;

    /// Whether it reconciles: admission refuses the events that ask for a
    /// reconcile when it does not.
    fn reconciles(&self) -> bool;

    /// The one reconcile of a payload, led by its first event.
    ///
    /// # Errors
    /// The reconcile's, or a refusal.
    async fn reconcile(&self, batch: Admitted<'_>, report: &mut HandleReport) -> Result<(), Error>;
}

#[async_trait]
impl Acts for Handler {
    /// Published, to bring a reconcile through the reconcile queue; with no
    /// bus, reconciled here instead.
    async fn announce(
        &self,
        inc: &Incoming,
        event: OutEvent,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        if self.bus.is_some() {
            return Acts::announce(&self.watcher, inc, event, report).await;
        }
        report.reconciles += 1;
        self.reconcile_and_follow_up(inc, (Restart::No, 0), &Announced::default(), report).await
    }

    fn reconciles(&self) -> bool {
        true
    }

    async fn reconcile(&self, batch: Admitted<'_>, report: &mut HandleReport) -> Result<(), Error> {
        report.reconciles += 1;
        self.guards.reconcile_begins((self.clock)());
        let coalesced = batch.positions.len().saturating_sub(1);
        let (lead, announced) = (batch.lead, &batch.announced);
        self.reconcile_and_follow_up(lead, (batch.restart, coalesced), announced, report).await
    }
}

#[async_trait]
impl Acts for Watcher {
    /// Published on the bus; the state-change rule brings it to the
    /// reconcile queue.
    async fn announce(
        &self,
        _inc: &Incoming,
        event: OutEvent,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let Some(bus) = &self.bus else {
            let message = format!(
                "the watcher function announces on the bus, and none is set: {} is not sent",
                event.detail_type()
            );
            return Err(ConfigError::new("EVENT_BUS_NAME", message).into());
        };
        bus.publish(std::slice::from_ref(&event)).await?;
        report.published.push(event);
        Ok(())
    }

    fn reconciles(&self) -> bool {
        false
    }

    /// Refused (admission refuses such events first: see
    /// [`Acts::reconciles`]).
    async fn reconcile(
        &self,
        batch: Admitted<'_>,
        _report: &mut HandleReport,
    ) -> Result<(), Error> {
        Err(not_reconciled(batch.lead))
    }
}

/// Why the watcher function refuses an event that asks for a reconcile: it
/// makes looks, and its queue carries re-checks only.
pub(super) fn not_reconciled(inc: &Incoming) -> Error {
    Error::Input(format!(
        "event {}: the watcher function makes the looks of watch chains and reconciles nothing; this event belongs on the reconcile queue",
        inc.id
    ))
}

impl Watcher {
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
