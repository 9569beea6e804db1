//! The dispatch shared by both Lambda functions and `tgw-peering handle`.
//!
//! Every event ends in a level-triggered reconcile: the event only says where
//! to look. A watcher re-check describes one attachment and, when its state
//! changed, publishes a state-change event; it never waits. Every decision is
//! one structured audit line carrying the triggering event's id, and the
//! actions are also published on the event bus.
//!
//! Where this goes beyond the design's outline of the watcher:
//! - a re-check describes *both* sides of the peering. AWS moves them at
//!   different moments (the accepter lists a request only after a while), and
//!   a watcher that stopped when its own side settled would leave the accept
//!   or one side's routes to the hourly sweep;
//! - the scheduled reconcile and CloudTrail peering calls start a chain for
//!   every peering between states, so a lost chain, or a peering someone else
//!   created or accepted, is watched too;
//! - a `rejected` peering is reported, not requested again: a rejection is an
//!   answer, and asking again would loop;
//! - chains are bounded by time *and* by count ([`RECHECK_MAX_ATTEMPTS`]), so
//!   a bad clock or a crafted message cannot poll forever;
//! - SQS batches are answered with `batchItemFailures`, so one message that
//!   failed retryably does not bring back the ones already handled.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use crate::config::Config;
use crate::domain::{AccountId, PeeringPhase, PeeringState, Region};
use crate::error::Error;
use crate::events::{
    self, Incoming, Recheck, StateChangeDetail, Trigger, PEERING_ACCEPTED, PEERING_CALLS,
    PEERING_REQUESTED, PEERING_STUCK, RECHECK_GIVE_UP_SECS, RECHECK_MAX_ATTEMPTS,
    RECHECK_UNLISTED_GRACE_SECS, ROUTES_CHANGED, ROUTE_CONFLICT, STATE_CHANGE,
};
use crate::planner::{plan, Action, FindingKind};
use crate::ports::{Ec2Clients, Outcome};
use crate::reconcile::{execute, observe, run};

/// An event to publish on the tool's bus (source `tgw-peering`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutEvent {
    pub detail_type: &'static str,
    pub detail: Value,
}

/// The event bus the tool publishes on.
#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, events: &[OutEvent]) -> Result<(), Error>;
}

/// The watcher's delay queue.
#[async_trait]
pub trait RecheckQueue: Send + Sync {
    async fn send(&self, recheck: &Recheck, delay_secs: i32) -> Result<(), Error>;
}

/// Who the tool runs as (the hub's account): events of Regions without a
/// role in `ACCOUNT_ROLE_ARNS`, and the tool's own, must come from it.
#[async_trait]
pub trait Identity: Send + Sync {
    async fn account(&self) -> Result<AccountId, Error>;
}

/// One audit record: an action taken, a skip, a conflict, a wait, an error
/// or a dropped event. Written as one JSON log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub event_id: String,
    /// `action`, `skip`, `conflict`, `waiting`, `error`, `dropped`, `recheck`, `stuck`.
    pub decision: &'static str,
    pub kind: String,
    pub region: Option<Region>,
    pub subject: String,
    pub reason: String,
    /// For actions: `done`, `already_done` or `error: …`.
    pub result: Option<String>,
}

/// What one payload led to.
#[derive(Debug, Default, Serialize)]
pub struct HandleReport {
    pub audit: Vec<AuditRecord>,
    pub published: Vec<OutEvent>,
    /// Re-checks sent to the queue, with their delay in seconds.
    pub rechecks: Vec<(Recheck, i32)>,
    /// SQS messages of the batch that failed and may succeed when retried.
    pub failed_messages: Vec<String>,
    /// Why handling failed, if it did (everything before it is in `audit`).
    #[serde(skip)]
    pub failure: Option<Error>,
}

impl HandleReport {
    fn record(&mut self, r: AuditRecord) {
        tracing::info!(
            target: "tgw_peering::audit",
            event_id = %r.event_id,
            decision = r.decision,
            kind = %r.kind,
            region = r.region.as_ref().map(Region::as_str).unwrap_or(""),
            subject = %r.subject,
            reason = %r.reason,
            result = r.result.as_deref().unwrap_or(""),
            "audit"
        );
        self.audit.push(r);
    }

