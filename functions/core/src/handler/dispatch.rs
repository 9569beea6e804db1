//! From a payload to its handling: parse, check the scope, then one
//! `match` on what the event asks for.

use serde_json::Value;

use super::reconcile::{restarts_watch, Restart};
use super::redeliver::RECONCILE_INTERVAL_SECS;
use super::scope::{Scope, ScopeReads};
use super::vpc_watch::Announced;
use super::{AuditRecord, Decision, HandleReport, Handler};
use crate::domain::RoleArn;
use crate::error::Error;
use crate::events::{self, Incoming, Trigger};
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
        let mut report = HandleReport { deadline, ..HandleReport::default() };
        let incoming = match events::parse(payload, &self.config.tag_key) {
            Ok(incoming) => incoming,
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
                return report;
            }
        };
        let mut failures = Failures::default();
        let mut wanted: Vec<usize> = Vec::new();
        // The managed gateways' attachments, read once per payload for the
        // workload accounts' events.
        let mut gateways = ScopeReads::default();
        for (i, inc) in incoming.iter().enumerate() {
            match self.handle_one(inc, &mut gateways, &mut report).await {
                Ok(Next::Done) => {}
                Ok(Next::Reconcile) => match self.guards.covered(inc) {
                    Some(reason) => {
                        let record =
                            AuditRecord::new(&inc.id, Decision::Skip, "covered", "event", reason);
                        report.record(record.in_region(inc.region.as_ref()));
                    }
                    None => wanted.push(i),
                },
                Err(Stop::Identity(e)) => {
                    // Nothing of the batch can be scoped: every message comes back.
                    let all: Vec<usize> = (0..incoming.len()).collect();
                    failures.retry.extend_from_slice(&all);
                    failures.first = Some(e);
                    wanted.clear();
                    break;
                }
                Err(Stop::Failed(e)) => {
                    self.audit_failure(inc, &e, &mut report);
                    failures.add(&[i], e);
                }
            }
        }
        let mut deferred = false;
        if let Some(&lead) = wanted.first() {
            let wait = self.guards.pace((self.clock)(), RECONCILE_INTERVAL_SECS);
            if wait > 0 && self.defer(&incoming, &wanted, wait, &mut report).await {
                failures.retry.extend_from_slice(&wanted);
                deferred = true;
            } else if let Err(e) = self.coalesced_reconcile(&incoming, &wanted, &mut report).await {
                self.audit_failure(&incoming[lead], &e, &mut report);
                failures.add(&wanted, e);
            }
        }
        report.failed_messages = failures.messages(&incoming);
        if !deferred && !report.failed_messages.is_empty() {
            let ids = report.failed_messages.clone();
            self.redeliver_failed(&incoming, &ids, &mut report).await;
        }
        report.failure = failures.first;
        report
    }

    /// Defers a FIFO batch to the next reconcile: every message from the
    /// first wanted one on is made to come back in `wait` seconds. True when
    /// all were; otherwise nothing is deferred and the batch is reconciled
    /// now (a message left at the queue's visibility timeout would hold the
    /// message group for 18 minutes).
    async fn defer(
        &self,
        incoming: &[Incoming],
        wanted: &[usize],
        wait: i64,
        report: &mut HandleReport,
    ) -> bool {
        let lead = wanted[0];
        let Ok(seconds) = i32::try_from(wait) else {
            return false;
        };
        if !self.can_defer(incoming, lead) {
            return false;
        }
        let ids: Vec<String> = incoming[lead..]
            .iter()
            .filter_map(|inc| inc.message.as_ref())
            .map(|m| m.id.clone())
            .collect();
        if !self.redeliver(incoming, &ids, |_| seconds, report).await {
            return false;
        }
        for &i in wanted {
            let inc = &incoming[i];
            let reason = format!(
                "a reconcile began less than {RECONCILE_INTERVAL_SECS}s ago; this event comes back in {wait}s for the next one"
            );
            let record = AuditRecord::new(&inc.id, Decision::Waiting, "deferred", "event", reason);
            report.record(record.in_region(inc.region.as_ref()));
        }
        true
    }

    /// One reconcile for every event of `wanted` (positions in `incoming`),
    /// led by the first: its id is on the reconcile's audit lines, and each
    /// other event gets a line saying which reconcile handled it.
    async fn coalesced_reconcile(
        &self,
        incoming: &[Incoming],
        wanted: &[usize],
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let lead = &incoming[wanted[0]];
        for &i in &wanted[1..] {
            let inc = &incoming[i];
            let reason = format!("handled by the reconcile of event {}", lead.id);
            let record = AuditRecord::new(&inc.id, Decision::Skip, "coalesced", "event", reason);
            report.record(record.in_region(inc.region.as_ref()));
        }
        let restart = wanted
            .iter()
            .map(|&i| restarts_watch(&incoming[i].trigger))
            .max()
            .unwrap_or(Restart::No);
        let mut announced = Announced::default();
        for inc in wanted.iter().map(|&i| &incoming[i]) {
            // The tool's own gateway event is the watcher's `Transit Gateway
            // Ready`: that chain has ended.
            if let (Trigger::GatewayReady { .. }, Some(region)) = (&inc.trigger, &inc.region) {
                announced.gateways.insert(region.clone());
            }
            let Trigger::Vpc { vpc_id: Some(vpc), tagged, .. } = &inc.trigger else {
                continue;
            };
            if let (Some(t), Some(region)) = (tagged, &inc.region) {
                announced.tags.insert(vpc.clone(), (region.clone(), *t));
            }
            // The tool's own VPC event is the watcher's `VPC Ready`.
            if inc.from_tool {
                announced.ready.insert(vpc.clone());
            }
        }
        report.reconciles += 1;
        self.guards.reconcile_begins((self.clock)());
        self.reconcile_and_follow_up(lead, restart, &announced, report).await
    }

    /// One parsed event: dropped when out of scope, else what its trigger
    /// asks; a reconcile is left to the caller, which runs one per payload.
    async fn handle_one(
        &self,
        inc: &Incoming,
        gateways: &mut ScopeReads,
        report: &mut HandleReport,
    ) -> Result<Next, Stop> {
        let scope = match self.out_of_scope(inc).await {
            Ok(scope) => scope,
            Err(e) => {
                let record = AuditRecord::new(
                    &inc.id,
                    Decision::Error,
                    "identity",
                    "event",
                    format!("the caller's account is unknown: {e}"),
                );
                report.record(record.in_region(inc.region.as_ref()));
                return Err(Stop::Identity(e));
            }
        };
        let dropped = match scope {
            Scope::In => None,
            Scope::Out(reason) => Some(reason),
            Scope::Workload { account, region, vpc, expected } => self
                .workload_scope(&account, &region, &vpc, gateways)
                .await
                .map_err(Stop::Failed)?
                .map(|why| format!("{expected}; {why}")),
        };
        if let Some(reason) = dropped {
            let record =
                AuditRecord::new(&inc.id, Decision::Dropped, "out_of_scope", "event", reason);
            report.record(record.in_region(inc.region.as_ref()));
            return Ok(Next::Done);
        }
        if let Some(role) = self.own_call(inc) {
            let reason = format!("a call of the tool's own role {role}: it starts no reconcile");
            let record = AuditRecord::new(&inc.id, Decision::Skip, "own_call", "event", reason);
            report.record(record.in_region(inc.region.as_ref()));
            return Ok(Next::Done);
        }
        match &inc.trigger {
            Trigger::Ignore { reason } => {
                let record =
                    AuditRecord::new(&inc.id, Decision::Skip, "ignored_event", "event", reason);
                report.record(record.in_region(inc.region.as_ref()));
                Ok(Next::Done)
            }
            Trigger::Invalid { reason } => Err(Stop::Failed(Error::Input(reason.clone()))),
            Trigger::Recheck(recheck) => {
                self.recheck(inc, recheck, report).await.map(|()| Next::Done).map_err(Stop::Failed)
            }
            Trigger::VpcRecheck(recheck) => self
                .vpc_recheck(inc, recheck, report)
                .await
                .map(|()| Next::Done)
                .map_err(Stop::Failed),
            Trigger::GatewayRecheck(recheck) => self
                .gateway_recheck(inc, recheck, report)
                .await
                .map(|()| Next::Done)
                .map_err(Stop::Failed),
            Trigger::Vpc { .. }
            | Trigger::Peering { .. }
            | Trigger::Network { .. }
            | Trigger::Continued { .. }
            | Trigger::GatewayReady { .. }
            | Trigger::Scheduled => Ok(Next::Reconcile),
        }
    }

    /// The tool's own role that made the call the event records, if any.
    fn own_call(&self, inc: &Incoming) -> Option<&RoleArn> {
        let caller = inc.caller.as_ref()?;
        self.config.own_roles().find(|role| caller.is_role(role))
    }

    /// The audit line of a failed event.
    fn audit_failure(&self, inc: &Incoming, e: &Error, report: &mut HandleReport) {
        let kind = if e.is_retryable() { "retryable" } else { "permanent" };
        let record = AuditRecord::new(&inc.id, Decision::Error, kind, "event", e.to_string());
        report.record(record.in_region(inc.region.as_ref()));
    }
}

/// What an event asks for once it passed the checks.
enum Next {
    /// Handled (dropped, skipped, or a re-check made).
    Done,
    /// A reconcile, shared with the other events of the payload.
    Reconcile,
}

/// The failures of a payload: the one to answer with, and the events whose
/// messages are worth delivering again.
#[derive(Default)]
struct Failures {
    /// The first retryable failure, else the first permanent one.
    first: Option<Error>,
    /// Positions of the events that failed retryably.
    retry: Vec<usize>,
}

impl Failures {
    fn add(&mut self, positions: &[usize], e: Error) {
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

/// Why one event stopped.
enum Stop {
    /// The hub's own account could not be learned: nothing can be scoped,
    /// so the whole payload stops here.
    Identity(Error),
    /// The event failed; the others of the payload go on.
    Failed(Error),
}
