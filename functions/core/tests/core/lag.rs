//! Coming back when AWS lags: a VPC a reconcile waits on is watched every
//! few seconds until it is ready, then `VPC Ready` brings a reconcile.

use std::sync::Arc;

use crate::support::{delivered, fixture, Caller, Rig, World};
use serde_json::{json, Value};
use tgw_peering_core::domain::CidrState;
use tgw_peering_core::events::{Chain, VpcRecheck, VPC_READY, VPC_RECHECK_GIVE_UP_SECS};
use tgw_peering_core::handler::{system_clock, Decision, Handler};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";

/// The fixtures' VPC in us-east-1 (`tag` as given) and a tagged one in
/// eu-west-1.
fn world(tag: Option<&str>) -> World {
    let world = World::new(&[EAST, WEST]);
    world.vpc(EAST, VPC, tag, &["10.20.0.0/16"]);
    world.vpc(WEST, "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    world
}

fn bare(recheck: &VpcRecheck) -> Value {
    serde_json::to_value(recheck).unwrap()
}

#[tokio::test]
async fn a_tag_the_read_does_not_show_yet_is_looked_at_again_in_five_seconds() {
    // EC2's read still shows the VPC untagged when the tag event arrives.
    let rig = Rig::new(world(None));
    let report = rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    assert!(rig.world.peerings().is_empty(), "nothing to peer in what the read shows");
    let sent = rig.queue.take_vpc();
    assert_eq!(sent.len(), 1, "{:?}", report.audit);
    let (recheck, delay) = &sent[0];
    assert_eq!((recheck.vpc_id.as_str(), recheck.tagged, *delay), (VPC, Some(true), 5));
    assert_eq!(recheck.chain.origin_event_id, fixture("tag-change-added.json")["id"]);

    // Still not shown: the next look.
    let report = rig.handler.handle(&bare(recheck)).await.unwrap();
    assert!(report.published.is_empty());
    let (next, _) = rig.queue.take_vpc().pop().expect("the next look");
    assert_eq!(next.chain.attempt, 1);

    // Shown: VPC Ready, whose delivery reconciles.
    rig.world.tag(EAST, VPC);
    let report = rig.handler.handle(&bare(&next)).await.unwrap();
    let ready = report.published.first().expect("VPC Ready");
    assert_eq!(ready.detail_type(), VPC_READY);
    assert_eq!(ready.detail()["vpc-id"], VPC);
    assert!(rig.queue.take_vpc().is_empty(), "the chain ends");
    rig.handler.handle(&delivered(ready, "ready-1")).await.unwrap();
    assert_eq!(rig.world.peerings().len(), 1, "the reconcile requested the peering");
}

#[tokio::test]
async fn a_block_still_associating_is_watched_until_associated() {
    let rig = Rig::new(world(Some("true")));
    rig.world.set_cidr(EAST, VPC, "10.21.0.0/16", CidrState::Associating);
    rig.handler.handle(&fixture("cloudtrail-associate-vpc-cidr-block.json")).await.unwrap();
    let (recheck, _) = rig.queue.take_vpc().pop().expect("a watch");
    assert_eq!(recheck.tagged, None, "not a tag event");

    rig.world.set_cidr(EAST, VPC, "10.21.0.0/16", CidrState::Associated);
    let report = rig.handler.handle(&bare(&recheck)).await.unwrap();
    assert_eq!(report.published.len(), 1);
    assert_eq!(report.published[0].detail_type(), VPC_READY);
}

#[tokio::test]
async fn a_vpc_is_watched_by_one_chain_at_a_time() {
    let rig = Rig::new(world(None));
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    let mut again = fixture("tag-change-added.json");
    again["id"] = json!("tag-again");
    rig.handler.handle(&again).await.unwrap();
    assert_eq!(rig.queue.take_vpc().len(), 1);
}

#[tokio::test]
async fn a_watch_gives_up_after_ten_minutes_with_an_audit_line() {
    let rig = Rig::new(world(None));
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    let (mut recheck, _) = rig.queue.take_vpc().pop().unwrap();
    recheck.chain.started_at = system_clock() - VPC_RECHECK_GIVE_UP_SECS - 1;
    let report = rig.handler.handle(&bare(&recheck)).await.unwrap();
    assert!(rig.queue.take_vpc().is_empty());
    let given_up: Vec<_> = report.decisions(Decision::Warning).collect();
    assert_eq!(given_up.len(), 1);
    assert_eq!(given_up[0].kind, "vpc_wait_given_up");
}

#[tokio::test]
async fn without_a_recheck_queue_a_wait_is_a_retryable_answer() {
    let world = world(None);
    let handler = Handler::new(
        world.config(),
        Arc::new(world.clone()),
        None,
        None,
        Arc::new(Caller("123456789012")),
    );
    let err = handler.handle(&fixture("tag-change-added.json")).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().contains(VPC), "{err}");
}

