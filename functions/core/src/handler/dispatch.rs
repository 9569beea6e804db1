//! From a payload to its handling: parse, admit (see `admission`), then
//! the looks of watch chains and the payload's one reconcile.

use serde_json::Value;

use super::publish::Acts;
use super::{AuditRecord, Decision, HandleReport, Handler, Watcher};
use crate::error::Error;
use crate::events::{self, Incoming, Payload, Trigger};
use crate::execute::Deadline;

impl Handler {
    /// Handles one payload.
    ///
    /// # Errors
    /// [`Error::Input`] for malformed input (permanent), or the first
    /// failure worth retrying, else the first permanent one; see
    /// [`Error::is_retryable`]. Everything done before it stands.
    pub async fn handle(&self, payload: &Value) -> Result<HandleReport, Error> {
        let mut report = self.run(payload).await;
        match report.failure.take() {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Handles one payload and reports everything it did, including the
    /// failure that stopped it, if any (in [`HandleReport::failure`]).
    ///
    /// Every event of the payload is checked on its own (scope, the tool's
    /// own calls, ignored or invalid ones, re-checks); all those that ask
    /// for a reconcile share one, led by the first of them: a batch of
    /// events is one read, one plan and one set of writes. A retryable
    /// failure of that reconcile fails each of them.
    pub async fn run(&self, payload: &Value) -> HandleReport {
        self.run_before(payload, None).await
    }

    /// [`Handler::run`] within an invocation's deadline: a reconcile stops
    /// writing before it and hands the rest on (see `reconcile`).
    pub async fn run_before(&self, payload: &Value, deadline: Option<Deadline>) -> HandleReport {
        self.watcher.run_value(payload, deadline, self).await
    }

    /// [`Handler::run_before`] for a payload typed at the functions' edge:
    /// an SQS batch is parsed from its typed records, anything else as
    /// JSON.
    pub async fn run_payload(&self, payload: &Payload, deadline: Option<Deadline>) -> HandleReport {
        self.watcher.dispatch(payload, deadline, self).await
    }
}

impl Watcher {
    /// The watcher function's [`Handler::run_payload`]: the looks of the
    /// re-checks of `payload`; an event that asks for a reconcile is
    /// refused (permanent).
    pub async fn run_payload(&self, payload: &Payload, deadline: Option<Deadline>) -> HandleReport {
        self.dispatch(payload, deadline, self).await
    }

    /// A payload as JSON, for `acts`.
    pub(super) async fn run_value(
        &self,
        payload: &Value,
        deadline: Option<Deadline>,
        acts: &dyn Acts,
    ) -> HandleReport {
        let mut report = HandleReport { deadline, ..HandleReport::default() };
        match events::parse(payload, &self.config.tag_key) {
            Ok(incoming) => self.run_events(&incoming, report, acts).await,
            Err(e) => {
                let id = payload.get("id").and_then(Value::as_str).unwrap_or("-");
                report.record(AuditRecord::new(
                    id,
                    Decision::Error,
                    "invalid_input",
                    "event",
                    e.to_string(),
                ));
                report.failure = Some(e);
                report
            }
        }
    }

    /// A payload typed at the functions' edge, for `acts`: an SQS batch is
    /// parsed from its typed records, anything else as JSON.
    pub(super) async fn dispatch(
        &self,
        payload: &Payload,
        deadline: Option<Deadline>,
        acts: &dyn Acts,
    ) -> HandleReport {
        match payload {
            Payload::Sqs(batch) => {
                let report = HandleReport { deadline, ..HandleReport::default() };
                let incoming = events::parse_batch(batch, &self.config.tag_key);
                self.run_events(&incoming, report, acts).await
            }
            Payload::Other(value) => self.run_value(value, deadline, acts).await,
        }
    }

    /// The parsed events of one payload: admitted, then the looks and the
    /// one reconcile admission let through.
    async fn run_events(
        &self,
        incoming: &[Incoming],
        mut report: HandleReport,
        acts: &dyn Acts,
    ) -> HandleReport {
        let mut admission = self.admit(incoming, acts.reconciles(), &mut report).await;
        for &i in &admission.looks {
            let inc = &incoming[i];
            if let Err(e) = self.look(inc, acts, &mut report).await {
                self.audit_failure(inc, &e, &mut report);
                admission.failures.add(&[i], e);
            }
        }
        if let Some(batch) = admission.reconcile.take() {
            let (lead, positions) = (batch.lead, batch.positions.clone());
            if let Err(e) = acts.reconcile(batch, &mut report).await {
                self.audit_failure(lead, &e, &mut report);
                admission.failures.add(&positions, e);
            }
        }
        let failures = admission.failures;
        report.failed_messages = failures.messages(incoming);
        if !admission.deferred && !report.failed_messages.is_empty() {
            let ids = report.failed_messages.clone();
            self.redeliver_failed(incoming, &ids, &mut report).await;
        }
        report.failure = failures.first;
        report
    }

    /// One look of a watch chain (a peering's, a VPC's, a Region's): the
    /// watcher's work, reads and an announcement on the bus (with no bus,
    /// the announcement is a reconcile here).
    ///
    /// # Errors
    /// The look's: a failed read, or an announcement that cannot be sent
    /// (the re-check then comes back).
    async fn look(
        &self,
        inc: &Incoming,
        acts: &dyn Acts,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        match &inc.trigger {
            Trigger::Recheck(recheck) => self.recheck(inc, recheck, acts, report).await,
            Trigger::VpcRecheck(recheck) => self.vpc_recheck(inc, recheck, acts, report).await,
            Trigger::GatewayRecheck(r) => self.gateway_recheck(inc, r, acts, report).await,
            Trigger::Vpc { .. }
            | Trigger::Peering { .. }
            | Trigger::Network { .. }
            | Trigger::Continued { .. }
            | Trigger::GatewayReady { .. }
            | Trigger::Scheduled
            | Trigger::Ignore { .. }
            | Trigger::Invalid { .. } => Ok(()),
        }
    }

    /// The audit line of a failed event.
    pub(super) fn audit_failure(&self, inc: &Incoming, e: &Error, report: &mut HandleReport) {
        let kind = if e.is_retryable() { "retryable" } else { "permanent" };
        let record = AuditRecord::new(&inc.id, Decision::Error, kind, "event", e.to_string());
        report.record(record.in_region(inc.region.as_ref()));
    }
}

/// The failures of a payload: the one to answer with, and the events whose
/// messages are worth delivering again.
#[derive(Default)]
pub(super) struct Failures {
    /// The first retryable failure, else the first permanent one.
    pub(super) first: Option<Error>,
    /// Positions of the events that failed retryably.
    pub(super) retry: Vec<usize>,
}

impl Failures {
    pub(super) fn add(&mut self, positions: &[usize], e: Error) {
        if e.is_retryable() {
            self.retry.extend_from_slice(positions);
        }
        // A retryable failure wins: the whole payload is safe to redeliver.
        if self.first.as_ref().is_none_or(|f| !f.is_retryable() && e.is_retryable()) {
            self.first = Some(e);
        }
    }

    /// The SQS messages to report in `batchItemFailures`: those that failed
    /// retryably and, from a FIFO queue, every message after the first of
    /// them, so that none is handled out of order.
    fn messages(&self, incoming: &[Incoming]) -> Vec<String> {
        let Some(&first) = self.retry.iter().min() else {
            return Vec::new();
        };
        incoming
            .iter()
            .enumerate()
            .filter_map(|(i, inc)| {
                let m = inc.message.as_ref()?;
                (self.retry.contains(&i) || (m.ordered && i > first)).then(|| m.id.clone())
            })
            .collect()
    }
}
