//! The CLI commands over the core: observe, plan, execute.
//!
//! Only `apply` waits (bounded by its timeout) for peering state changes; the
//! Lambda functions never wait, they schedule a re-check instead.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use tgw_peering_core::aws::{load_sdk_config, AwsClients, CallCounts};
use tgw_peering_core::handler::{HandleReport, Handler};
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
        let clients = AwsClients::for_config(shared, &config);
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
                Ok(Outcome::Done) | Ok(Outcome::Created(_)) => ("done", None),
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
                Ok(Outcome::Created(_)),
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

/// One event run through the functions' dispatch by `tgw-peering handle`.
#[derive(Debug, Serialize)]
pub struct Handled {
    /// Where the event came from: the file, and the position in it when the
    /// file holds a JSON array of events.
    pub input: String,
    #[serde(flatten)]
    pub report: HandleReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
}

impl Handled {
    fn failed(input: String, e: &Error) -> Self {
        Handled {
            input,
            report: HandleReport::default(),
            error: Some(e.to_string()),
            retryable: Some(e.is_retryable()),
        }
    }
}

/// The events of one file: a single event (EventBridge event, SQS batch or
/// re-check request) or a JSON array of them. `-` is standard input.
pub fn read_events(path: &str) -> Result<Vec<(String, Value)>, Error> {
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| Error::Input(format!("{path}: cannot read: {e}")))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| Error::Input(format!("{path}: not JSON: {e}")))?;
    Ok(match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("{path}[{i}]"), v))
            .collect(),
        single => vec![(path.to_owned(), single)],
    })
}

/// Runs every event of every file, in order, through exactly the dispatch
/// the Lambda functions use. An unreadable file or a failed event does not
/// stop the others.
pub async fn handle(handler: &Handler, paths: &[String]) -> Vec<Handled> {
    let mut out = Vec::new();
    for path in paths {
        let events = match read_events(path) {
            Ok(events) => events,
            Err(e) => {
                out.push(Handled::failed(path.clone(), &e));
                continue;
            }
        };
        for (input, payload) in events {
            let mut report = handler.run(&payload).await;
            let failure = report.failure.take();
            out.push(Handled {
                input,
                report,
                error: failure.as_ref().map(ToString::to_string),
                retryable: failure.as_ref().map(Error::is_retryable),
            });
        }
    }
    out
}

/// The exit status of `handle`: 2 if any event failed permanently (fix the
/// event or the configuration), else 1 if any failed and may succeed when
/// retried, else 0.
pub fn handle_status(handled: &[Handled]) -> u8 {
    if handled.iter().any(|h| h.retryable == Some(false)) {
        2
    } else if handled.iter().any(|h| h.retryable == Some(true)) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handled(retryable: Option<bool>) -> Handled {
        Handled {
            input: "e.json".into(),
            report: HandleReport::default(),
            error: retryable.map(|_| "failed".into()),
            retryable,
        }
    }

    #[test]
    fn a_permanent_failure_outranks_a_retryable_one_in_the_exit_status() {
        assert_eq!(handle_status(&[handled(None)]), 0);
        assert_eq!(handle_status(&[handled(None), handled(Some(true))]), 1);
        assert_eq!(
            handle_status(&[handled(Some(true)), handled(Some(false)), handled(None)]),
            2
        );
    }

    #[test]
    fn a_file_holding_an_array_yields_each_event_with_its_position() {
        let path =
            std::env::temp_dir().join(format!("tgw-peering-array-{}.json", std::process::id()));
        std::fs::write(&path, r#"[{"a": 1}, {"b": 2}]"#).unwrap_or_else(|e| panic!("{e}"));
        let name = path.to_string_lossy().into_owned();
        let events = read_events(&name).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].0, format!("{name}[1]"));
        assert_eq!(events[1].1["b"], 2);
        let missing = read_events("/nonexistent/tgw-peering.json").unwrap_err();
        assert!(!missing.is_retryable());
        assert!(missing.to_string().contains("cannot read"), "{missing}");
    }
}
