//! Admission: which events of a payload are handled, and how. One step
//! over the parsed events: the scope (a managed Region, a workload account
//! served), the tool's own calls, ignored and invalid events, the events the
//! last reconcile already covered, pacing (a FIFO batch too soon after a
//! reconcile comes back for the next one) and coalescing (every event that
//! asks for a reconcile shares one, led by the first; the watcher function,
//! which reconciles nothing, refuses them instead). It returns what to do:
//! the looks of watch chains, and at most one reconcile; it writes nothing
//! but audit lines and, to defer a batch, message visibility. The looks
//! run after admission, in the order of their events, then the reconcile:
//! an event's admission lines come before any look's (the queues never mix
//! re-checks with other events).

use super::dispatch::Failures;
use super::publish::not_reconciled;
use super::reconcile::{restarts_watch, Restart};
use super::redeliver::RECONCILE_INTERVAL_SECS;
use super::scope::{Scope, ScopeReads};
use super::vpc_watch::Announced;
use super::{AuditRecord, Decision, HandleReport, Watcher};
use crate::domain::RoleArn;
use crate::error::Error;
use crate::events::{Incoming, Trigger};

/// What admission lets through for one payload.
pub(super) struct Admission<'a> {
    /// Positions of the re-checks to look at (the watcher's work).
    pub looks: Vec<usize>,
    /// The one reconcile of the payload, if any event asks for one.
    pub reconcile: Option<Admitted<'a>>,
    /// The events that failed admission, and those deferred.
    pub failures: Failures,
    /// True when the batch was deferred to the next reconcile (its messages
    /// already made to come back).
    pub deferred: bool,
}

/// One reconcile for several events, led by the first of them.
pub(super) struct Admitted<'a> {
    /// The event whose id the reconcile's audit lines carry.
    pub lead: &'a Incoming,
    /// Positions of every event it handles (the lead's first).
    pub positions: Vec<usize>,
    /// What the events ask of the peering watches.
    pub restart: Restart,
    /// What the events announced (tags, VPCs and Regions ready).
    pub announced: Announced,
}

impl Watcher {
    /// Admits the events of one payload (see the module's docs).
    pub(super) async fn admit<'a>(
        &self,
        incoming: &'a [Incoming],
        reconciles: bool,
        report: &mut HandleReport,
    ) -> Admission<'a> {
        let mut admission = Admission {
            looks: Vec::new(),
            reconcile: None,
            failures: Failures::default(),
            deferred: false,
        };
        let mut wanted: Vec<usize> = Vec::new();
        // The managed gateways' attachments, read once per payload for the
        // workload accounts' events.
        let mut gateways = ScopeReads::default();
        for (i, inc) in incoming.iter().enumerate() {
            match self.handle_one(inc, &mut gateways, report).await {
                Ok(Next::Done) => {}
                Ok(Next::Look) => admission.looks.push(i),
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
                    admission.failures.retry = (0..incoming.len()).collect();
                    admission.failures.first = Some(e);
                    admission.looks.clear();
                    return admission;
                }
                Err(Stop::Failed(e)) => {
                    self.audit_failure(inc, &e, report);
                    admission.failures.add(&[i], e);
                }
            }
        }
        if wanted.is_empty() {
            return admission;
        }
        if !reconciles {
            // The watcher function: each such event is refused for good.
            for i in wanted {
                let e = not_reconciled(&incoming[i]);
                self.audit_failure(&incoming[i], &e, report);
                admission.failures.add(&[i], e);
            }
            return admission;
        }
        let wait = self.guards.pace((self.clock)(), RECONCILE_INTERVAL_SECS);
        if wait > 0 && self.defer(incoming, &wanted, wait, report).await {
            admission.failures.retry.extend_from_slice(&wanted);
            admission.deferred = true;
            return admission;
        }
        admission.reconcile = Some(Self::coalesce(incoming, wanted, report));
        admission
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
    fn coalesce<'a>(
        incoming: &'a [Incoming],
        wanted: Vec<usize>,
        report: &mut HandleReport,
    ) -> Admitted<'a> {
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
        Admitted { lead, positions: wanted, restart, announced }
    }

    /// One parsed event: dropped when out of scope or the tool's own call,
    /// else what its trigger asks (a look of a watch, or a reconcile).
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
            Trigger::Recheck(_) | Trigger::VpcRecheck(_) | Trigger::GatewayRecheck(_) => {
                Ok(Next::Look)
            }
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
}

/// What an event asks for once it passed the checks.
enum Next {
    /// Handled (dropped, skipped or ignored).
    Done,
    /// A look of a watch chain (a re-check).
    Look,
    /// A reconcile, shared with the other events of the payload.
    Reconcile,
}

/// Why one event stopped.
enum Stop {
    /// The hub's own account could not be learned: nothing can be scoped,
    /// so the whole payload stops here.
    Identity(Error),
    /// The event failed; the others of the payload go on.
    Failed(Error),
}
