//! The CLI commands over the core: observe, plan, execute.
//!
//! Only `apply` waits (bounded by its timeout) for peering state changes; the
//! Lambda functions never wait, they schedule a re-check instead.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use serde::Serialize;
use std::collections::BTreeSet;
use tgw_peering_core::aws::{load_sdk_config, AwsClients, CallCounts};
use tgw_peering_core::ports::Outcome;
use tgw_peering_core::reconcile::{execute, observe};

use tgw_peering_core::domain::TransitGatewayId;
use tgw_peering_core::{plan as make_plan, Action, Config, Error, FindingKind, Plan};

/// A configuration and the clients of its Regions.
pub struct Session {
    pub config: Config,
    pub clients: AwsClients,
}

impl Session {
    /// Configuration from the environment, SDK settings from the standard sources.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env()?;
        let shared = load_sdk_config().await;
        Ok(Self::new(config, &shared))
    }

    pub fn new(config: Config, shared: &SdkConfig) -> Self {
        let clients = AwsClients::new(shared, &config.regions);
        Self { config, clients }
    }

    /// Reads every Region and plans.
    pub async fn plan(&self) -> Result<Plan, Error> {
        let observed = observe(&self.clients, &self.config).await?;
        make_plan(&observed, &self.config)
    }

    /// The EC2 calls made so far through this session.
    pub fn calls(&self) -> CallCounts {
        self.clients.counter().snapshot()
    }
}

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
    /// `done`, `already_done` or `error`.
    pub result: &'static str,
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
    pub findings: Vec<tgw_peering_core::Finding>,
    pub ec2_calls: CallCounts,
    /// Why apply stopped before converging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ApplyReport {
    pub fn writes_done(&self) -> usize {
        self.applied.iter().filter(|a| a.result == "done").count()
    }
}

/// Plans, executes and re-plans until nothing is left to do, waiting on
/// peering state changes up to `options.timeout`. Stops early on a permanent
/// failure. Retryable failures are retried by the next round.
pub async fn apply(
    session: &Session,
    options: ApplyOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<ApplyReport, Error> {
    let start = Instant::now();
    let calls_before = session.calls();
    let mut report = ApplyReport {
        converged: false,
        rounds: 0,
        seconds: 0.0,
        applied: Vec::new(),
        findings: Vec::new(),
        ec2_calls: CallCounts::default(),
        error: None,
    };
    let mut previous: Option<Vec<Action>> = None;
    // Peerings this apply requested: never requested twice, even while a read
    // does not show them yet (the create call has no idempotency token).
    let mut requested: BTreeSet<(TransitGatewayId, TransitGatewayId)> = BTreeSet::new();
    let mut pending = String::from("nothing was read");
    loop {
        if start.elapsed() >= options.timeout {
            report.error = Some(format!(
                "timed out after {}s; still pending: {pending}; run apply again later",
                options.timeout.as_secs()
            ));
            break;
        }
        report.rounds += 1;
        let mut plan = match session.plan().await {
            Ok(plan) => plan,
            Err(e) if e.is_retryable() => {
                pending = format!("the last read failed: {e}");
                tokio::time::sleep(options.poll).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let before = plan.actions.len();
        plan.actions.retain(|p| match &p.action {
            Action::CreatePeering {
                requester,
                accepter,
            } => !requested.contains(&(
                requester.transit_gateway_id.clone(),
                accepter.transit_gateway_id.clone(),
            )),
            _ => true,
        });
        let held = before - plan.actions.len();
        report.findings = plan.findings.clone();
        pending = summary(&plan, held);
        if plan.actions.is_empty() {
            if !plan.is_waiting() && held == 0 {
                report.converged = true;
                break;
            }
            progress(Progress::Waiting(&plan));
            tokio::time::sleep(options.poll).await;
            continue;
        }
        let actions: Vec<Action> = plan.actions.iter().map(|p| p.action.clone()).collect();
        if previous.as_ref() == Some(&actions) {
            // The last round's writes are not visible yet: wait, then re-read
            // before repeating anything.
            previous = None;
            tokio::time::sleep(options.poll).await;
            continue;
        }
        let execution = execute(&session.clients, &plan).await;
        let mut permanent = Vec::new();
        for e in execution.executed {
            let (result, detail) = match &e.result {
                Ok(Outcome::Done) => ("done", None),
                Ok(Outcome::AlreadyDone(why)) => ("already_done", Some(why.clone())),
                Err(err) => {
                    if !err.is_retryable() {
                        permanent.push(format!("{}: {err}", e.planned.action));
                    }
                    ("error", Some(err.to_string()))
                }
            };
            if let (
                Action::CreatePeering {
                    requester,
                    accepter,
                },
                Ok(Outcome::Done),
            ) = (&e.planned.action, &e.result)
            {
                requested.insert((
                    requester.transit_gateway_id.clone(),
                    accepter.transit_gateway_id.clone(),
                ));
            }
            let applied = Applied {
                round: report.rounds,
                action: e.planned.action,
                reason: e.planned.reason,
                result,
                detail,
            };
            progress(Progress::Applied(&applied));
            report.applied.push(applied);
        }
        if !permanent.is_empty() {
            report.findings = plan.findings.clone();
            report.error = Some(format!(
                "{} action(s) failed permanently: {}",
                permanent.len(),
                permanent.join("; ")
            ));
            break;
        }
        previous = Some(actions);
    }
    report.seconds = start.elapsed().as_secs_f64();
    report.ec2_calls = session.calls().since(&calls_before);
    Ok(report)
}

/// What a plan still has to do or wait for, in one line.
fn summary(plan: &Plan, held: usize) -> String {
    let mut parts: Vec<String> = plan.actions.iter().map(|p| p.action.to_string()).collect();
    parts.extend(waiting(plan).map(|f| format!("{}: {}", f.subject, f.reason)));
    if held > 0 {
        parts.push(format!(
            "{held} peering(s) requested by this apply and not visible yet"
        ));
    }
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The findings that say a peering is between states.
pub fn waiting(plan: &Plan) -> impl Iterator<Item = &tgw_peering_core::Finding> {
    plan.findings
        .iter()
        .filter(|f| f.kind == FindingKind::Waiting)
}
