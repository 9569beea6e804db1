//! Applying a plan, phase by phase ([`Phase`]): peerings and associations
//! one at a time; then the ledger's new entries; then route writes with a
//! bounded number in flight; then the release of the entries of withdrawn
//! routes.
//!
//! A reference to a ledger list created by the same plan gets the new
//! list's ID once the ledger phase has run (not attempted when the list
//! could not be created).
//!
//! Crash safety: a route is created (or moved) only after its ledger entry
//! is in, an entry is released only after every withdrawal of its CIDR in
//! the Region succeeded, and a list's peering record moves to the new
//! peering only after every move of the Region's routes succeeded (the old
//! record is what proves a blackhole left by a deletion). A write that depends on a failed one is not
//! attempted ([`Error::Deferred`], retryable): the next reconcile completes
//! it, since every step is safe to repeat.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use futures::stream::{self, StreamExt};

use crate::domain::{Cidr, PrefixListId, Region};
use crate::error::Error;
use crate::planner::{Action, ListRef, Phase, Plan, Planned};
use crate::ports::{Ec2Clients, Outcome};

/// Independent route writes in flight at once, per apply.
pub const MAX_ROUTE_WRITES_IN_FLIGHT: usize = 8;

/// How long one write may take when the invocation has a deadline: longer,
/// it is given up (it may have taken effect; the next reconcile reads
/// again and decides). The SDK's own bound on a call is 60 s, too long for
/// a margin.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// What the invocation keeps after its last write for the rest of its
/// work: the audit lines, the events, the re-checks, the answer.
pub const DEADLINE_SLACK: Duration = Duration::from_secs(5);
/// A deadline further away than this is no real one (a Lambda invocation
/// lasts 15 minutes at most, "Lambda quotas"; a local runner may send a
/// far one).
const FAR: Duration = Duration::from_secs(24 * 3600);

/// When the invocation must have answered: writes start only while more
/// than [`WRITE_TIMEOUT`] + [`DEADLINE_SLACK`] remains. Measured on
/// tokio's clock (monotonic; paused in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(Instant);

impl Deadline {
    /// The deadline `deadline_ms` (milliseconds since the Unix epoch, the
    /// Lambda Runtime API's `Lambda-Runtime-Deadline-Ms`) seen at `now`,
    /// when it is a real one; `None` (no deadline) when it has already
    /// passed or is more than a day away.
    pub fn from_epoch_ms(deadline_ms: u64, now: SystemTime) -> Option<Self> {
        let now_ms = now.duration_since(UNIX_EPOCH).ok()?.as_millis();
        let left = u128::from(deadline_ms).checked_sub(now_ms).filter(|l| *l > 0)?;
        let left = Duration::from_millis(u64::try_from(left).ok()?);
        (left <= FAR).then(|| Deadline(Instant::now() + left))
    }

    /// A deadline `left` from now.
    pub fn after(left: Duration) -> Self {
        Deadline(Instant::now() + left)
    }

    /// True when no write may start any more.
    pub fn is_near(&self) -> bool {
        Instant::now() + WRITE_TIMEOUT + DEADLINE_SLACK >= self.0
    }
}

/// What happened to one planned action.
#[derive(Debug)]
pub struct Executed {
    pub planned: Planned,
    pub result: Result<Outcome, Error>,
}

/// How an action ended, in one word: `done`, `already_done`, `conflict` or
/// `error`. The one place that names the result of a write, for audit
/// lines, the CLI's report and its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultLabel {
    /// The call made the change.
    Done,
    /// The change was already in place: a repeat, not an error.
    AlreadyDone,
    /// Nothing was written: something else holds the place.
    Conflict,
    /// The call failed, or was not attempted.
    Error,
}

impl ResultLabel {
    /// The label of a write's result.
    pub fn of(result: &Result<Outcome, Error>) -> Self {
        match result {
            Ok(Outcome::Done) | Ok(Outcome::Created(_)) => ResultLabel::Done,
            Ok(Outcome::AlreadyDone(_)) => ResultLabel::AlreadyDone,
            Ok(Outcome::Conflict(_)) => ResultLabel::Conflict,
            Err(_) => ResultLabel::Error,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ResultLabel::Done => "done",
            ResultLabel::AlreadyDone => "already_done",
            ResultLabel::Conflict => "conflict",
            ResultLabel::Error => "error",
        }
    }
}

impl std::fmt::Display for ResultLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Executed {
    /// The result in one word.
    pub fn label(&self) -> ResultLabel {
        ResultLabel::of(&self.result)
    }

