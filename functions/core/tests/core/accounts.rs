//! Transit gateways in other accounts (`ACCOUNT_ROLE_ARNS`) on the in-memory
//! world: which account's events are accepted for which Region, and the
//! event chain from a spoke account's tag to routes on both sides.

use crate::support::{fixture, settle, Rig, World, ACCOUNT};
use serde_json::{json, Value};
use tgw_peering_core::domain::PeeringState;
use tgw_peering_core::handler::Decision;
use tgw_peering_core::Config;

const HUB: &str = "us-east-1";
const SPOKE: &str = "eu-west-1";
const SPOKE_ACCOUNT: &str = "111111111111";
const SPOKE_ROLE: &str = "arn:aws:iam::111111111111:role/tgw-peering-spoke";
/// The spoke's VPC of `tag-change-spoke-account.json`.
const SPOKE_VPC: &str = "vpc-0f1e2d3c4b5a69788";
const HUB_VPC: &str = "vpc-0a1b2c3d4e5f60718";

fn config(roles: &str) -> Config {
    Config::from_lookup(|k| match k {
        "PEERING_REGIONS" => Some(format!("{HUB},{SPOKE}")),
        "ACCOUNT_ROLE_ARNS" => Some(roles.to_owned()),
        _ => None,
    })
    .unwrap()
}

/// us-east-1 in the hub's account, eu-west-1 in the spoke account through
/// its role; a tagged VPC on each side.
fn two_accounts() -> Rig {
    let world = World::new(&[HUB, SPOKE]);
    world.owned_by(SPOKE, SPOKE_ACCOUNT);
    world.vpc(HUB, HUB_VPC, Some("true"), &["10.20.0.0/16"]);
    world.vpc(SPOKE, SPOKE_VPC, Some("true"), &["10.30.0.0/16"]);
    Rig::with_config(world, config(&format!("{SPOKE}={SPOKE_ROLE}")))
}

fn tag_event(r: &str, account: &str, vpc: &str, id: &str) -> Value {
    let mut e = fixture("tag-change-added.json");
    e["id"] = json!(id);
    e["region"] = json!(r);
    e["account"] = json!(account);
    e["resources"] = json!([format!("arn:aws:ec2:{r}:{account}:vpc/{vpc}")]);
    e
}

#[tokio::test]
async fn a_tag_event_from_the_spoke_account_is_handled_for_its_region() {
    let rig = two_accounts();
    let report = rig.handler.handle(&fixture("tag-change-spoke-account.json")).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 0, "{:?}", report.audit);
    assert_eq!(rig.world.peerings().len(), 1);
    // PeerAccountId: the accepter gateway's owner, read in its Region.
    assert_eq!(rig.world.peer_accounts()[0].as_ref().unwrap().as_str(), SPOKE_ACCOUNT);
}

#[tokio::test]
async fn events_alone_carry_a_spoke_tag_to_routes_in_both_accounts() {
    let rig = two_accounts();
    rig.handler.handle(&fixture("tag-change-spoke-account.json")).await.unwrap();
    settle(&rig).await;
    let peerings = rig.world.peerings();
    assert_eq!(peerings.len(), 1);
    assert_eq!(peerings[0].1, PeeringState::Available);
    let a = peerings[0].0.to_string();
    assert_eq!(rig.world.routes(HUB), [format!("10.30.0.0/16 -> {a}")]);
    assert_eq!(rig.world.routes(SPOKE), [format!("10.20.0.0/16 -> {a}")]);
    let accepts: Vec<String> =
        rig.world.writes().into_iter().filter(|w| w.starts_with("accept")).collect();
    assert_eq!(accepts, [format!("accept {SPOKE} {a}")], "with the spoke's clients");
}

#[tokio::test]
async fn a_hub_account_event_for_a_spoke_region_is_dropped_naming_both_accounts() {
    let rig = two_accounts();
    let reason = dropped(&rig, tag_event(SPOKE, ACCOUNT, SPOKE_VPC, "evt-hub-for-spoke")).await;
    assert!(reason.contains("ACCOUNT_ROLE_ARNS"), "{reason}");
    assert!(rig.world.writes().is_empty());
}

#[tokio::test]
async fn a_spoke_account_event_for_the_hub_region_is_dropped_naming_both_accounts() {
    let rig = two_accounts();
    dropped(&rig, tag_event(HUB, SPOKE_ACCOUNT, HUB_VPC, "evt-spoke-for-hub")).await;
}

/// Handles `event`, which must be dropped before any read, with a reason
/// naming both accounts; returns the reason.
async fn dropped(rig: &Rig, event: Value) -> String {
    let report = rig.handler.handle(&event).await.unwrap();
    let dropped: Vec<_> = report.decisions(Decision::Dropped).collect();
    assert_eq!(dropped.len(), 1);
    let reason = dropped[0].reason.clone();
    assert!(reason.contains(ACCOUNT) && reason.contains(SPOKE_ACCOUNT), "{reason}");
    assert_eq!(rig.world.reads(), 0);
    reason
}

#[tokio::test]
async fn a_third_account_is_dropped_for_every_region() {
    let rig = two_accounts();
    for (i, r) in [HUB, SPOKE].into_iter().enumerate() {
        let report = rig
            .handler
            .handle(&tag_event(r, "222222222222", SPOKE_VPC, &format!("evt-{i}")))
            .await
            .unwrap();
        assert_eq!(report.decisions(Decision::Dropped).count(), 1, "{r}");
    }
    assert_eq!(rig.world.reads(), 0);
}

#[tokio::test]
async fn the_tools_own_state_changes_come_from_the_hub_account_whatever_their_regions() {
    let rig = two_accounts();
    let mut e = fixture("state-change.json");
    // The requester is the spoke: still the hub's event.
    e["detail"]["requester-region"] = json!(SPOKE);
    e["detail"]["accepter-region"] = json!(HUB);
    let report = rig.handler.handle(&e).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 0, "{:?}", report.audit);
    // The same event put by the spoke account is not the tool's.
    e["account"] = json!(SPOKE_ACCOUNT);
    e["id"] = json!("evt-forged");
    let report = rig.handler.handle(&e).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 1, "{:?}", report.audit);
}

#[tokio::test]
async fn the_schedule_comes_from_the_hub_account() {
    let rig = two_accounts();
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 0, "{:?}", report.audit);
    let mut e = fixture("scheduled-event.json");
    e["account"] = json!(SPOKE_ACCOUNT);
    let report = rig.handler.handle(&e).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 1);
}

#[tokio::test]
async fn without_roles_only_the_hub_account_is_accepted() {
    let world = World::new(&[HUB, SPOKE]);
    world.vpc(SPOKE, SPOKE_VPC, Some("true"), &["10.30.0.0/16"]);
    let rig = Rig::new(world);
    let report = rig.handler.handle(&fixture("tag-change-spoke-account.json")).await.unwrap();
    let dropped: Vec<_> = report.decisions(Decision::Dropped).collect();
    assert_eq!(dropped.len(), 1);
    assert!(dropped[0].reason.contains("no role"), "{:?}", dropped[0]);
    let report =
        rig.handler.handle(&tag_event(SPOKE, ACCOUNT, SPOKE_VPC, "evt-hub")).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 0);
}