    /// Audit records of one decision kind.
    pub fn decisions(&self, decision: &str) -> impl Iterator<Item = &AuditRecord> {
        let decision = decision.to_owned();
        self.audit.iter().filter(move |r| r.decision == decision)
    }
}

/// The handler: configuration and the clients, built once per process.
pub struct Handler {
    pub config: Config,
    pub ec2: Arc<dyn Ec2Clients>,
    pub bus: Option<Arc<dyn EventBus>>,
    pub queue: Option<Arc<dyn RecheckQueue>>,
    pub identity: Arc<dyn Identity>,
    /// Seconds since the Unix epoch.
    pub clock: fn() -> i64,
    account: OnceCell<AccountId>,
}

fn batch_failures(report: &HandleReport) -> Value {
    Value::Array(
        report
            .failed_messages
            .iter()
            .map(|id| json!({ "itemIdentifier": id }))
            .collect(),
    )
}

/// The system clock in seconds since the Unix epoch.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A state the watcher keeps an eye on: on its way somewhere, or waiting for
/// the tool's accept.
fn watched(state: &PeeringState) -> bool {
    state.phase() == PeeringPhase::Live && *state != PeeringState::Available
}

impl Recheck {
    /// The first re-check of a chain, which last saw `seen` (requester's
    /// state, accepter's state).
    fn first(
        attachment_id: &crate::domain::AttachmentId,
        region: &Region,
        seen: View,
        now: i64,
        origin_event_id: &str,
    ) -> Recheck {
        Recheck {
            attachment_id: attachment_id.clone(),
            region: region.clone(),
            last_requester_state: seen.0.as_ref().map(ToString::to_string),
            last_accepter_state: seen.1.as_ref().map(ToString::to_string),
            started_at: now,
            attempt: 0,
            origin_event_id: origin_event_id.to_owned(),
        }
    }
}

/// The watcher's view of a peering: each side's own state (`None`: the
/// side does not list the attachment).
type View = (Option<PeeringState>, Option<PeeringState>);

fn view_text(state: &Option<PeeringState>) -> String {
    state
        .as_ref()
        .map_or_else(|| "unlisted".to_owned(), ToString::to_string)
}

/// The overall state of a view: the accepter's when it lists the attachment.
fn overall(view: &View) -> String {
    view_text(if view.1.is_some() { &view.1 } else { &view.0 })
}

/// True when the watcher can stop: a side failed or went away, or both
/// sides agree on a state that the tool acts on (`pendingAcceptance`: accept;
/// `available`: routes). A side in a Region the tool does not read counts as
/// agreeing.
fn settled(view: &View, both_read: bool) -> bool {
    let sides = [&view.0, &view.1];
    if sides
        .iter()
        .flat_map(|s| s.as_ref())
        .any(|s| s.phase() != PeeringPhase::Live)
    {
        return true;
    }
    let actionable =
        |s: &PeeringState| matches!(s, PeeringState::PendingAcceptance | PeeringState::Available);
    match view {
        (Some(a), Some(b)) => a == b && actionable(a),
        (Some(a), None) | (None, Some(a)) if !both_read => actionable(a),
        _ => false,
    }
}

impl Handler {
    pub fn new(
        config: Config,
        ec2: Arc<dyn Ec2Clients>,
        bus: Option<Arc<dyn EventBus>>,
        queue: Option<Arc<dyn RecheckQueue>>,
        identity: Arc<dyn Identity>,
    ) -> Self {
        Self {
            config,
            ec2,
            bus,
            queue,
            identity,
            clock: system_clock,
            account: OnceCell::new(),
        }
    }

