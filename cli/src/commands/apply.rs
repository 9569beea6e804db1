//! `apply`: the functions' reconcile ([`reconcile`]: read, plan, execute),
//! round after round until nothing is left to do, waiting on peering state
//! changes up to a timeout.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde::Serialize;
use tgw_peering_core::aws::CallCounts;
use tgw_peering_core::domain::TransitGatewayId;
use tgw_peering_core::execute::{Executed, ResultLabel};
use tgw_peering_core::ports::Outcome;
use tgw_peering_core::reconcile::reconcile;
use tgw_peering_core::{Action, Error, Finding, FindingKind, Plan};

use super::Session;

/// How long `apply` may wait, and how often it re-reads while waiting.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub timeout: Duration,
    pub poll: Duration,
}

/// One executed action, as `apply` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub round: usize,
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
    pub result: ResultLabel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Progress reported while applying.
pub enum Progress<'a> {
    Applied(&'a Applied),
    Waiting(&'a Plan),
}

/// What an `apply` did.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub converged: bool,
    pub rounds: usize,
    pub seconds: f64,
    pub applied: Vec<Applied>,
    /// What the last plan declined to do (conflicts, skips).
    pub findings: Vec<Finding>,
    pub ec2_calls: CallCounts,
    /// Why apply stopped before converging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The stop was a permanent failure (fix it first; exit status 2),
    /// not a timeout (run again later; exit status 1).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub permanent: bool,
}

impl ApplyReport {
    pub fn writes_done(&self) -> usize {
        self.applied.iter().filter(|a| a.result == ResultLabel::Done).count()
    }

    /// The exit status: 0 converged, 1 stopped by something that may pass
    /// (a timeout), 2 stopped by a permanent failure.
    pub fn exit_status(&self) -> u8 {
        match (&self.error, self.permanent) {
            (None, _) => 0,
            (Some(_), false) => 1,
            (Some(_), true) => 2,
        }
    }
}

/// The state of one `apply` between rounds.
struct Rounds {
    start: Instant,
    /// The last round's actions: the same plan again means its writes are
    /// not visible yet.
    previous: Option<Vec<Action>>,
    /// Peerings this apply requested: never requested twice, even while a
    /// read does not show them yet (the create has no idempotency token).
    requested: BTreeSet<(TransitGatewayId, TransitGatewayId)>,
    /// What is still to do or wait for, for the timeout message.
    pending: String,
}

/// What one round asks for next.
enum Next {
    Done,
    Wait,
    Again,
}

