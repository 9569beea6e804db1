//! The event-driven flow end to end on the emulator: EC2, EventBridge (a rule
//! on the tool's bus delivering to SQS) and the watcher's SQS delay queue.
//! Nothing is driven but events; the test only pumps the queues into the
//! handler, as the Lambda integrations would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tgw_peering_core::aws::{
    CallCounter, ASSUME_ROLE_CALLS, PREFIX_LIST_CALLS, SDK_CALLS, VPC_ROUTE_CALLS,
};
use tgw_peering_core::handler::{HandleReport, Handler};
use tgw_peering_tests::{
    tag_event, Emulator, EventPlumbing, Flavour, RegionWorld, EMULATOR_ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

struct Rig {
    // Dropped last: stops the emulator.
    _emulator: Emulator,
    /// The calls the handler made: EC2, and EventBridge, SQS and STS.
    ec2_calls: CallCounter,
    other_calls: CallCounter,
    east: RegionWorld,
    west: RegionWorld,
    plumbing: EventPlumbing,
    handler: Arc<Handler>,
}

/// Two Regions with a tagged VPC each and no peering; peering phases take a
/// second each on the emulator.
async fn rig() -> (Rig, String, String) {
    // Phases of 3 s: long enough that, on a loaded machine, the peering
    // does not become available while the opening events are handled (the
    // replay tests need re-checks and state changes delivered).
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 3 });
    let east = RegionWorld::new(&emulator, EAST).await;
    let west = RegionWorld::new(&emulator, WEST).await;
    let east_vpc = east.vpc("10.1.0.0/16", Some("true"), &[]).await;
    let west_vpc = west.vpc("10.2.0.0/16", Some("true"), &[]).await;
    let plumbing = EventPlumbing::create(&emulator).await;
    let (handler, ec2_calls, other_calls) = tgw_peering_core::wiring::handler_counted(
        plumbing.config(&[EAST, WEST]),
        &emulator.sdk_config().await,
    );
    let handler = Arc::new(handler);
    (
        Rig { _emulator: emulator, ec2_calls, other_calls, east, west, plumbing, handler },
        east_vpc,
        west_vpc,
    )
}

async fn handle(handler: &Handler, payload: &Value) -> HandleReport {
    handler.handle(payload).await.unwrap_or_else(|e| panic!("handling failed: {e}\n{payload:#}"))
}