    /// What a repeat, a conflict or a failure said, if anything.
    pub fn detail(&self) -> Option<String> {
        match &self.result {
            Ok(Outcome::AlreadyDone(why)) | Ok(Outcome::Conflict(why)) => Some(why.clone()),
            Err(e) => Some(e.to_string()),
            Ok(_) => None,
        }
    }

    /// The label and its detail, as an audit line shows them
    /// (`done`, `already_done: …`, `error: …`).
    pub fn summary(&self) -> String {
        match self.detail() {
            Some(detail) => format!("{}: {detail}", self.label()),
            None => self.label().to_string(),
        }
    }
}

/// Everything an execution did, in the order the actions ran.
#[derive(Debug, Default)]
pub struct Execution {
    pub executed: Vec<Executed>,
}

impl Execution {
    pub fn failures(&self) -> impl Iterator<Item = (&Planned, &Error)> {
        self.executed.iter().filter_map(|e| e.result.as_ref().err().map(|err| (&e.planned, err)))
    }

    pub fn writes_done(&self) -> usize {
        self.executed.iter().filter(|e| e.label() == ResultLabel::Done).count()
    }

    /// The writes not made (or not answered) because the deadline came:
    /// the next reconcile continues.
    pub fn handed_on(&self) -> usize {
        self.executed.iter().filter(|e| matches!(e.result, Err(Error::HandedOn { .. }))).count()
    }

    /// The ledger lists this execution created, by Region and name.
    fn created_lists(&self) -> BTreeMap<(Region, String), PrefixListId> {
        self.executed
            .iter()
            .filter_map(|e| match (&e.planned.action, &e.result) {
                (Action::CreateLedger { region, name, .. }, Ok(Outcome::Created(id))) => {
                    let id = PrefixListId::parse(id).ok()?;
                    Some(((region.clone(), name.clone()), id))
                }
                _ => None,
            })
            .collect()
    }

    /// The Regions where a move of a route or reference (onto the pair's
    /// peering) failed or was not attempted: their peering records wait.
    fn failed_moves(&self) -> BTreeSet<Region> {
        self.executed
            .iter()
            .filter(|e| e.result.is_err())
            .filter(|e| {
                matches!(
                    e.planned.action,
                    Action::ReplaceRoute { .. } | Action::ModifyReference { .. }
                )
            })
            .map(|e| e.planned.action.region().clone())
            .collect()
    }

    /// The (Region, CIDR) pairs of the ledger entries this execution failed
    /// to add, and of the withdrawals that failed.
    fn failed(&self, of: impl Fn(&Action) -> Vec<Cidr>) -> BTreeSet<(Region, Cidr)> {
        self.executed
            .iter()
            .filter(|e| e.result.is_err())
            .flat_map(|e| {
                let region = e.planned.action.region().clone();
                of(&e.planned.action).into_iter().map(move |c| (region.clone(), c))
            })
            .collect()
    }
}

/// Applies a plan, phase by phase. A failed action does not stop the
/// others, except those that depend on it (see the module's notes): every
/// action is safe to repeat, so the next reconcile completes whatever is
/// left.
pub async fn execute(clients: &dyn Ec2Clients, plan: &Plan) -> Execution {
    execute_with(clients, plan, MAX_ROUTE_WRITES_IN_FLIGHT).await
}

/// [`execute`] with an explicit bound on concurrent route writes.
pub async fn execute_with(clients: &dyn Ec2Clients, plan: &Plan, in_flight: usize) -> Execution {
    execute_before(clients, plan, in_flight, None).await
}