/// Plans, executes and re-plans until nothing is left to do, waiting on
/// peering state changes up to `options.timeout`. Stops early on a permanent
/// failure. Retryable failures are retried by the next round.
///
/// # Errors
/// A permanent failure of a read or of the plan (a Region that cannot be
/// resolved); a failed action ends the report with `error` set instead.
pub async fn apply(
    session: &Session,
    options: ApplyOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<ApplyReport, Error> {
    let calls_before = session.calls();
    let mut report = ApplyReport {
        converged: false,
        rounds: 0,
        seconds: 0.0,
        applied: Vec::new(),
        findings: Vec::new(),
        ec2_calls: CallCounts::default(),
        error: None,
        permanent: false,
    };
    let mut rounds = Rounds {
        start: Instant::now(),
        previous: None,
        requested: BTreeSet::new(),
        pending: String::from("nothing was read"),
    };
    loop {
        if rounds.start.elapsed() >= options.timeout {
            report.error = Some(format!(
                "timed out after {}s; still pending: {}; run apply again later",
                options.timeout.as_secs(),
                rounds.pending
            ));
            break;
        }
        report.rounds += 1;
        match round(session, &mut rounds, &mut report, &mut progress).await? {
            Next::Done => break,
            Next::Wait => tokio::time::sleep(options.poll).await,
            Next::Again => {}
        }
    }
    report.seconds = rounds.start.elapsed().as_secs_f64();
    report.ec2_calls = session.calls().since(&calls_before);
    Ok(report)
}

/// One round: read and plan, then execute what is new.
async fn round(
    session: &Session,
    rounds: &mut Rounds,
    report: &mut ApplyReport,
    progress: &mut impl FnMut(Progress<'_>),
) -> Result<Next, Error> {
    // The plan between its read and its execution: what this apply
    // requested and a read does not show yet is held back; nothing to do,
    // or the last round's plan again, is a wait (its writes not visible).
    let mut next = None;
    let gate = |plan: &mut Plan| {
        let held = hold_requested(plan, &rounds.requested);
        report.findings = plan.findings.clone();
        rounds.pending = summary(plan, held);
        if plan.actions.is_empty() {
            next = Some(if !plan.is_waiting() && held == 0 {
                settled(plan, report)
            } else {
                progress(Progress::Waiting(plan));
                Next::Wait
            });
            return false;
        }
        let actions: Vec<Action> = plan.actions.iter().map(|p| p.action.clone()).collect();
        if rounds.previous.as_ref() == Some(&actions) {
            rounds.previous = None;
            next = Some(Next::Wait);
            return false;
        }
        rounds.previous = Some(actions);
        true
    };
    let pass = match reconcile(&session.clients, &session.config, None, gate).await {
        Ok(pass) => pass,
        Err(e) if e.is_retryable() => {
            rounds.pending = format!("the last read failed: {e}");
            return Ok(Next::Wait);
        }
        Err(e) => return Err(e),
    };
    let Some(execution) = pass.execution else {
        return Ok(next.unwrap_or(Next::Wait));
    };
    let mut permanent = Vec::new();
    for e in execution.executed {
        if let Some(err) = e.result.as_ref().err().filter(|err| !err.is_retryable()) {
            permanent.push(format!("{}: {err}", e.planned.action));
        }
        note_requested(&e, &mut rounds.requested);
        let applied = applied(report.rounds, e);
        progress(Progress::Applied(&applied));
        report.applied.push(applied);
    }
    if !permanent.is_empty() {
        report.error = Some(format!(
            "{} action(s) failed permanently: {}",
            permanent.len(),
            permanent.join("; ")
        ));
        report.permanent = true;
        return Ok(Next::Done);
    }
    Ok(Next::Again)
}

/// Nothing left to do: converged, unless withdrawals are held (a person
/// decides: exit status 2).
fn settled(plan: &Plan, report: &mut ApplyReport) -> Next {
    let held: Vec<String> = plan
        .findings
        .iter()
        .filter(|f| f.kind() == FindingKind::Held)
        .map(|f| format!("{}: {}", f.subject, f.reason))
        .collect();
    if held.is_empty() {
        report.converged = true;
    } else {
        report.error = Some(format!("withdrawals held: {}", held.join("; ")));
        report.permanent = true;
    }
    Next::Done
}

/// Drops the creates of peerings this apply already requested; returns
/// how many were held back.
fn hold_requested(
    plan: &mut Plan,
    requested: &BTreeSet<(TransitGatewayId, TransitGatewayId)>,
) -> usize {
    let before = plan.actions.len();
    plan.actions.retain(|p| {
        let Action::CreatePeering { requester, accepter } = &p.action else {
            return true;
        };
        let pair = (requester.transit_gateway_id.clone(), accepter.transit_gateway_id.clone());
        !requested.contains(&pair)
    });
    before - plan.actions.len()
}

fn note_requested(e: &Executed, requested: &mut BTreeSet<(TransitGatewayId, TransitGatewayId)>) {
    if let (Action::CreatePeering { requester, accepter }, Ok(Outcome::Created(_))) =
        (&e.planned.action, &e.result)
    {
        requested
            .insert((requester.transit_gateway_id.clone(), accepter.transit_gateway_id.clone()));
    }
}

fn applied(round: usize, e: Executed) -> Applied {
    Applied {
        round,
        result: e.label(),
        detail: e.detail(),
        action: e.planned.action,
        reason: e.planned.reason,
    }
}

/// What a plan still has to do or wait for, in one line.
fn summary(plan: &Plan, held: usize) -> String {
    let mut parts: Vec<String> = plan.actions.iter().map(|p| p.action.to_string()).collect();
    parts.extend(waiting(plan).map(|f| format!("{}: {}", f.subject, f.reason)));
    if held > 0 {
        parts.push(format!("{held} peering(s) requested by this apply and not visible yet"));
    }
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The findings that say something is between states.
pub fn waiting(plan: &Plan) -> impl Iterator<Item = &Finding> {
    plan.findings.iter().filter(|f| f.kind() == FindingKind::Waiting)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(error: Option<&str>, permanent: bool) -> ApplyReport {
        ApplyReport {
            converged: error.is_none(),
            rounds: 1,
            seconds: 0.0,
            applied: Vec::new(),
            findings: Vec::new(),
            ec2_calls: CallCounts::default(),
            error: error.map(str::to_owned),
            permanent,
        }
    }

    #[test]
    fn a_permanent_failure_exits_2_a_timeout_1_and_convergence_0() {
        assert_eq!(report(None, false).exit_status(), 0);
        assert_eq!(report(Some("timed out after 900s"), false).exit_status(), 1);
        assert_eq!(report(Some("1 action(s) failed permanently"), true).exit_status(), 2);
    }
}
