//! The dispatch shared by both Lambda functions and `tgw-peering handle`.
//!
//! Every event ends in a level-triggered reconcile: the event only says where
//! to look. A watcher re-check describes one attachment and, when its state
//! changed, publishes a state-change event; it never waits. Every decision is
//! one structured audit line carrying the triggering event's id, and the
//! actions are also published on the event bus.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use crate::config::Config;
use crate::domain::{AccountId, PeeringState, Region};
use crate::error::Error;
use crate::events::{
    self, Incoming, Recheck, StateChangeDetail, Trigger, PEERING_ACCEPTED, PEERING_REQUESTED,
    PEERING_STUCK, RECHECK_GIVE_UP_SECS, ROUTES_CHANGED, ROUTE_CONFLICT, STATE_CHANGE,
};
use crate::planner::{plan, Action, FindingKind};
use crate::ports::{Ec2Clients, Outcome};
use crate::reconcile::{execute, observe};

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

/// Who the tool runs as: events from other accounts are dropped.
#[async_trait]
pub trait Identity: Send + Sync {
    async fn account(&self) -> Result<AccountId, Error>;
}

/// One audit record: an action taken, a skip, a conflict, a wait, an error
/// or a dropped event. Written as one JSON log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub event_id: String,
    /// `action`, `skip`, `conflict`, `waiting`, `error`, `dropped`, `recheck`.
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

