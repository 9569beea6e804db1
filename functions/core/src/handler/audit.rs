//! The audit trail: one structured record per decision, written as one
//! JSON log line (target `tgw_peering::audit`) and kept in the report.

use serde::Serialize;

use crate::domain::Region;
use crate::error::Error;
use crate::events::{OutEvent, Recheck, VpcRecheck};
use crate::execute::Executed;
use crate::planner::{FindingCode, FindingKind};

/// What an audit record says was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// An action was taken (its result says how it ended).
    Action,
    /// Something the tool could do but deliberately does not.
    Skip,
    /// Desired state that contradicts what exists; nothing is written.
    Conflict,
    /// Something is between states; the next change or re-check moves on.
    Waiting,
    /// A failure (retryable or permanent, as `kind` says).
    Error,
    /// An event out of scope (another account or an unmanaged Region).
    Dropped,
    /// A watcher re-check looked, or one was scheduled.
    Recheck,
    /// A watcher chain gave up (`Peering Stuck`).
    Stuck,
    /// Withdrawals held back by a safety rule (`Withdrawal Held`).
    Held,
    /// Done as asked, but traffic may not flow.
    Warning,
    /// A route of the tool's that someone made a blackhole: kept.
    Isolated,
    /// A hop of the paths between Regions broke or healed (`Path Broken`,
    /// `Path Restored`), or the paths could not be verified.
    Path,
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Action => "action",
            Decision::Skip => "skip",
            Decision::Conflict => "conflict",
            Decision::Waiting => "waiting",
            Decision::Error => "error",
            Decision::Dropped => "dropped",
            Decision::Recheck => "recheck",
            Decision::Stuck => "stuck",
            Decision::Held => "held",
            Decision::Warning => "warning",
            Decision::Isolated => "isolated",
            Decision::Path => "path",
        }
    }
}

impl From<FindingKind> for Decision {
    fn from(kind: FindingKind) -> Self {
        match kind {
            FindingKind::Waiting => Decision::Waiting,
            FindingKind::Skip => Decision::Skip,
            FindingKind::Conflict => Decision::Conflict,
            FindingKind::Held => Decision::Held,
            FindingKind::Warning => Decision::Warning,
            FindingKind::Isolated => Decision::Isolated,
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One audit record: an action taken, a skip, a conflict, a wait, an error
/// or a dropped event. Written as one JSON log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub event_id: String,
    pub decision: Decision,
    pub kind: String,
    pub region: Option<Region>,
    pub subject: String,
    pub reason: String,
    /// For actions: `done`, `already_done: …` or `error: …`.
    pub result: Option<String>,
    /// For findings: what the finding is about (see [`FindingCode`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<FindingCode>,
}

impl AuditRecord {
    /// A record of `event_id` with no region and no result.
    pub fn new(
        event_id: &str,
        decision: Decision,
        kind: impl Into<String>,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            event_id: event_id.to_owned(),
            decision,
            kind: kind.into(),
            region: None,
            subject: subject.into(),
            reason: reason.into(),
            result: None,
            code: None,
        }
    }

    /// The record of a finding of `code`.
    #[must_use]
    pub fn with_code(mut self, code: FindingCode) -> Self {
        self.code = Some(code);
        self
    }

    /// The record of an executed action: its kind, subject, reason and
    /// result, in the action's Region; a write AWS refused as a conflict
    /// also has the code `write_refused` (counted with the findings).
    pub fn of_action(event_id: &str, executed: &Executed) -> Self {
        let action = &executed.planned.action;
        let reason = executed.planned.reason.clone();
        let mut record =
            Self::new(event_id, Decision::Action, action.kind(), action.to_string(), reason)
                .in_region(Some(action.region()));
        record.result = Some(executed.summary());
        if matches!(executed.result, Ok(crate::ports::Outcome::Conflict(_))) {
            record.code = Some(FindingCode::WriteRefused);
        }
        record
    }

    /// The same record, about `region`.
    pub fn in_region(mut self, region: Option<&Region>) -> Self {
        self.region = region.cloned();
        self
    }
}

/// What one payload led to.
#[derive(Debug, Default, Serialize)]
pub struct HandleReport {
    pub audit: Vec<AuditRecord>,
    pub published: Vec<OutEvent>,
    /// Re-checks sent to the queue, with their delay in seconds.
    pub rechecks: Vec<(Recheck, i32)>,
    /// VPC re-checks sent to the queue, with their delay in seconds.
    pub vpc_rechecks: Vec<(VpcRecheck, i32)>,
    /// SQS messages of the batch that failed and may succeed when retried.
    pub failed_messages: Vec<String>,
    /// Full reconciles run: at most one per payload, whatever the number
    /// of events in it.
    pub reconciles: usize,
    /// Why handling failed, if it did (everything before it is in `audit`).
    #[serde(skip)]
    pub failure: Option<Error>,
    /// The invocation's deadline, when it has a real one: a reconcile stops
    /// writing before it and hands the rest on.
    #[serde(skip)]
    pub deadline: Option<crate::execute::Deadline>,
    /// The embedded metric format documents of the reconcile (see
    /// [`crate::metrics`]); the Lambda functions write each as a line of
    /// its own on standard output.
    #[serde(skip)]
    pub metrics: Vec<crate::metrics::Document>,
}

impl HandleReport {
    /// Logs the record as one audit line and keeps it.
    pub fn record(&mut self, r: AuditRecord) {
        tracing::info!(
            target: "tgw_peering::audit",
            event_id = %r.event_id,
            decision = r.decision.as_str(),
            kind = %r.kind,
            region = r.region.as_ref().map(Region::as_str).unwrap_or(""),
            subject = %r.subject,
            reason = %r.reason,
            result = r.result.as_deref().unwrap_or(""),
            // Present on findings only (a metric filter counts them by it).
            code = r.code.map(tracing::field::display),
            "audit"
        );
        self.audit.push(r);
    }

    /// Audit records of one decision.
    pub fn decisions(&self, decision: Decision) -> impl Iterator<Item = &AuditRecord> {
        self.audit.iter().filter(move |r| r.decision == decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AttachmentId, Cidr, RouteTableId};
    use crate::planner::{Action, Planned};
    use crate::ports::Outcome;

    fn executed(result: Result<Outcome, Error>) -> Executed {
        let action = Action::CreateRoute {
            region: Region::parse("us-east-1").unwrap(),
            route_table_id: RouteTableId::parse("tgw-rtb-0123456789abcdef0").unwrap(),
            cidr: Cidr::parse("10.20.0.0/16").unwrap(),
            attachment_id: AttachmentId::parse("tgw-attach-0123456789abcdef0").unwrap(),
        };
        Executed { planned: Planned { action, reason: "wanted".to_owned() }, result }
    }

    #[test]
    fn a_write_aws_refused_as_a_conflict_is_counted_by_its_code_and_a_done_write_is_not() {
        let refused = executed(Ok(Outcome::Conflict("RouteAlreadyExists".to_owned())));
        assert_eq!(AuditRecord::of_action("evt", &refused).code, Some(FindingCode::WriteRefused));
        let done = AuditRecord::of_action("evt", &executed(Ok(Outcome::Done)));
        assert_eq!(done.code, None);
        assert!(serde_json::to_value(&done).unwrap().get("code").is_none(), "no code, no field");
    }
}
