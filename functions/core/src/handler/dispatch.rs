//! From a payload to its handling: parse, check the scope, then one
//! `match` on what the event asks for.

use serde_json::Value;

use super::{AuditRecord, Decision, HandleReport, Handler};
use crate::domain::RoleArn;
use crate::error::Error;
use crate::events::{self, Incoming, Trigger};

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
    pub async fn run(&self, payload: &Value) -> HandleReport {
        let mut report = HandleReport::default();
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
        let mut failure: Option<Error> = None;
        for inc in incoming {
            if let Err(e) = self.handle_one(&inc, &mut report).await {
                if matches!(e, Stop::Identity(_)) {
                    report.failure = Some(e.into_error());
                    return report;
                }
                let e = e.into_error();
                self.audit_failure(&inc, &e, &mut report);
                // A retryable failure wins: the whole payload is safe to redeliver.
                if failure.as_ref().is_none_or(|f| !f.is_retryable()) {
                    failure = Some(e);
                }
            }
        }
        report.failure = failure;
        report
    }

    /// One parsed event: dropped when out of scope, else what its trigger asks.
    async fn handle_one(&self, inc: &Incoming, report: &mut HandleReport) -> Result<(), Stop> {
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
        if let Some(reason) = scope {
            let record =
                AuditRecord::new(&inc.id, Decision::Dropped, "out_of_scope", "event", reason);
            report.record(record.in_region(inc.region.as_ref()));
            return Ok(());
        }
        if let Some(role) = self.own_call(inc) {
            let reason = format!("a call of the tool's own role {role}: it starts no reconcile");
            let record = AuditRecord::new(&inc.id, Decision::Skip, "own_call", "event", reason);
            report.record(record.in_region(inc.region.as_ref()));
            return Ok(());
        }
        let result = match &inc.trigger {
            Trigger::Ignore { reason } => {
                let record =
                    AuditRecord::new(&inc.id, Decision::Skip, "ignored_event", "event", reason);
                report.record(record.in_region(inc.region.as_ref()));
                Ok(())
            }
            Trigger::Invalid { reason } => Err(Error::Input(reason.clone())),
            Trigger::Recheck(recheck) => self.recheck(inc, recheck, report).await,
            Trigger::Vpc { .. }
            | Trigger::Peering { .. }
            | Trigger::Network { .. }
            | Trigger::Scheduled => self.reconcile(inc, report).await,
        };
        result.map_err(Stop::Failed)
    }

    /// The tool's own role that made the call the event records, if any.
    fn own_call(&self, inc: &Incoming) -> Option<&RoleArn> {
        let caller = inc.caller.as_ref()?;
        self.config.own_roles().find(|role| caller.is_role(role))
    }

    /// The audit line of a failed event; a retryable failure of a queued
    /// message marks that message alone for redelivery.
    fn audit_failure(&self, inc: &Incoming, e: &Error, report: &mut HandleReport) {
        if inc.from_queue && e.is_retryable() {
            report.failed_messages.push(inc.id.clone());
        }
        let kind = if e.is_retryable() { "retryable" } else { "permanent" };
        let record = AuditRecord::new(&inc.id, Decision::Error, kind, "event", e.to_string());
        report.record(record.in_region(inc.region.as_ref()));
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

impl Stop {
    fn into_error(self) -> Error {
        match self {
            Stop::Identity(e) | Stop::Failed(e) => e,
        }
    }
}
