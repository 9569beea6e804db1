//! A full reconcile: read, plan, execute ([`crate::reconcile`], the same
//! as the CLI's `apply`); then audit every finding and action, announce
//! them on the bus, and start watching what moves.

use std::collections::{BTreeMap, BTreeSet};

use super::coverage::Coverage;
use super::guards::Claim;
use super::vpc_watch::Announced;
use super::{AuditRecord, Decision, HandleReport, Handler};
use crate::domain::{AttachmentId, Cidr, GatewayRef, PeeringPhase, PeeringState, Region};
use crate::error::Error;
use crate::events::outgoing::{
    PeeringAccepted, PeeringRequested, PeeringSides, ReconcileContinued, RouteConflict,
    RoutesChanged,
};
use crate::events::{CallFamily, Incoming, OutEvent, Recheck, Trigger};
use crate::execute::Executed;
use crate::metrics::{documents, Figures, RunFigures};
use crate::observed::Observed;
use crate::planner::beside_ledger_actions;
use crate::planner::{Action, Direction, FindingCode, FindingKind, Phase, Plan};
use crate::ports::Outcome;
use crate::reconcile::{reconcile, Pass};

/// What a reconcile has to announce and watch once its actions ran.
#[derive(Default)]
struct Aftermath {
    events: Vec<OutEvent>,
    rechecks: Vec<Recheck>,
    /// The first retryable failure, else the first permanent one.
    failure: Option<Error>,
    /// A peering was created: the duplicate guard runs.
    created: bool,
    /// Routes added and removed, per Region and table.
    routes: BTreeMap<(Region, String), (Vec<Cidr>, Vec<Cidr>)>,
    /// The managed table whose routes each ledger list's entries are
    /// (`ROUTE_MODE=prefix-list`), by Region and list ID or new list name.
    listed: BTreeMap<(Region, String), String>,
}

/// What a reconcile did, for its follow-up: what it read and planned, and
/// what the follow-up announces and schedules.
pub(super) struct Reconciled {
    observed: Observed,
    plan: Plan,
    after: Aftermath,
    /// When the read began (ms since the epoch): what coverage counts from.
    read_at_ms: i64,
    /// Whether the follow-up verifies the paths (the scheduled reconcile,
    /// or one that changed routes), and the route tables it wrote in.
    verify: Option<BTreeSet<(Region, String)>>,
}

impl Handler {
    /// A reconcile and its follow-up (see [`Handler::reconcile`] and
    /// [`Handler::follow_up`]).
    ///
    /// # Errors
    /// As [`Handler::reconcile`], then the follow-up's.
    ///
    /// Whatever its outcome, its metrics are kept in the report
    /// ([`HandleReport::metrics`]): what it cost, and, once it planned, the
    /// figures of its plan and of the path verification that followed
    /// (`coalesced`: the events it answered besides `inc`).
    pub(super) async fn reconcile_and_follow_up(
        &self,
        inc: &Incoming,
        (restart, coalesced): (Restart, usize),
        announced: &Announced,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let (started, before) = (std::time::Instant::now(), self.ec2.calls());
        let scheduled = matches!(inc.trigger, Trigger::Scheduled);
        let mut figures = Figures::default();
        let result = match self.reconcile(&inc.id, scheduled, report).await {
            Ok(done) => {
                figures.plan(&done.plan, &done.observed, &self.config, (self.clock)());
                self.follow_up(inc, done, restart, announced, &mut figures, report).await
            }
            Err(e) => Err(e),
        };
        let calls = self.ec2.calls().since(before);
        figures.run = RunFigures {
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            reads: calls.reads,
            writes: calls.writes,
            throttles: calls.throttles,
            events_coalesced: coalesced,
        };
        report.metrics.extend(documents(&figures, (self.clock)().saturating_mul(1000)));
        result
    }