#[tokio::test]
async fn a_vpc_gone_or_untagged_waits_for_nothing() {
    let rig = Rig::new(world(Some("true")));
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    assert!(rig.queue.take_vpc().is_empty(), "the read shows what the event says");
    rig.world.delete_vpc(EAST, VPC);
    rig.handler.handle(&fixture("tag-change-removed.json")).await.unwrap();
    assert!(rig.queue.take_vpc().is_empty());
}

#[test]
fn the_vpc_fixtures_parse_into_a_watch_and_a_vpc_trigger() {
    use tgw_peering_core::events::{parse, Trigger};
    let parsed = parse(&fixture("sqs-vpc-recheck.json"), "addToTransitGateway").unwrap();
    match &parsed[0].trigger {
        Trigger::VpcRecheck(r) => {
            assert_eq!((r.vpc_id.as_str(), r.tagged, r.chain.attempt), (VPC, Some(true), 2));
            assert_eq!(r.transit_gateway_id.as_str(), "tgw-0aaaaaaaaaaaaaaa1");
        }
        other => panic!("expected a VPC re-check, got {other:?}"),
    }
    let parsed = parse(&fixture("vpc-ready.json"), "addToTransitGateway").unwrap();
    assert_eq!(parsed[0].region.as_ref().unwrap().as_str(), EAST);
    assert!(parsed[0].from_tool);
    match &parsed[0].trigger {
        Trigger::Vpc { vpc_id, tagged, change } => {
            assert_eq!(vpc_id.as_ref().unwrap().as_str(), VPC);
            assert_eq!(*tagged, None, "never covered: it asks for a reconcile");
            assert!(change.to_string().starts_with("ready"), "{change}");
        }
        other => panic!("expected a VPC trigger, got {other:?}"),
    }
}

#[tokio::test]
async fn a_vpc_ready_whose_reconcile_still_lags_starts_a_new_watch() {
    let rig = Rig::new(world(None));
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    let (recheck, _) = rig.queue.take_vpc().pop().unwrap();
    // The watcher saw the tag, but the reconcile's own read does not yet.
    rig.world.tag(EAST, VPC);
    let report = rig.handler.handle(&bare(&recheck)).await.unwrap();
    let ready = report.published.first().expect("VPC Ready").clone();
    assert_eq!(ready.detail()["tagged"], json!(true));
    rig.world.untag(EAST, VPC);
    rig.handler.handle(&delivered(&ready, "ready-lagging")).await.unwrap();
    let (again, _) =
        rig.queue.take_vpc().pop().expect("a new watch: the claim ended with VPC Ready");
    assert_eq!(again.tagged, Some(true));
    assert_eq!(again.chain.attempt, 0);
}

#[tokio::test]
async fn a_vpc_watch_ends_after_its_last_look_or_when_it_starts_in_the_future() {
    use tgw_peering_core::events::VPC_RECHECK_MAX_ATTEMPTS;
    let rig = Rig::new(world(None));
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    let (recheck, _) = rig.queue.take_vpc().pop().unwrap();
    for bad in [
        VpcRecheck {
            chain: Chain { attempt: VPC_RECHECK_MAX_ATTEMPTS, ..recheck.chain.clone() },
            ..recheck.clone()
        },
        VpcRecheck {
            chain: Chain { started_at: system_clock() + 3_600, ..recheck.chain.clone() },
            ..recheck.clone()
        },
    ] {
        let report = rig.handler.handle(&bare(&bad)).await.unwrap();
        assert!(rig.queue.take_vpc().is_empty(), "{bad:?}");
        assert_eq!(report.decisions(Decision::Warning).count(), 1);
    }
}