/// Pumps the queues into the handler until `done` holds; each message is
/// handled `copies` times, in an order shuffled with `seed`.
/// Returns the reports and every payload delivered (once each).
async fn pump_until<F, Fut>(
    rig: &Rig,
    copies: usize,
    seed: &mut u64,
    mut done: F,
) -> (Vec<HandleReport>, Vec<Value>)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut reports = Vec::new();
    let mut delivered = Vec::new();
    loop {
        let mut batch = Vec::new();
        for d in rig.plumbing.take().await {
            delivered.push(d.payload.clone());
            for _ in 0..copies {
                batch.push(d.payload.clone());
            }
        }
        shuffle(&mut batch, seed);
        for payload in &batch {
            reports.push(handle(&rig.handler, payload).await);
        }
        if done().await {
            return (reports, delivered);
        }
        assert!(
            Instant::now() < deadline,
            "the event chain did not finish in 120 s; peerings: {:?}, routes: {:?} / {:?}",
            rig.east.peerings().await,
            rig.east.static_routes().await,
            rig.west.static_routes().await
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A deterministic Fisher–Yates shuffle (xorshift), so a failure repeats.
fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = (*seed % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

async fn routed(world: &RegionWorld, cidrs: &[&str]) -> bool {
    let routes: Vec<String> = world.static_routes().await.into_iter().map(|(c, _)| c).collect();
    routes == cidrs
}

fn actions<'a>(reports: &'a [HandleReport], kind: &'a str) -> impl Iterator<Item = String> + 'a {
    reports.iter().flat_map(move |r| {
        r.audit
            .iter()
            .filter(move |a| {
                a.decision == tgw_peering_core::handler::Decision::Action && a.kind == kind
            })
            .map(|a| format!("{} [{}]", a.subject, a.result.clone().unwrap_or_default()))
    })
}

#[tokio::test]
async fn a_tag_event_leads_through_the_watcher_to_routes_then_new_and_removed_vpcs_follow() {
    let (rig, east_vpc, _) = rig().await;
    let mut seed = 7;

    // 1. The tag event requests the peering and starts the watcher.
    let first = handle(&rig.handler, &tag_event(EAST, EMULATOR_ACCOUNT, &east_vpc, true)).await;
    assert_eq!(actions(std::slice::from_ref(&first), "create_peering").count(), 1);
    assert_eq!(first.rechecks.len(), 1);
    assert_eq!(
        first.rechecks[0].1,
        tgw_peering_core::events::RECHECK_EVERY_SECS,
        "the first re-check comes after 4 s"
    );
    let peerings = rig.east.peerings().await;
    assert_eq!(peerings.len(), 1, "{peerings:?}");
    let attachment = peerings[0].0.clone();

    // 2–3. Re-checks see the new states; their state-change events lead to
    // the accept and, once available, to routes on both sides.
    let (reports, _) = pump_until(&rig, 1, &mut seed, || async {
        routed(&rig.east, &["10.2.0.0/16"]).await && routed(&rig.west, &["10.1.0.0/16"]).await
    })
    .await;
    let accepts: Vec<String> = actions(&reports, "accept_peering").collect();
    assert_eq!(accepts.len(), 1, "{accepts:?}");
    assert!(accepts[0].contains("done"), "{accepts:?}");
    let changes = reports
        .iter()
        .flat_map(|r| &r.published)
        .filter(|e| e.detail_type() == tgw_peering_core::events::STATE_CHANGE)
        .count();
    assert!(changes >= 2, "pendingAcceptance and available were announced");
    for (_, target) in rig.east.static_routes().await {
        assert_eq!(target.as_deref(), Some(attachment.as_str()));
    }

    // 4. A new tagged VPC: its tag event adds only its routes.
    let new_vpc = rig.west.vpc("10.3.0.0/16", Some("true"), &[]).await;
    let added = handle(&rig.handler, &tag_event(WEST, EMULATOR_ACCOUNT, &new_vpc, true)).await;
    let writes: Vec<(String, String)> = added
        .audit
        .iter()
        .filter(|a| a.decision == tgw_peering_core::handler::Decision::Action)
        .map(|a| (a.kind.clone(), a.subject.clone()))
        .collect();
    // The ledger records the CIDR first (growing its list), then the route.
    let kinds: Vec<&str> = writes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["resize_ledger", "update_ledger", "create_route"], "{writes:?}");
    assert!(writes[2].1.contains("10.3.0.0/16"), "{writes:?}");
    assert!(routed(&rig.east, &["10.2.0.0/16", "10.3.0.0/16"]).await);

    // 5. Its removal event withdraws them.
    rig.west.untag(&new_vpc).await;
    handle(&rig.handler, &tag_event(WEST, EMULATOR_ACCOUNT, &new_vpc, false)).await;
    assert!(routed(&rig.east, &["10.2.0.0/16"]).await);
    assert!(routed(&rig.west, &["10.1.0.0/16"]).await);
    assert_eq!(rig.east.peerings().await.len(), 1);

    // 6. A second peering between the same gateways is refused by AWS (one
    // per pair, "Transit Gateway quotas"), so the scheduled reconcile has no
    // duplicate to delete. (The duplicate guard stays as a defence; the
    // in-memory tests drive it with a rival create.)
    let second = rig
        .east
        .ec2
        .create_transit_gateway_peering_attachment()
        .transit_gateway_id(&rig.east.tgw)
        .peer_transit_gateway_id(&rig.west.tgw)
        .peer_region(WEST)
        .peer_account_id(EMULATOR_ACCOUNT)
        .send()
        .await;
    let refused = second.expect_err("a second peering of the pair is refused");
    assert!(format!("{refused:?}").contains("DuplicateTransitGatewayAttachment"), "{refused:?}");
    let sweep = handle(&rig.handler, &scheduled_event()).await;
    let deletes: Vec<String> = actions(std::slice::from_ref(&sweep), "delete_peering").collect();
    assert!(deletes.is_empty(), "{deletes:?}");
    assert_eq!(rig.east.peerings().await.len(), 1);
    assert!(rig.east.peerings().await.iter().any(|(id, _)| *id == attachment));

    // The flow called exactly the operations the deployment grants.
    let mut called: Vec<String> =
        rig.ec2_calls.snapshot().by_operation.keys().map(|op| format!("ec2:{op}")).collect();
    for op in rig.other_calls.snapshot().by_operation.keys() {
        let service = SDK_CALLS
            .iter()
            .find(|c| !c.starts_with("ec2:") && c.ends_with(&format!(":{op}")))
            .unwrap_or_else(|| panic!("{op} is not in SDK_CALLS"));
        called.push((*service).to_owned());
    }
    called.sort();
    // The VPC route table calls are made only with MANAGE_VPC_ROUTES=true
    // (off here); tests/tests/vpc_routes.rs checks that they are made then.
    // Three calls answer situations this flow does not meet: a duplicate
    // peering (the guard's delete), a peering to move out of the default
    // association table, and a route to move onto a replacing peering (the
    // routing-truth tests make that one).
    // A message brought back sooner (a deferred batch, a failure) is the
    // pipeline tests' and the storm benchmark's. Removing records from the
    // ledger lists (an isolation or a blackhole that ended) is the
    // coexistence tests'; adding them is this flow's too (a list's resize
    // is recorded before it is asked). The IPv6 support of attachments is
    // read only where a tagged VPC has an IPv6 block (the limits tests').
    // Path verification is this flow's: the VPCs' route tables read, the
    // records of broken hops written on the route tables and removed as
    // they heal (these VPCs send nothing to their gateway).
    let situational = [
        "sqs:ChangeMessageVisibility",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "ec2:DeleteTransitGatewayPeeringAttachment",
        "ec2:DisassociateTransitGatewayRouteTable",
        "ec2:ReplaceTransitGatewayRoute",
    ];
    let mut granted: Vec<String> = SDK_CALLS
        .iter()
        .filter(|c| !VPC_ROUTE_CALLS.contains(c) || **c == "ec2:DescribeRouteTables")
        .filter(|c| !PREFIX_LIST_CALLS.contains(c))
        // No ACCOUNT_ROLE_ARNS here: no role is assumed.
        .filter(|c| !ASSUME_ROLE_CALLS.contains(c))
        .filter(|c| !situational.contains(c))
        .map(|c| (*c).to_owned())
        .collect();
    granted.sort();
    assert_eq!(called, granted);
}

/// The fixture `scheduled-event.json` with a fresh id.
fn scheduled_event() -> Value {
    let path = tgw_peering_tests::workspace_root().join("tests/fixtures/scheduled-event.json");
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture")).expect("JSON");
    event["id"] = Value::from("sweep-after-duplicate");
    event["account"] = Value::from(EMULATOR_ACCOUNT);
    event
}

#[tokio::test]
async fn every_event_five_times_and_shuffled_gives_the_same_final_state() {
    let (rig, east_vpc, west_vpc) = rig().await;
    let mut seed = 0x2545_f491;
    let mut all: Vec<Value> = Vec::new();

    let mut opening = vec![
        tag_event(EAST, EMULATOR_ACCOUNT, &east_vpc, true),
        tag_event(WEST, EMULATOR_ACCOUNT, &west_vpc, true),
    ];
    all.extend(opening.iter().cloned());
    opening = opening.into_iter().flat_map(|e| std::iter::repeat_n(e, 5)).collect();
    shuffle(&mut opening, &mut seed);
    for e in &opening {
        handle(&rig.handler, e).await;
    }
    let (reports, delivered) = pump_until(&rig, 5, &mut seed, || async {
        routed(&rig.east, &["10.2.0.0/16"]).await && routed(&rig.west, &["10.1.0.0/16"]).await
    })
    .await;
    assert!(delivered.len() >= 3, "re-checks and state changes were delivered: {delivered:#?}");
    all.extend(delivered);
    assert_eq!(rig.east.peerings().await.len(), 1, "one peering for the pair");
    assert_eq!(actions(&reports, "create_peering").count(), 0);

    // Everything again, five times, shuffled, late: nothing changes.
    let before =
        (rig.east.peerings().await, rig.east.static_routes().await, rig.west.static_routes().await);
    let mut replay: Vec<Value> =
        all.iter().flat_map(|e| std::iter::repeat_n(e.clone(), 5)).collect();
    shuffle(&mut replay, &mut seed);
    let mut writes = 0;
    for e in &replay {
        let report = handle(&rig.handler, e).await;
        writes += report
            .audit
            .iter()
            .filter(|a| {
                a.decision == tgw_peering_core::handler::Decision::Action
                    && a.result.as_deref() == Some("done")
            })
            .count();
    }
    assert_eq!(writes, 0, "a replay makes no change");
    let after =
        (rig.east.peerings().await, rig.east.static_routes().await, rig.west.static_routes().await);
    assert_eq!(before, after);
}