    /// A reconcile: read, plan, execute, audit. It knows nothing of what
    /// triggered it but the event id its audit lines and events carry (a
    /// correlation id, as kube-rs keeps the trigger's reason from its
    /// reconciler): every trigger gets the same reconcile.
    ///
    /// # Errors
    /// A failed read or an unresolvable Region stops it before any write;
    /// a failed action is kept for the follow-up, which returns it after
    /// everything else ran (the first retryable one, else the first
    /// permanent one).
    pub(super) async fn reconcile(
        &self,
        event_id: &str,
        scheduled: bool,
        report: &mut HandleReport,
    ) -> Result<Reconciled, Error> {
        let read_at_ms = (self.clock)().saturating_mul(1000);
        let (deadline, mut after) = (report.deadline, Aftermath::default());
        // The findings are audited before the first write, as planned.
        let gate = |plan: &mut Plan| {
            self.release_settled(plan);
            after.listed = listed_tables(plan);
            audit_findings(event_id, plan, report, &mut after);
            true
        };
        let pass = reconcile(self.ec2.as_ref(), &self.config, deadline, gate).await?;
        let Pass { observed, plan, execution } = pass;
        let execution = execution.unwrap_or_default();
        let (writes, handed_on) = (execution.writes_done(), execution.handed_on());
        let peerings_changed = execution.executed.iter().any(|e| {
            e.planned.action.phase() == Phase::Peering
                && matches!(e.result, Ok(Outcome::Done | Outcome::Created(_)))
        });
        for executed in execution.executed {
            self.audit_action(event_id, executed, report, &mut after);
        }
        if handed_on > 0 {
            self.hand_on(event_id, writes, handed_on, &mut after);
        }
        // A table not read whole was not planned on: the event comes back.
        let partial = observed.regions.iter().find_map(|(r, s)| {
            s.route_table.as_ref()?.partial.as_ref().map(|why| (r.clone(), why.clone()))
        });
        if let Some((region, message)) = partial {
            let operation = "SearchTransitGatewayRoutes";
            after.failure.get_or_insert(Error::PartialRead { region, operation, message });
        }
        let changed: BTreeSet<(Region, String)> = after.routes.keys().cloned().collect();
        after.routes_changed(event_id);
        // A reconcile that changed a peering or an association, or handed
        // writes on, is verified by a later one: its read of the peerings is
        // stale, or its routes are half written.
        let verify = (scheduled || !changed.is_empty()) && !peerings_changed && handed_on == 0;
        Ok(Reconciled { observed, plan, after, read_at_ms, verify: verify.then_some(changed) })
    }

    /// What follows a reconcile, where the trigger counts: the duplicate
    /// guard after a peering was created, the peering watches the trigger
    /// restarts, the re-checks, the events, the watches of waiting VPCs
    /// and of Regions in transition (with what the events announced), and
    /// the coverage of a reconcile that did not fail.
    ///
    /// # Errors
    /// The reconcile's failed action, else a VPC that waits with no
    /// re-check queue.
    pub(super) async fn follow_up(
        &self,
        inc: &Incoming,
        done: Reconciled,
        restart: Restart,
        announced: &Announced,
        figures: &mut Figures,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let Reconciled { observed, plan, mut after, read_at_ms, verify } = done;
        if after.created {
            let deleted = self.delete_duplicates(inc, report).await;
            after.rechecks.retain(|r| !deleted.contains(&r.attachment_id));
        }
        if restart != Restart::No {
            self.restart_watch(inc, &plan, restart, &mut after.rechecks);
        }
        for r in std::mem::take(&mut after.rechecks) {
            // A re-check that cannot be sent is audited; the scheduled
            // reconcile starts watching again. The actions stand.
            let _ = self.schedule(inc, r, report).await;
        }
        if let Some(changed) = verify {
            let read = observed.clone();
            let v = self.verify_paths(&inc.id, read, &changed, report, &mut after.events).await;
            if let Some(v) = v {
                figures.paths(&v);
            }
        }
        self.publish(inc, after.events, report).await;
        if let Err(e) = self.watch_waiting_vpcs(inc, &observed, announced, report).await {
            after.failure.get_or_insert(e);
        }
        self.watch_transitions(inc, &observed, &announced.gateways, report).await;
        if after.failure.is_none() {
            let seen = Coverage::of(&observed, &self.config.tag_key, read_at_ms, &inc.id);
            self.guards.saw(seen);
        }
        after.failure.map_or(Ok(()), Err)
    }

    /// The audit line of one action, and what it starts: a peering
    /// requested or accepted is announced and watched, a route change is
    /// gathered for its table's `Routes Changed`.
    fn audit_action(
        &self,
        event_id: &str,
        e: Executed,
        report: &mut HandleReport,
        after: &mut Aftermath,
    ) {
        let action = &e.planned.action;
        report.record(AuditRecord::of_action(event_id, &e));
        if let (Some(change), Ok(Outcome::Done)) = (action.route_change(), &e.result) {
            let entry = after.routes.entry((change.region, change.table.to_string())).or_default();
            match change.direction {
                Direction::Added => entry.0.push(change.cidr),
                Direction::Removed => entry.1.push(change.cidr),
            }
        }
        if matches!(e.result, Ok(Outcome::Done | Outcome::Created(_))) {
            after.listed_changes(action);
        }
        let reason = e.planned.reason.clone();
        match (action, e.result) {
            (Action::CreatePeering { requester, accepter }, Ok(Outcome::Created(id))) => {
                if let Ok(id) = AttachmentId::parse(&id) {
                    after.created = true;
                    self.requested(event_id, &id, requester, accepter, reason, after);
                }
            }
            (Action::AcceptPeering { region, attachment_id }, Ok(Outcome::Done)) => {
                self.accepted(event_id, attachment_id, region, reason, after)
            }
            (_, Ok(Outcome::Conflict(why))) => {
                after.events.push(OutEvent::RouteConflict(RouteConflict {
                    event_id: event_id.to_owned(),
                    code: FindingCode::WriteRefused,
                    region: Some(action.region().clone()),
                    subject: action.to_string(),
                    reason: why,
                }));
            }
            // Handed on by the deadline: the continuation carries on.
            (_, Err(Error::HandedOn { .. })) => {}
            // A retryable failure wins: the event comes back and every
            // step is safe to repeat. A permanent one is reported (the
            // CLI exits 2) and not retried.
            (_, Err(err))
                if after
                    .failure
                    .as_ref()
                    .is_none_or(|f| !f.is_retryable() && err.is_retryable()) =>
            {
                after.failure =
                    Some(Error::Action { action: action.to_string(), source: Box::new(err) });
            }
            _ => {}
        }
    }

