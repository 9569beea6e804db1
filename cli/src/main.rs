//! `tgw-peering`: the operator CLI. Wiring only: argument parsing, tracing,
//! the session, then one command from the library.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tgw_peering::commands::{self, ApplyOptions, Progress, Session};
use tgw_peering::mesh::{self, Mesh};
use tgw_peering::{render, Output};
use tgw_peering_core::aws::load_sdk_config;
use tgw_peering_core::verify::Keep;
use tgw_peering_core::{Config, Error};

/// Peer the transit gateways of every managed Region and route the CIDRs of
/// tagged VPCs between them. Configuration comes from the environment
/// (PEERING_REGIONS, TAG_KEY, TRANSIT_GATEWAY_IDS, ROUTE_TABLE_IDS,
/// PRUNE_ROUTES, PROTECTED_CIDRS) and AWS access from the standard SDK
/// variables (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, …).
#[derive(Debug, Parser)]
#[command(name = "tgw-peering", version, about, long_about = None)]
struct Cli {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Text, global = true)]
    output: Output,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show every action a reconcile would take, and why. Changes nothing.
    Plan,
    /// Plan, execute and re-plan until converged, waiting on peering state
    /// changes up to --timeout.
    Apply {
        /// Give up waiting after this long, e.g. 15m, 90s, 1h.
        #[arg(long, default_value = "15m", value_parser = parse_duration)]
        timeout: Duration,
        /// Pause between reads while a peering changes state.
        #[arg(long, default_value = "5s", value_parser = parse_duration)]
        poll: Duration,
        /// Let up to N withdrawals through per route table in this run
        /// (instead of MAX_WITHDRAWALS, or max(5, 20% of the ledger)).
        #[arg(long, value_name = "N")]
        allow_withdrawals: Option<usize>,
    },
    /// Show the peerings and each managed route table's routes, marked
    /// desired, missing, extra or conflict.
    Status,
    /// Walk every path between tagged VPCs of different Regions hop by hop
    /// (VPC route tables, attachments, the peering, both sides' transit
    /// gateway route tables) and print each broken hop with the paths it
    /// breaks. Exit status 3 if any path is broken.
    Verify {
        /// List only the paths that are not whole (JSON).
        #[arg(long)]
        broken_only: bool,
    },
    /// Run events through exactly the dispatch of the Lambda functions, in
    /// order: EventBridge events, SQS batches of re-check requests, or
    /// re-check requests, one per file or a JSON array per file (`-` reads
    /// standard input). Exit status 2 if any event failed permanently,
    /// 1 if any may succeed when retried.
    Handle {
        /// Files holding the events.
        #[arg(required = true, value_name = "EVENT.json")]
        files: Vec<String>,
    },
    /// Print, as JSON, the environment variables the functions read, the
    /// AWS operations they call and the metrics they write: the contract
    /// the deployment templates are checked against.
    #[command(hide = true)]
    Manifest,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) =
        s.find(|c: char| !c.is_ascii_digit()).map(|i| s.split_at(i)).unwrap_or((s, "s"));
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a duration like 90s, 15m or 1h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?}: the unit must be s, m or h")),
    };
    Ok(Duration::from_secs(secs))
}

/// `handle`: the events through the functions' dispatch, with the same
/// clients the functions build (EVENT_BUS_NAME and RECHECK_QUEUE_URL honoured).
async fn handle(files: &[String], json: bool) -> Result<ExitCode, Error> {
    let config = Config::from_env()?;
    let shared = load_sdk_config(&config).await;
    let handler = tgw_peering_core::wiring::handler(config, &shared);
    let handled = commands::handle(&handler, files).await;
    if json {
        println!("{}", render::json(&handled));
    } else {
        print!("{}", render::handled_text(&handled));
    }
    Ok(ExitCode::from(commands::handle_status(&handled)))
}

/// `manifest`: the environment variables and AWS calls of the functions.
fn manifest() -> ExitCode {
    let manifest = serde_json::json!({
        "environment": Config::VARIABLES,
        "calls": tgw_peering_core::aws::SDK_CALLS,
        "watcher_calls": tgw_peering_core::aws::WATCHER_CALLS,
        "read_calls": tgw_peering_core::aws::read_calls().collect::<Vec<_>>(),
        "metrics": tgw_peering_core::metrics::catalog::manifest(),
    });
    println!("{}", render::json(&manifest));
    ExitCode::SUCCESS
}

/// What `show` renders of a plan.
#[derive(Clone, Copy)]
enum View {
    /// `plan`: the actions and their reasons, the findings.
    Plan,
    /// `status`: peerings, route tables, VPCs and findings as they are.
    Status,
}