/// [`execute_with`] within an invocation's deadline: once it is near, no
/// write starts (each is an [`Error::HandedOn`], and so is a write that
/// does not answer within [`WRITE_TIMEOUT`]); the plan is level-triggered,
/// so the next reconcile continues where this one stopped.
pub async fn execute_before(
    clients: &dyn Ec2Clients,
    plan: &Plan,
    in_flight: usize,
    deadline: Option<Deadline>,
) -> Execution {
    let phase = |p: Phase| plan.actions.iter().filter(move |a| a.action.phase() == p);
    let mut out = Execution::default();
    for planned in phase(Phase::Peering).chain(phase(Phase::Ledger)) {
        let result = attempt(clients, &planned.action, deadline).await;
        out.executed.push(Executed { planned: planned.clone(), result });
    }
    let unrecorded = out.failed(|a| a.added_entries().iter().map(|e| e.cidr).collect());
    let created = out.created_lists();
    let (routes, deferred): (Vec<Planned>, Vec<Planned>) =
        phase(Phase::Routes).cloned().map(|p| with_list_ids(p, &created)).partition(|p| {
            let region = p.action.region();
            !p.action.needs_entry().is_some_and(|c| unrecorded.contains(&(region.clone(), c)))
                && !matches!(
                    p.action,
                    Action::CreateReference { prefix_list: ListRef::New(_), .. }
                        | Action::CreateVpcListRoute { prefix_list: ListRef::New(_), .. }
                )
        });
    let deadline_came = out.handed_on() > 0;
    out.executed.extend(deferred.into_iter().map(|planned| Executed {
        planned,
        result: Err(if deadline_came {
            Error::HandedOn {
                reason: "the invocation's deadline came before its ledger entry was written"
                    .to_owned(),
            }
        } else {
            Error::Deferred {
                reason: "its ledger entry (or its new ledger list) could not be written first"
                    .to_owned(),
            }
        }),
    }));
    // Owned items and an `async move` block keep the future `Send` for any
    // lifetime, so callers may run a reconcile on a spawned task.
    let results: Vec<Executed> = stream::iter(routes)
        .map(|planned| async move {
            let result = attempt(clients, &planned.action, deadline).await;
            Executed { planned, result }
        })
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    out.executed.extend(results);
    let kept = out.failed(|a| a.withdrawn().into_iter().collect());
    let unmoved = out.failed_moves();
    for planned in phase(Phase::Release) {
        let Some(planned) = release_only(planned, &kept) else {
            continue;
        };
        let record_unproven = matches!(
            &planned.action,
            Action::RecordPeering { region, .. } if unmoved.contains(region)
        );
        let result = if record_unproven {
            Err(Error::Deferred {
                reason: "a move of the Region's routes failed: the record that proves it stays"
                    .to_owned(),
            })
        } else {
            attempt(clients, &planned.action, deadline).await
        };
        out.executed.push(Executed { planned, result });
    }
    out
}

/// Runs one action unless the deadline is near, and within
/// [`WRITE_TIMEOUT`] when there is a deadline.
async fn attempt(
    clients: &dyn Ec2Clients,
    action: &Action,
    deadline: Option<Deadline>,
) -> Result<Outcome, Error> {
    let Some(deadline) = deadline else {
        return run(clients, action).await;
    };
    if deadline.is_near() {
        let reason = "the invocation's deadline is near: the next reconcile continues".to_owned();
        return Err(Error::HandedOn { reason });
    }
    tokio::time::timeout(WRITE_TIMEOUT, run(clients, action)).await.unwrap_or_else(|_| {
        let reason = format!(
            "no answer within {} s while the deadline nears: the next reconcile reads again",
            WRITE_TIMEOUT.as_secs()
        );
        Err(Error::HandedOn { reason })
    })
}

/// A reference to a list created earlier in this execution, with the new
/// list's ID (left as it is when the list was not created).
fn with_list_ids(
    mut planned: Planned,
    created: &BTreeMap<(Region, String), PrefixListId>,
) -> Planned {
    if let Action::CreateReference { region, prefix_list: list @ ListRef::New(_), .. }
    | Action::CreateVpcListRoute { region, prefix_list: list @ ListRef::New(_), .. } =
        &mut planned.action
    {
        let ListRef::New(name) = &*list else { return planned };
        if let Some(id) = created.get(&(region.clone(), name.clone())) {
            *list = ListRef::Id(id.clone());
        }
    }
    planned
}

/// A release without the CIDRs whose withdrawal failed; `None` when none
/// is left to release.
fn release_only(planned: &Planned, kept: &BTreeSet<(Region, Cidr)>) -> Option<Planned> {
    let mut planned = planned.clone();
    if let Action::ReleaseLedger { region, remove, .. } = &mut planned.action {
        remove.retain(|c| !kept.contains(&(region.clone(), *c)));
        if remove.is_empty() {
            return None;
        }
    }
    Some(planned)
}

/// Runs one action in its Region.
///
/// # Errors
/// The action's [`Error::Aws`] (a repeat of a change already in place is an
/// [`Outcome::AlreadyDone`], not an error), or [`Error::Internal`] when the
/// action's Region has no client.
pub async fn run(clients: &dyn Ec2Clients, action: &Action) -> Result<Outcome, Error> {
    clients.ec2(action.region())?.apply(action).await
}