    /// A peering requested: announced, and watched from `initiatingRequest`.
    fn requested(
        &self,
        event_id: &str,
        id: &AttachmentId,
        requester: &GatewayRef,
        accepter: &GatewayRef,
        reason: String,
        after: &mut Aftermath,
    ) {
        after.events.push(OutEvent::PeeringRequested(PeeringRequested {
            event_id: event_id.to_owned(),
            attachment_id: id.clone(),
            sides: PeeringSides::of(requester, accepter),
            reason,
        }));
        let seen = (Some(PeeringState::InitiatingRequest), None);
        self.guards.claim_peering_watch(id, Claim::NewTransition, (self.clock)());
        let now = (self.clock)();
        after.rechecks.push(Recheck::first(id, &requester.region, seen, now, event_id));
    }

    /// A peering accepted: announced, and watched from `pending` (an
    /// accepted peering is `pending` on both sides).
    fn accepted(
        &self,
        event_id: &str,
        id: &AttachmentId,
        region: &Region,
        reason: String,
        after: &mut Aftermath,
    ) {
        after.events.push(OutEvent::PeeringAccepted(PeeringAccepted {
            event_id: event_id.to_owned(),
            attachment_id: id.clone(),
            region: region.clone(),
            reason,
        }));
        let seen = (Some(PeeringState::Pending), Some(PeeringState::Pending));
        self.guards.claim_peering_watch(id, Claim::NewTransition, (self.clock)());
        let now = (self.clock)();
        after.rechecks.push(Recheck::first(id, region, seen, now, event_id));
    }

    /// A reconcile that reached its deadline with writes left hands them
    /// on: a `Reconcile Continued` event brings the next reconcile, which
    /// reads again and continues (the plan is level-triggered). Only after
    /// progress: a run that made no write (its reads alone took the time)
    /// fails retryably instead, and its message comes back later, so that
    /// a continuation chain always moves on. Without a bus, a retryable
    /// failure too.
    fn hand_on(&self, event_id: &str, writes: usize, handed_on: usize, after: &mut Aftermath) {
        let reason = format!(
            "the invocation's deadline came with {handed_on} write(s) left ({writes} made)"
        );
        if writes == 0 || self.bus.is_none() {
            after.failure.get_or_insert(Error::HandedOn { reason });
            return;
        }
        after.events.push(OutEvent::ReconcileContinued(ReconcileContinued {
            writes,
            handed_on,
            at_ms: (self.clock)().saturating_mul(1000),
            event_id: event_id.to_owned(),
        }));
    }

    /// Watches of peerings the read shows settled are over.
    fn release_settled(&self, plan: &Plan) {
        let between: Vec<AttachmentId> = plan
            .peerings
            .iter()
            .filter(|p| p.state.as_ref().is_some_and(watched))
            .filter_map(|p| p.attachment_id.clone())
            .collect();
        self.guards.release_peering_watches(&between);
    }

    /// Starts watching every peering between states, in case no re-check
    /// chain watches it (see [`restarts_watch`]).
    fn restart_watch(
        &self,
        inc: &Incoming,
        plan: &Plan,
        restart: Restart,
        rechecks: &mut Vec<Recheck>,
    ) {
        let claim = match restart {
            Restart::Always => Claim::NewTransition,
            Restart::IfUnwatched | Restart::No => Claim::IfUnwatched,
        };
        for p in &plan.peerings {
            let (Some(id), Some(state)) = (&p.attachment_id, &p.state) else {
                continue;
            };
            if watched(state)
                && !rechecks.iter().any(|r| &r.attachment_id == id)
                && self.guards.claim_peering_watch(id, claim, (self.clock)())
            {
                // Nothing seen yet: the first look announces the state.
                let now = (self.clock)();
                rechecks.push(Recheck::first(id, &p.requester.region, (None, None), now, &inc.id));
            }
        }
    }
}