    /// Handles one payload. `Err` is returned for malformed input (permanent)
    /// and for failures worth retrying; see [`Error::is_retryable`].
    pub async fn handle(&self, payload: &Value) -> Result<HandleReport, Error> {
        let mut report = self.run(payload).await;
        match report.failure.take() {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Handles one payload and reports everything it did, including the
    /// failure that stopped it, if any.
    pub async fn run(&self, payload: &Value) -> HandleReport {
        let mut report = HandleReport::default();
        let incoming = match events::parse(payload, &self.config.tag_key) {
            Ok(incoming) => incoming,
            Err(e) => {
                let id = payload
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("-")
                    .to_owned();
                report.record(AuditRecord {
                    event_id: id,
                    decision: "error",
                    kind: "invalid_input".into(),
                    region: None,
                    subject: "event".into(),
                    reason: e.to_string(),
                    result: None,
                });
                report.failure = Some(e);
                return report;
            }
        };
        let mut failure: Option<Error> = None;
        for inc in incoming {
            let scope = match self.out_of_scope(&inc).await {
                Ok(scope) => scope,
                Err(e) => {
                    report.record(AuditRecord {
                        event_id: inc.id.clone(),
                        decision: "error",
                        kind: "identity".into(),
                        region: inc.region.clone(),
                        subject: "event".into(),
                        reason: format!("the caller's account is unknown: {e}"),
                        result: None,
                    });
                    report.failure = Some(e);
                    return report;
                }
            };
            if let Some(reason) = scope {
                report.record(AuditRecord {
                    event_id: inc.id.clone(),
                    decision: "dropped",
                    kind: "out_of_scope".into(),
                    region: inc.region.clone(),
                    subject: "event".into(),
                    reason,
                    result: None,
                });
                continue;
            }
            let result = match &inc.trigger {
                Trigger::Ignore { reason } => {
                    report.record(AuditRecord {
                        event_id: inc.id.clone(),
                        decision: "skip",
                        kind: "ignored_event".into(),
                        region: inc.region.clone(),
                        subject: "event".into(),
                        reason: reason.clone(),
                        result: None,
                    });
                    Ok(())
                }
                Trigger::Invalid { reason } => Err(Error::Input(reason.clone())),
                Trigger::Recheck(recheck) => self.recheck(&inc, recheck, &mut report).await,
                _ => self.reconcile(&inc, &mut report).await,
            };
            if let Err(e) = result {
                if inc.from_queue && e.is_retryable() {
                    report.failed_messages.push(inc.id.clone());
                }
                report.record(AuditRecord {
                    event_id: inc.id.clone(),
                    decision: "error",
                    kind: if e.is_retryable() {
                        "retryable"
                    } else {
                        "permanent"
                    }
                    .into(),
                    region: inc.region.clone(),
                    subject: "event".into(),
                    reason: e.to_string(),
                    result: None,
                });
                // A retryable failure wins: the whole payload is safe to redeliver.
                if failure.as_ref().is_none_or(|f| !f.is_retryable()) {
                    failure = Some(e);
                }
            }
        }
        report.failure = failure;
        report
    }

    /// [`Handler::handle`] shaped for the Lambda runtime: a retryable failure
    /// is an `Err` (Lambda and EventBridge retry, then the dead-letter queue);
    /// a permanent one is logged once and answered `Ok`, so it is not retried.
    ///
    /// An SQS batch is answered with `batchItemFailures` (the event source
    /// mapping's `ReportBatchItemFailures`): only the messages that failed
    /// retryably come back, never the ones already handled.
    pub async fn lambda(&self, payload: &Value) -> Result<Value, Error> {
        let is_batch = payload.get("Records").is_some();
        let mut report = self.run(payload).await;
        let failure = report.failure.take();
        let mut answer = json!({
            "actions": report.decisions("action").count(),
            "conflicts": report.decisions("conflict").count(),
            "dropped": report.decisions("dropped").count(),
            "published": report.published.len(),
            "rechecks": report.rechecks.len(),
        });
        match failure {
            // Retry everything unless the batch names the messages to retry.
            Some(e) if e.is_retryable() && (!is_batch || report.failed_messages.is_empty()) => {
                Err(e)
            }
            Some(e) if !e.is_retryable() => {
                tracing::error!(error = %e, "permanent failure; the event is not retried");
                answer["error"] = json!(e.to_string());
                answer["retryable"] = json!(false);
                if is_batch {
                    answer["batchItemFailures"] = batch_failures(&report);
                }
                Ok(answer)
            }
            _ => {
                if is_batch {
                    answer["batchItemFailures"] = batch_failures(&report);
                }
                Ok(answer)
            }
        }
    }

    async fn out_of_scope(&self, inc: &Incoming) -> Result<Option<String>, Error> {
        for region in inc.region.iter().chain(&inc.peer_region) {
            if !self.config.regions.contains(region) {
                return Ok(Some(format!("{region} is not a managed Region")));
            }
        }
        let Some(account) = &inc.account else {
            return Ok(None);
        };
        // An event of a Region whose clients assume a role must come from
        // that role's account; the tool's own events, events of no Region
        // (the schedule) and those of the other Regions from the hub's.
        let role = match (&inc.region, inc.from_tool) {
            (Some(region), false) => self
                .config
                .account_role_arns
                .get(region)
                .map(|role| (region, role)),
            _ => None,
        };
        if let Some((region, role)) = role {
            let expected = role.account();
            return Ok((account != expected).then(|| {
                format!(
                    "account {account} is not {expected}, the account of {region}'s role {role} (ACCOUNT_ROLE_ARNS)"
                )
            }));
        }
        let own = self
            .account
            .get_or_try_init(|| self.identity.account())
            .await?;
        Ok((account != own).then(|| {
            let whose = match (&inc.region, inc.from_tool) {
                (Some(region), false) => {
                    format!("{region} has no role in ACCOUNT_ROLE_ARNS, so its events come from")
                }
                _ => "the tool's own and scheduled events come from".to_owned(),
            };
            format!("account {account} is not {own}: {whose} the hub's account {own}")
        }))
    }

    /// A full reconcile: read, plan, execute, audit, publish, schedule re-checks.
    async fn reconcile(&self, inc: &Incoming, report: &mut HandleReport) -> Result<(), Error> {
        let observed = observe(self.ec2.as_ref(), &self.config).await?;
        let plan = plan(&observed, &self.config)?;
        let mut out_events = Vec::new();
        for f in &plan.findings {
            let decision = match f.kind {
                FindingKind::Waiting => "waiting",
                FindingKind::Skip => "skip",
                FindingKind::Conflict => "conflict",
            };
            report.record(AuditRecord {
                event_id: inc.id.clone(),
                decision,
                kind: decision.into(),
                region: f.region.clone(),
                subject: f.subject.clone(),
                reason: f.reason.clone(),
                result: None,
            });
            if f.kind == FindingKind::Conflict {
                out_events.push(OutEvent {
                    detail_type: ROUTE_CONFLICT,
                    detail: json!({
                        "event-id": inc.id,
                        "region": f.region,
                        "subject": f.subject,
                        "reason": f.reason,
                    }),
                });
            }
        }

        let execution = execute(self.ec2.as_ref(), &plan).await;
        let mut rechecks = Vec::new();
        let mut routes: BTreeMap<(Region, String), (Vec<String>, Vec<String>)> = BTreeMap::new();
        let mut failure: Option<Error> = None;
        let mut created = false;
        for e in execution.executed {
            let action = &e.planned.action;
            let result = match &e.result {
                Ok(Outcome::Done) | Ok(Outcome::Created(_)) => "done".to_owned(),
                Ok(Outcome::AlreadyDone(why)) => format!("already_done: {why}"),
                Err(err) => format!("error: {err}"),
            };
            report.record(AuditRecord {
                event_id: inc.id.clone(),
                decision: "action",
                kind: action.kind().into(),
                region: Some(action.region().clone()),
                subject: action.to_string(),
                reason: e.planned.reason.clone(),
                result: Some(result),
            });
            if let (Some((table, cidr, added)), Ok(Outcome::Done)) =
                (action.route_change(), &e.result)
            {
                let entry = routes.entry((action.region().clone(), table)).or_default();
                if added { &mut entry.0 } else { &mut entry.1 }.push(cidr.to_string());
            }
            let now = (self.clock)();
            match (action, &e.result) {
                (
                    Action::CreatePeering {
                        requester,
                        accepter,
                    },
                    Ok(Outcome::Created(id)),
                ) => {
                    created = true;
                    out_events.push(OutEvent {
                        detail_type: PEERING_REQUESTED,
                        detail: json!({
                            "event-id": inc.id,
                            "attachment-id": id,
                            "requester-region": requester.region,
                            "requester-transit-gateway-id": requester.transit_gateway_id,
                            "accepter-region": accepter.region,
                            "accepter-transit-gateway-id": accepter.transit_gateway_id,
                            "reason": e.planned.reason,
                        }),
                    });
                    rechecks.push(Recheck::first(
                        id,
                        &requester.region,
                        (Some(PeeringState::InitiatingRequest), None),
                        now,
                        &inc.id,
                    ));
                }
                (
                    Action::AcceptPeering {
                        region,
                        attachment_id,
                    },
                    Ok(Outcome::Done),
                ) => {
                    out_events.push(OutEvent {
                        detail_type: PEERING_ACCEPTED,
                        detail: json!({
                            "event-id": inc.id,
                            "attachment-id": attachment_id,
                            "region": region,
                            "reason": e.planned.reason,
                        }),
                    });
                    // An accepted peering is `pending` on both sides.
                    rechecks.push(Recheck::first(
                        attachment_id,
                        region,
                        (Some(PeeringState::Pending), Some(PeeringState::Pending)),
                        now,
                        &inc.id,
                    ));
                }
                // A retryable failure wins: the event comes back and every
                // step is safe to repeat. A permanent one is reported (the
                // CLI exits 2) and not retried.
                (_, Err(err))
                    if failure
                        .as_ref()
                        .is_none_or(|f| !f.is_retryable() && err.is_retryable()) =>
                {
                    failure = Some(Error::Aws {
                        region: action.region().clone(),
                        operation: "reconcile",
                        code: err.aws_code().map(str::to_owned),
                        message: format!("{action}: {err}"),
                        retryable: err.is_retryable(),
                    });
                }
                _ => {}
            }
        }
        for ((region, table), (added, removed)) in routes {
            out_events.push(OutEvent {
                detail_type: ROUTES_CHANGED,
                detail: json!({
                    "event-id": inc.id,
                    "region": region,
                    "route-table-id": table,
                    "added": added,
                    "removed": removed,
                }),
            });
        }

        // Concurrent creators: another invocation may have requested the
        // same pair at the same time. Read again at once and delete the
        // newer peerings the tool created, keeping the oldest, so that
        // routes go onto one peering only. Every creator runs this guard;
        // a duplicate it cannot see yet is left to its own re-check chain.
        if created {
            let deleted = self.delete_duplicates(inc, report).await;
            rechecks.retain(|r| !deleted.contains(&r.attachment_id));
        }

        // The safety net, and a peering call seen in CloudTrail (made by
        // someone else, or by an interrupted run), start watching every
        // peering between states, in case no re-check chain watches it.
        let restart = match &inc.trigger {
            Trigger::Scheduled => true,
            Trigger::Peering { change, .. } => PEERING_CALLS.contains(&change.as_str()),
            _ => false,
        };
        if restart {
            for p in &plan.peerings {
                let (Some(id), Some(state)) = (&p.attachment_id, &p.state) else {
                    continue;
                };
                if watched(&PeeringState::parse(state))
                    && !rechecks.iter().any(|r| &r.attachment_id == id)
                {
                    // Nothing seen yet: the first look announces the state.
                    rechecks.push(Recheck::first(
                        id,
                        &p.requester.region,
                        (None, None),
                        (self.clock)(),
                        &inc.id,
                    ));
                }
            }
        }
        for r in rechecks {
            // A re-check that cannot be sent is audited; the scheduled
            // reconcile starts watching again. The actions stand.
            let _ = self.schedule(inc, r, report).await;
        }
        self.publish(inc, out_events, report).await;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The guard after a create: re-reads, and deletes the duplicate
    /// peerings the planner finds (the newer ones the tool created, never the
    /// oldest, never one it did not create). Returns the deleted ids. A
    /// failure here is audited and left to the re-checks and the sweep.
    async fn delete_duplicates(
        &self,
        inc: &Incoming,
        report: &mut HandleReport,
    ) -> Vec<crate::domain::AttachmentId> {
        let plan = match observe(self.ec2.as_ref(), &self.config).await {
            Ok(observed) => plan(&observed, &self.config),
            Err(e) => Err(e),
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                report.record(AuditRecord {
                    event_id: inc.id.clone(),
                    decision: "error",
                    kind: "duplicate_check".into(),
                    region: inc.region.clone(),
                    subject: "peering".into(),
                    reason: format!(
                        "the read after a create failed: {e}; the re-checks look again"
                    ),
                    result: None,
                });
                return Vec::new();
            }
        };
        let mut deleted = Vec::new();
        for p in &plan.actions {
            let Action::DeletePeering { attachment_id, .. } = &p.action else {
                continue;
            };
            let result = run(self.ec2.as_ref(), &p.action).await;
            report.record(AuditRecord {
                event_id: inc.id.clone(),
                decision: "action",
                kind: p.action.kind().into(),
                region: Some(p.action.region().clone()),
                subject: p.action.to_string(),
                reason: p.reason.clone(),
                result: Some(match &result {
                    Ok(Outcome::AlreadyDone(why)) => format!("already_done: {why}"),
                    Ok(_) => "done".to_owned(),
                    Err(err) => format!("error: {err}"),
                }),
            });
            if result.is_ok() {
                deleted.push(attachment_id.clone());
            }
        }
        deleted
    }

    /// One watcher re-check: describe the attachment on both sides, publish
    /// a state change if either moved, and schedule the next look while the
    /// peering is between states. It never waits.
    async fn recheck(
        &self,
        inc: &Incoming,
        recheck: &Recheck,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let record = |decision: &'static str, reason: String| AuditRecord {
            event_id: inc.id.clone(),
            decision,
            kind: "recheck".into(),
            region: Some(recheck.region.clone()),
            subject: format!("peering {}", recheck.attachment_id),
            reason,
            result: None,
        };
        let elapsed = (self.clock)().saturating_sub(recheck.started_at).max(0);
        let attempt = recheck.attempt.saturating_add(1);
        let found = self
            .ec2
            .ec2(&recheck.region)?
            .peering_attachments()
            .await?
            .into_iter()
            .find(|p| p.id == recheck.attachment_id);
        let Some(peering) = found else {
            // Describe calls are eventually consistent: a new attachment may
            // not be listed yet.
            if elapsed < RECHECK_UNLISTED_GRACE_SECS && attempt < RECHECK_MAX_ATTEMPTS {
                report.record(record(
                    "recheck",
                    format!("not listed in {} yet", recheck.region),
                ));
                let next = Recheck {
                    attempt,
                    ..recheck.clone()
                };
                return self.schedule(inc, next, report).await;
            }
            report.record(record(
                "skip",
                "the attachment is no longer listed; the re-check chain ends".into(),
            ));
            return Ok(());
        };

        // Each side's own view: AWS moves them at different moments.
        let home_is_requester = peering.requester.region == recheck.region;
        let other_region = if home_is_requester {
            &peering.accepter.region
        } else {
            &peering.requester.region
        };
        let home_state = peering.states.get(&recheck.region).cloned();
        let both_read = self.config.regions.contains(other_region);
        let other_state = if both_read {
            self.ec2
                .ec2(other_region)?
                .peering_attachments()
                .await?
                .into_iter()
                .find(|p| p.id == peering.id)
                .and_then(|p| p.states.get(other_region).cloned())
        } else {
            None
        };
        let view: View = if home_is_requester {
            (home_state, other_state)
        } else {
            (other_state, home_state)
        };
        let last: View = (
            recheck
                .last_requester_state
                .as_deref()
                .map(PeeringState::parse),
            recheck
                .last_accepter_state
                .as_deref()
                .map(PeeringState::parse),
        );
        let shown = format!(
            "requester {}, accepter {}",
            view_text(&view.0),
            view_text(&view.1)
        );
        if view != last {
            report.record(record(
                "recheck",
                format!(
                    "state changed: {} -> {} ({shown})",
                    overall(&last),
                    overall(&view)
                ),
            ));
            let change = OutEvent {
                detail_type: STATE_CHANGE,
                detail: serde_json::to_value(StateChangeDetail {
                    attachment_id: peering.id.clone(),
                    requester_region: peering.requester.region.clone(),
                    requester_transit_gateway_id: peering.requester.transit_gateway_id.clone(),
                    accepter_region: peering.accepter.region.clone(),
                    accepter_transit_gateway_id: peering.accepter.transit_gateway_id.clone(),
                    previous_state: overall(&last),
                    state: overall(&view),
                    requester_state: Some(view_text(&view.0)),
                    accepter_state: Some(view_text(&view.1)),
                    event_id: Some(recheck.origin_event_id.clone()),
                })
                .unwrap_or(Value::Null),
            };
            match &self.bus {
                // The state change must not be lost: if it cannot be published,
                // the re-check fails and its message is delivered again.
                Some(bus) => {
                    bus.publish(std::slice::from_ref(&change)).await?;
                    report.published.push(change);
                }
                // No bus configured: react here instead.
                None => self.reconcile(inc, report).await?,
            }
        } else {
            report.record(record("recheck", format!("unchanged ({shown})")));
        }
        if settled(&view, both_read) {
            report.record(record(
                "recheck",
                format!(
                    "{} needs no further watching; the re-check chain ends",
                    overall(&view)
                ),
            ));
            return Ok(());
        }
        if elapsed >= RECHECK_GIVE_UP_SECS || attempt >= RECHECK_MAX_ATTEMPTS {
            report.record(record(
                "stuck",
                format!(
                    "still {shown} after {elapsed}s and {} re-checks; giving up (Peering Stuck)",
                    recheck.attempt
                ),
            ));
            let stuck = OutEvent {
                detail_type: PEERING_STUCK,
                detail: json!({
                    "event-id": recheck.origin_event_id,
                    "attachment-id": recheck.attachment_id,
                    "region": recheck.region,
                    "state": overall(&view),
                    "requester-state": view_text(&view.0),
                    "accepter-state": view_text(&view.1),
                    "seconds": elapsed,
                }),
            };
            self.publish(inc, vec![stuck], report).await;
            return Ok(());
        }
        let next = Recheck {
            last_requester_state: view.0.as_ref().map(ToString::to_string),
            last_accepter_state: view.1.as_ref().map(ToString::to_string),
            attempt,
            ..recheck.clone()
        };
        // If the next look cannot be scheduled, this one fails and comes
        // back: a re-check is safe to repeat.
        self.schedule(inc, next, report).await
    }

    async fn schedule(
        &self,
        inc: &Incoming,
        recheck: Recheck,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let delay = Recheck::delay_secs(recheck.attempt);
        let mut audit = AuditRecord {
            event_id: inc.id.clone(),
            decision: "recheck",
            kind: "schedule_recheck".into(),
            region: Some(recheck.region.clone()),
            subject: format!("peering {}", recheck.attachment_id),
            reason: String::new(),
            result: None,
        };
        let Some(queue) = &self.queue else {
            audit.decision = "skip";
            audit.reason =
                "RECHECK_QUEUE_URL is not set; the scheduled reconcile will notice the next state"
                    .into();
            report.record(audit);
            return Ok(());
        };
        match queue.send(&recheck, delay).await {
            Ok(()) => {
                audit.reason = format!(
                    "re-check number {} scheduled in {delay}s",
                    recheck.attempt + 1
                );
                report.record(audit);
                report.rechecks.push((recheck, delay));
                Ok(())
            }
            Err(e) => {
                audit.decision = "error";
                audit.reason = format!("could not schedule the re-check: {e}");
                report.record(audit);
                Err(e)
            }
        }
    }

    /// Publishes audit events. A failure is logged and never undoes or
    /// repeats the actions themselves.
    async fn publish(&self, inc: &Incoming, events: Vec<OutEvent>, report: &mut HandleReport) {
        if events.is_empty() {
            return;
        }
        let Some(bus) = &self.bus else {
            return;
        };
        match bus.publish(&events).await {
            Ok(()) => report.published.extend(events),
            Err(e) => report.record(AuditRecord {
                event_id: inc.id.clone(),
                decision: "error",
                kind: "publish".into(),
                region: None,
                subject: format!("{} audit event(s)", events.len()),
                reason: format!("publishing failed; the actions stand: {e}"),
                result: None,
            }),
        }
    }
}
