//! `tgw-peering handle`, the real binary, on AWS-shaped events against the
//! emulator: a tag event adds a VPC's routes on the other side of an
//! available peering, the tag-removed event withdraws them, and malformed or
//! foreign events change nothing.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use serde_json::{json, Value};
use tgw_peering::commands::{apply, ApplyOptions, Session};
use tgw_peering_tests::{config, tag_event, Emulator, Flavour, RegionWorld, EMULATOR_ACCOUNT};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

/// Writes `event` to a file of its own and runs `tgw-peering --output json handle` on it.
fn handle(emulator: &Emulator, name: &str, event: &str) -> (Output, Value) {
    let dir = std::env::temp_dir().join(format!("tgw-peering-handle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file: PathBuf = dir.join(name);
    std::fs::write(&file, event).expect("the event file is written");
    let out = crate::tgw_peering(&emulator.endpoint)
        .args(["--output", "json", "handle"])
        .arg(&file)
        .output()
        .expect("tgw-peering runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, report)
}

fn decisions(report: &Value, decision: &str) -> usize {
    report
        .as_array()
        .expect("an array of handled events")
        .iter()
        .flat_map(|h| h["audit"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["decision"] == decision)
        .count()
}

/// The kinds of the actions taken, in order.
fn kinds(report: &Value) -> Vec<String> {
    report
        .as_array()
        .expect("an array of handled events")
        .iter()
        .flat_map(|h| h["audit"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["decision"] == "action")
        .filter_map(|a| a["kind"].as_str().map(str::to_owned))
        .collect()
}

async fn cidrs(world: &RegionWorld) -> Vec<String> {
    world.static_routes().await.into_iter().map(|(c, _)| c).collect()
}

#[tokio::test]
async fn tag_and_untag_events_given_to_handle_add_and_withdraw_the_routes() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 1 });
    let east = RegionWorld::new(&emulator, EAST).await;
    let west = RegionWorld::new(&emulator, WEST).await;
    east.vpc("10.1.0.0/16", Some("true"), &[]).await;
    west.vpc("10.2.0.0/16", Some("true"), &[]).await;
    // A world whose peering is already available, with its routes.
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    let options =
        ApplyOptions { timeout: Duration::from_secs(120), poll: Duration::from_millis(500) };
    let applied = apply(&session, options, |_| {}).await.expect("apply runs");
    assert!(applied.converged, "{applied:#?}");
    assert_eq!(cidrs(&east).await, ["10.2.0.0/16"]);

    // A VPC is tagged; its event adds its CIDR on the other side.
    let vpc = west.vpc("10.3.0.0/16", Some("true"), &[]).await;
    let event = tag_event(WEST, EMULATOR_ACCOUNT, &vpc, true).to_string();
    let (out, report) = handle(&emulator, "added.json", &event);
    assert!(out.status.success(), "{report:#}");
    // One route, recorded in the ledger first (the list grown to hold it).
    assert_eq!(kinds(&report), ["resize_ledger", "update_ledger", "create_route"], "{report:#}");
    assert_eq!(cidrs(&east).await, ["10.2.0.0/16", "10.3.0.0/16"]);
    assert_eq!(cidrs(&west).await, ["10.1.0.0/16"]);

    // The tag is removed; the matching event withdraws the routes.
    west.untag(&vpc).await;
    let event = tag_event(WEST, EMULATOR_ACCOUNT, &vpc, false).to_string();
    let (out, report) = handle(&emulator, "removed.json", &event);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(cidrs(&east).await, ["10.2.0.0/16"]);

    // From here on, nothing may change.
    let other = west.vpc("10.4.0.0/16", Some("true"), &[]).await;
    let before = (east.peerings().await, cidrs(&east).await, cidrs(&west).await);

    // A malformed event: exit status 2, no write.
    let mut broken = tag_event(WEST, EMULATOR_ACCOUNT, &other, true);
    broken["detail"].as_object_mut().expect("a detail").remove("resource-type");
    let (out, report) = handle(&emulator, "malformed.json", &broken.to_string());
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    assert_eq!(report[0]["retryable"], json!(false));

    // Not JSON at all: exit status 2.
    let (out, _) = handle(&emulator, "garbage.json", "{ this is not json");
    assert_eq!(out.status.code(), Some(2));

    // An event from another account: dropped, no write.
    let foreign = tag_event(WEST, "999999999999", &other, true).to_string();
    let (out, report) = handle(&emulator, "foreign.json", &foreign);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(decisions(&report, "dropped"), 1, "{report:#}");
    assert_eq!(decisions(&report, "action"), 0, "{report:#}");

    // An event from a Region outside the configuration: dropped, no write.
    let unmanaged = tag_event("ap-south-1", EMULATOR_ACCOUNT, &other, true).to_string();
    let (out, report) = handle(&emulator, "unmanaged.json", &unmanaged);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(decisions(&report, "dropped"), 1, "{report:#}");

    let after = (east.peerings().await, cidrs(&east).await, cidrs(&west).await);
    assert_eq!(before, after, "no event above changed anything");

    // An SQS batch of the FIFO reconcile queue, as the reconciler gets it:
    // two events, one reconcile.
    let records: Vec<Value> = [
        tag_event(WEST, EMULATOR_ACCOUNT, &other, true),
        foreign_event(&other),
    ]
    .iter()
    .enumerate()
    .map(|(i, e)| {
        json!({
            "messageId": format!("m-{i}"), "receiptHandle": "h", "body": e.to_string(),
            "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tgw-peering-reconcile.fifo",
            "awsRegion": "us-east-1",
        })
    })
    .collect();
    let batch = json!({ "Records": records }).to_string();
    let (out, report) = handle(&emulator, "batch.json", &batch);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(report[0]["reconciles"], 1, "{report:#}");
    assert_eq!(decisions(&report, "dropped"), 1, "{report:#}");
    assert!(cidrs(&east).await.contains(&"10.4.0.0/16".to_owned()), "{report:#}");
}

fn foreign_event(vpc: &str) -> Value {
    tag_event(WEST, "999999999999", vpc, true)
}