/// Whether a reconcile starts watching the peerings between states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Restart {
    No,
    /// The safety net: those no chain of this process watches (a lost
    /// chain is found again at the next sweep).
    IfUnwatched,
    /// A peering call seen in CloudTrail, made by someone else or by an
    /// interrupted run: a new transition, so a new chain for each (the
    /// watcher keeps one per attachment).
    Always,
}

/// What a trigger asks of the watch.
pub(super) fn restarts_watch(trigger: &Trigger) -> Restart {
    match trigger {
        Trigger::Scheduled => Restart::IfUnwatched,
        Trigger::Peering { change, .. }
            if change.call().is_some_and(|c| c.family() == CallFamily::Peering) =>
        {
            Restart::Always
        }
        Trigger::Vpc { .. }
        | Trigger::Peering { .. }
        | Trigger::Network { .. }
        | Trigger::GatewayReady { .. }
        | Trigger::Continued { .. }
        | Trigger::Recheck(_)
        | Trigger::VpcRecheck(_)
        | Trigger::GatewayRecheck(_)
        | Trigger::Ignore { .. }
        | Trigger::Invalid { .. } => Restart::No,
    }
}

/// A state the watcher keeps an eye on: on its way somewhere, or waiting for
/// the tool's accept.
pub(super) fn watched(state: &PeeringState) -> bool {
    state.phase() == PeeringPhase::Live && *state != PeeringState::Available
}

/// For each ledger list whose entries are routes of a managed table, that
/// table (see `TableReport::lists`).
fn listed_tables(plan: &Plan) -> BTreeMap<(Region, String), String> {
    plan.tables
        .iter()
        .flat_map(|t| {
            t.lists.iter().map(|l| ((t.region.clone(), l.clone()), t.route_table_id.to_string()))
        })
        .collect()
}

/// Every finding is an audit line; a conflict is also announced.
fn audit_findings(event_id: &str, plan: &Plan, report: &mut HandleReport, after: &mut Aftermath) {
    for f in &plan.findings {
        let decision = Decision::from(f.kind());
        let record = AuditRecord::new(event_id, decision, decision.as_str(), &f.subject, &f.reason);
        report.record(record.in_region(f.region.as_ref()).with_code(f.code));
        let detail = || RouteConflict {
            event_id: event_id.to_owned(),
            code: f.code,
            region: f.region.clone(),
            subject: f.subject.clone(),
            reason: f.reason.clone(),
        };
        match f.kind() {
            FindingKind::Conflict => after.events.push(OutEvent::RouteConflict(detail())),
            FindingKind::Held => after.events.push(OutEvent::WithdrawalHeld(detail())),
            FindingKind::Waiting
            | FindingKind::Skip
            | FindingKind::Warning
            | FindingKind::Isolated => {}
        }
    }
}

impl Aftermath {
    /// Entries added to or removed from a list whose entries are routes of
    /// a managed table: routes of that table added or removed.
    fn listed_changes(&mut self, action: &Action) {
        let (region, list, added, removed): (&Region, String, Vec<Cidr>, Vec<Cidr>) = match action {
            Action::CreateLedger { region, name, entries, .. } => {
                (region, name.clone(), entries.iter().map(|e| e.cidr).collect(), Vec::new())
            }
            Action::UpdateLedger { region, prefix_list_id, add, remove, .. } => (
                region,
                prefix_list_id.to_string(),
                add.iter().map(|e| e.cidr).collect(),
                remove.clone(),
            ),
            Action::ReleaseLedger { region, prefix_list_id, remove, .. } => {
                (region, prefix_list_id.to_string(), Vec::new(), remove.clone())
            }
            beside_ledger_actions!()
            | Action::TagLedger { .. }
            | Action::UntagLedger { .. }
            | Action::RecordPeering { .. }
            | Action::ResizeLedger { .. } => return,
        };
        let Some(table) = self.listed.get(&(region.clone(), list)) else {
            return;
        };
        let entry = self.routes.entry((region.clone(), table.clone())).or_default();
        entry.0.extend(added);
        entry.1.extend(removed);
    }

    /// One `Routes Changed` per route table that changed (a CIDR written
    /// both as an entry and as a static route is named once).
    fn routes_changed(&mut self, event_id: &str) {
        for ((region, table), (mut added, mut removed)) in std::mem::take(&mut self.routes) {
            for list in [&mut added, &mut removed] {
                list.sort();
                list.dedup();
            }
            self.events.push(OutEvent::RoutesChanged(RoutesChanged {
                event_id: event_id.to_owned(),
                region,
                route_table_id: table,
                added,
                removed,
            }));
        }
    }
}