/// `plan` and `status`: one read, one plan, rendered; `status` verifies
/// the paths too, and draws the mesh with `--output dot` or `mermaid`.
async fn show(view: View, output: Output) -> Result<ExitCode, Error> {
    let session = Session::from_env().await?;
    let text = match view {
        View::Plan if output == Output::Json => render::json(&session.plan().await?.actions),
        View::Plan => render::plan_text(&session.plan().await?),
        View::Status => {
            let (plan, paths) = session.plan_and_verify(Keep::None).await?;
            let mesh = || Mesh::of(&plan, &paths, &session.config.regions);
            match output {
                Output::Json => render::json(&render::status_json(&plan, &paths)),
                Output::Dot => mesh::dot(&mesh()),
                Output::Mermaid => mesh::mermaid(&mesh()),
                Output::Text => {
                    let mut s = render::status_text(&plan);
                    tgw_peering::paths::status_paths_text(&paths, &mut s);
                    s
                }
            }
        }
    };
    if output == Output::Json {
        println!("{text}");
    } else {
        print!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `apply`: progress lines (text), then the summary or the whole report.
async fn apply(options: ApplyOptions, allow: Option<usize>, json: bool) -> Result<ExitCode, Error> {
    let mut session = Session::from_env().await?;
    if allow.is_some() {
        session.config.max_withdrawals = allow;
    }
    let report = commands::apply(&session, options, |p| {
        if !json {
            match p {
                Progress::Applied(a) => println!("{}", render::applied_line(a)),
                Progress::Waiting(plan) => {
                    for f in commands::waiting(plan) {
                        println!("{}", render::finding_line(f));
                    }
                }
            }
        }
    })
    .await?;
    if json {
        println!("{}", render::json(&report));
    } else {
        print!("{}", render::apply_summary(&report));
    }
    if let Some(e) = &report.error {
        eprintln!("error: apply stopped: {e}");
    }
    Ok(ExitCode::from(report.exit_status()))
}

/// `verify`: every path, the broken hops; exit status 3 if any is broken.
async fn verify(broken_only: bool, json: bool) -> Result<ExitCode, Error> {
    let keep = if broken_only { Keep::NotWhole } else { Keep::All };
    let (_, v) = Session::from_env().await?.plan_and_verify(keep).await?;
    if json {
        println!("{}", render::json(&tgw_peering::paths::verify_json(&v)));
    } else {
        print!("{}", tgw_peering::paths::verify_text(&v));
    }
    Ok(ExitCode::from(tgw_peering::paths::exit_status(&v)))
}

/// The usage error of `--output dot` or `mermaid` given to a command that
/// draws no mesh (all but `status`).
fn mesh_misused(cli: &Cli) -> Option<String> {
    let drawn = match cli.output {
        Output::Dot => "dot",
        Output::Mermaid => "mermaid",
        Output::Text | Output::Json => return None,
    };
    let command = match cli.command {
        Command::Status => return None,
        Command::Plan => "plan",
        Command::Apply { .. } => "apply",
        Command::Verify { .. } => "verify",
        Command::Handle { .. } => "handle",
        Command::Manifest => "manifest",
    };
    Some(format!(
        "`--output {drawn}` draws the mesh and only `status` takes it; `{command}` takes `--output text` or `--output json`"
    ))
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    let json = cli.output == Output::Json;
    match cli.command {
        Command::Handle { files } => handle(&files, json).await,
        Command::Manifest => Ok(manifest()),
        Command::Plan => show(View::Plan, cli.output).await,
        Command::Status => show(View::Status, cli.output).await,
        Command::Verify { broken_only } => verify(broken_only, json).await,
        Command::Apply { timeout, poll, allow_withdrawals } => {
            apply(ApplyOptions { timeout, poll }, allow_withdrawals, json).await
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Some(message) = mesh_misused(&cli) {
        use clap::CommandFactory;
        Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message).exit();
    }
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            // 1: may succeed if tried again; 2: fix the input or configuration first.
            ExitCode::from(if e.is_retryable() { 1 } else { 2 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_and_hours() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("42"), Ok(Duration::from_secs(42)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn only_status_takes_the_mesh_outputs() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).unwrap();
        assert_eq!(mesh_misused(&parse(&["tgw-peering", "status", "--output", "dot"])), None);
        assert_eq!(mesh_misused(&parse(&["tgw-peering", "-o", "mermaid", "status"])), None);
        for command in ["plan", "verify", "apply"] {
            for drawn in ["dot", "mermaid"] {
                let message = mesh_misused(&parse(&["tgw-peering", command, "--output", drawn]));
                let message = message.expect("a usage error");
                assert!(message.contains(command) && message.contains(drawn), "{message}");
            }
        }
        assert_eq!(mesh_misused(&parse(&["tgw-peering", "plan", "--output", "json"])), None);
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