/// The system clock in seconds since the Unix epoch.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn transitional(state: &PeeringState) -> bool {
    !matches!(
        state,
        PeeringState::PendingAcceptance
            | PeeringState::Available
            | PeeringState::Deleted
            | PeeringState::Failed
            | PeeringState::Rejected
    )
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
    pub async fn lambda(&self, payload: &Value) -> Result<Value, Error> {
        match self.handle(payload).await {
            Ok(report) => Ok(json!({
                "actions": report.decisions("action").count(),
                "conflicts": report.decisions("conflict").count(),
                "dropped": report.decisions("dropped").count(),
                "published": report.published.len(),
                "rechecks": report.rechecks.len(),
            })),
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => {
                tracing::error!(error = %e, "permanent failure; the event is not retried");
                Ok(json!({ "error": e.to_string(), "retryable": false }))
            }
        }
    }

    async fn out_of_scope(&self, inc: &Incoming) -> Result<Option<String>, Error> {
        if let Some(region) = &inc.region {
            if !self.config.regions.contains(region) {
                return Ok(Some(format!("{region} is not a managed Region")));
            }
        }
        if let Some(account) = &inc.account {
            let own = self
                .account
                .get_or_try_init(|| self.identity.account())
                .await?;
            if account != own {
                return Ok(Some(format!(
                    "account {account} is not the configured account {own}"
                )));
            }
        }
        Ok(None)
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
            let now = (self.clock)();
            match (action, &e.result) {
                (
                    Action::CreatePeering {
                        requester,
                        accepter,
                    },
                    Ok(Outcome::Created(id)),
                ) => {
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
                    rechecks.push(Recheck {
                        attachment_id: id.clone(),
                        region: requester.region.clone(),
                        last_state: PeeringState::InitiatingRequest.to_string(),
                        started_at: now,
                        attempt: 0,
                        origin_event_id: inc.id.clone(),
                    });
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
                    rechecks.push(Recheck {
                        attachment_id: attachment_id.clone(),
                        region: region.clone(),
                        last_state: PeeringState::PendingAcceptance.to_string(),
                        started_at: now,
                        attempt: 0,
                        origin_event_id: inc.id.clone(),
                    });
                }
                (
                    Action::CreateRoute {
                        region,
                        route_table_id,
                        cidr,
                        ..
                    },
                    Ok(Outcome::Done),
                ) => routes
                    .entry((region.clone(), route_table_id.to_string()))
                    .or_default()
                    .0
                    .push(cidr.to_string()),
                (
                    Action::DeleteRoute {
                        region,
                        route_table_id,
                        cidr,
                        ..
                    },
                    Ok(Outcome::Done),
                ) => routes
                    .entry((region.clone(), route_table_id.to_string()))
                    .or_default()
                    .1
                    .push(cidr.to_string()),
                (_, Err(err)) if err.is_retryable() && failure.is_none() => {
                    failure = Some(Error::Aws {
                        region: action.region().clone(),
                        operation: "reconcile",
                        code: err.aws_code().map(str::to_owned),
                        message: format!("{action}: {err}"),
                        retryable: true,
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

        // The safety net restarts the watcher for any peering between states,
        // in case a re-check chain was lost.
        if inc.trigger == Trigger::Scheduled {
            for p in &plan.peerings {
                let (Some(id), Some(state)) = (&p.attachment_id, &p.state) else {
                    continue;
                };
                if transitional(&PeeringState::parse(state)) {
                    rechecks.push(Recheck {
                        attachment_id: id.clone(),
                        region: p.accepter.region.clone(),
                        last_state: state.clone(),
                        started_at: (self.clock)(),
                        attempt: 0,
                        origin_event_id: inc.id.clone(),
                    });
                }
            }
        }
        for r in rechecks {
            self.schedule(inc, r, report).await;
        }
        self.publish(inc, out_events, report).await;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// One watcher re-check: describe the attachment, publish a state change
    /// if it moved, and schedule the next look while it is between states.
    async fn recheck(
        &self,
        inc: &Incoming,
        recheck: &Recheck,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let ec2 = self.ec2.ec2(&recheck.region)?;
        let found = ec2
            .peering_attachments()
            .await?
            .into_iter()
            .find(|p| p.id == recheck.attachment_id);
        let record = |decision: &'static str, reason: String| AuditRecord {
            event_id: inc.id.clone(),
            decision,
            kind: "recheck".into(),
            region: Some(recheck.region.clone()),
            subject: format!("peering {}", recheck.attachment_id),
            reason,
            result: None,
        };
        let Some(peering) = found else {
            report.record(record(
                "skip",
                "the attachment is no longer listed; the re-check chain ends".into(),
            ));
            return Ok(());
        };
        let state = peering.state_in(&recheck.region);
        if state.as_str() != recheck.last_state {
            report.record(record(
                "recheck",
                format!("state changed: {} -> {state}", recheck.last_state),
            ));
            let change = OutEvent {
                detail_type: STATE_CHANGE,
                detail: serde_json::to_value(StateChangeDetail {
                    attachment_id: peering.id.clone(),
                    requester_region: peering.requester.region.clone(),
                    requester_transit_gateway_id: peering.requester.transit_gateway_id.clone(),
                    accepter_region: peering.accepter.region.clone(),
                    accepter_transit_gateway_id: peering.accepter.transit_gateway_id.clone(),
                    previous_state: recheck.last_state.clone(),
                    state: state.to_string(),
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
            report.record(record("recheck", format!("still {state}")));
        }
        if !transitional(&state) {
            report.record(record(
                "recheck",
                format!("{state} needs no further watching; the re-check chain ends"),
            ));
            return Ok(());
        }
        let elapsed = (self.clock)() - recheck.started_at;
        if elapsed >= RECHECK_GIVE_UP_SECS {
            report.record(record(
                "conflict",
                format!("still {state} after {elapsed}s; giving up (Peering Stuck)"),
            ));
            let stuck = OutEvent {
                detail_type: PEERING_STUCK,
                detail: json!({
                    "event-id": recheck.origin_event_id,
                    "attachment-id": recheck.attachment_id,
                    "region": recheck.region,
                    "state": state.to_string(),
                    "seconds": elapsed,
                }),
            };
            self.publish(inc, vec![stuck], report).await;
            return Ok(());
        }
        let next = Recheck {
            last_state: state.to_string(),
            attempt: recheck.attempt + 1,
            ..recheck.clone()
        };
        self.schedule(inc, next, report).await;
        Ok(())
    }

    async fn schedule(&self, inc: &Incoming, recheck: Recheck, report: &mut HandleReport) {
        let delay = Recheck::delay_secs(recheck.attempt);
        let subject = format!("peering {}", recheck.attachment_id);
        let (decision, reason) = match &self.queue {
            None => (
                "skip",
                "RECHECK_QUEUE_URL is not set; the scheduled reconcile will notice the next state"
                    .to_owned(),
            ),
            Some(queue) => match queue.send(&recheck, delay).await {
                Ok(()) => (
                    "recheck",
                    format!("re-check of {} scheduled in {delay}s", recheck.last_state),
                ),
                Err(e) => (
                    "error",
                    format!("could not schedule the re-check ({e}); the scheduled reconcile will notice the next state"),
                ),
            },
        };
        report.record(AuditRecord {
            event_id: inc.id.clone(),
            decision,
            kind: "schedule_recheck".into(),
            region: Some(recheck.region.clone()),
            subject,
            reason,
            result: None,
        });
        if decision == "recheck" {
            report.rechecks.push((recheck, delay));
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
