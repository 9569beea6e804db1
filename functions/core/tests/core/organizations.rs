//! Workload accounts on the in-memory world (`WORKLOAD_ROLE_NAME`): the hub
//! owns both Regions' transit gateways, workload accounts attach their VPCs
//! to them. Which workload events are accepted, and what an account whose
//! role cannot be assumed leaves as it is.

use crate::support::{fixture, settle, Rig, World};
use serde_json::{json, Value};
use tgw_peering_core::events::VPC_READY;
use tgw_peering_core::handler::Decision;
use tgw_peering_core::{Config, FindingCode};

const E: &str = "us-east-1";
const W: &str = "eu-west-1";
const WORKLOAD: &str = "222222222222";
const OTHER: &str = "333333333333";
const STRANGER: &str = "444444444444";

fn config() -> Config {
    Config::from_lookup(|k| match k {
        "PEERING_REGIONS" => Some(format!("{E},{W}")),
        "WORKLOAD_ROLE_NAME" => Some("tgw-peering-workload-read".to_owned()),
        "ROLE_EXTERNAL_ID" => Some("tgw-peering-test".to_owned()),
        _ => None,
    })
    .unwrap()
}

/// A hub VPC in eu-west-1, a VPC of each workload account in us-east-1
/// (vpc-0b1 of WORKLOAD, vpc-0c1 of OTHER), all tagged, and converged.
async fn organization() -> Rig {
    let world = World::new(&[E, W]);
    world.vpc(W, "vpc-0a1", Some("true"), &["10.1.0.0/16"]);
    world.workload_vpc(E, WORKLOAD, "vpc-0b1", Some("true"), &["10.20.0.0/16"]);
    world.workload_vpc(E, OTHER, "vpc-0c1", Some("true"), &["10.30.0.0/16"]);
    let rig = Rig::with_config(world, config());
    rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    settle(&rig).await;
    rig
}

fn tag_event(account: &str, vpc: &str, id: &str) -> Value {
    let mut e = fixture("tag-change-added.json");
    e["id"] = json!(id);
    e["region"] = json!(E);
    e["account"] = json!(account);
    e["resources"] = json!([format!("arn:aws:ec2:{E}:{account}:vpc/{vpc}")]);
    e
}

fn routes_of(rig: &Rig, r: &str) -> Vec<String> {
    rig.world.routes(r).into_iter().map(|r| r.split(" -> ").next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn workload_vpcs_are_routed_in_the_other_region() {
    let rig = organization().await;
    assert_eq!(routes_of(&rig, W), ["10.20.0.0/16", "10.30.0.0/16"]);
    assert_eq!(routes_of(&rig, E), ["10.1.0.0/16"]);
}

#[tokio::test]
async fn a_workload_accounts_tag_event_for_its_attached_vpc_is_reconciled() {
    let rig = organization().await;
    rig.world.workload_vpc(E, WORKLOAD, "vpc-0b2", Some("true"), &["10.21.0.0/16"]);
    let report = rig.handler.handle(&tag_event(WORKLOAD, "vpc-0b2", "evt-w1")).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 0, "{:?}", report.audit);
    assert_eq!(report.reconciles, 1);
    assert!(routes_of(&rig, W).contains(&"10.21.0.0/16".to_owned()));
}

#[tokio::test]
async fn an_event_from_an_account_that_owns_no_attached_vpc_is_dropped_with_no_write() {
    let rig = organization().await;
    let before = rig.world.writes().len();
    let report = rig.handler.handle(&tag_event(STRANGER, "vpc-0d1", "evt-s1")).await.unwrap();
    let dropped: Vec<_> = report.decisions(Decision::Dropped).collect();
    assert_eq!(dropped.len(), 1, "{:?}", report.audit);
    assert!(dropped[0].reason.contains(STRANGER), "{}", dropped[0].reason);
    assert_eq!(report.reconciles, 0);
    assert_eq!(rig.world.writes().len(), before);
}

#[tokio::test]
async fn a_workload_account_cannot_speak_for_a_vpc_another_account_attached() {
    let rig = organization().await;
    let report = rig.handler.handle(&tag_event(OTHER, "vpc-0b1", "evt-o1")).await.unwrap();
    let dropped: Vec<_> = report.decisions(Decision::Dropped).collect();
    assert_eq!(dropped.len(), 1, "{:?}", report.audit);
    assert!(dropped[0].reason.contains("vpc-0b1"), "{}", dropped[0].reason);
}

#[tokio::test]
async fn without_workload_role_name_a_workload_event_is_dropped_before_any_read() {
    let rig = organization().await;
    let mut config = config();
    config.workload_role_name = None;
    let rig = Rig::with_config(rig.world.clone(), config);
    let reads = rig.world.reads();
    let report = rig.handler.handle(&tag_event(WORKLOAD, "vpc-0b1", "evt-w2")).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 1, "{:?}", report.audit);
    assert_eq!(rig.world.reads(), reads);
}

#[tokio::test]
async fn an_untagged_workload_vpcs_routes_are_withdrawn_through_its_event() {
    let rig = organization().await;
    rig.world.untag(E, "vpc-0b1");
    let mut e = tag_event(WORKLOAD, "vpc-0b1", "evt-w3");
    e["detail"]["changed-tag-keys"] = json!(["addToTransitGateway"]);
    e["detail"]["tags"] = json!({});
    rig.handler.handle(&e).await.unwrap();
    assert_eq!(routes_of(&rig, W), ["10.30.0.0/16"]);
}

#[tokio::test]
async fn a_workload_role_that_cannot_be_assumed_leaves_its_routes_and_the_rest_converges() {
    let rig = organization().await;
    rig.world.deny_role(WORKLOAD, true);
    // Meanwhile: WORKLOAD untags its VPC (unseen), OTHER tags a second one.
    rig.world.untag(E, "vpc-0b1");
    rig.world.workload_vpc(E, OTHER, "vpc-0c2", Some("true"), &["10.31.0.0/16"]);
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(routes_of(&rig, W), ["10.20.0.0/16", "10.30.0.0/16", "10.31.0.0/16"]);
    let held: Vec<_> = report.decisions(Decision::Held).collect();
    assert!(
        held.iter().any(|r| r.code == Some(FindingCode::AccountUnreadable)
            && r.subject.contains("vpc-0b1")
            && r.subject.contains(WORKLOAD)),
        "{:?}",
        report.audit
    );
    // The role works again: the untag is seen and withdrawn.
    rig.world.deny_role(WORKLOAD, false);
    rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(routes_of(&rig, W), ["10.30.0.0/16", "10.31.0.0/16"]);
}

#[tokio::test]
async fn an_attached_vpc_its_owner_does_not_list_holds_the_account_instead_of_withdrawing() {
    let rig = organization().await;
    rig.world.forget_vpc(E, "vpc-0b1");
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(routes_of(&rig, W), ["10.20.0.0/16", "10.30.0.0/16"]);
    let held: Vec<_> = report.decisions(Decision::Held).collect();
    assert!(
        held.iter().any(|r| r.code == Some(FindingCode::AccountUnreadable)
            && r.subject.contains("vpc-0b1")
            && r.subject.contains(WORKLOAD)),
        "{:?}",
        report.audit
    );
}

#[tokio::test]
async fn a_batch_of_workload_events_reads_each_managed_gateway_once() {
    let rig = organization().await;
    let reads = rig.world.reads();
    let events: Vec<Value> = [STRANGER, STRANGER, OTHER]
        .into_iter()
        .enumerate()
        .map(|(i, account)| tag_event(account, "vpc-0d1", &format!("evt-b{i}")))
        .collect();
    let report = rig
        .handler
        .handle(&crate::batches::batch(&events, crate::batches::FIFO_ARN))
        .await
        .unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 3, "{:?}", report.audit);
    // One read of us-east-1's gateways and one of its attachments.
    assert_eq!(rig.world.reads() - reads, 2);
}

#[tokio::test]
async fn an_excluded_account_is_neither_read_nor_held_and_its_events_are_dropped() {
    let rig = organization().await;
    let mut config = config();
    config.excluded_account_ids.insert(tgw_peering_core::domain::AccountId::parse(OTHER).unwrap());
    let rig = Rig::with_config(rig.world.clone(), config);
    // OTHER's role is refused: excluded, it holds nothing, and its VPC,
    // served no more, is withdrawn.
    rig.world.deny_role(OTHER, true);
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(report.decisions(Decision::Held).count(), 0, "{:?}", report.audit);
    assert_eq!(routes_of(&rig, W), ["10.20.0.0/16"]);
    let report = rig.handler.handle(&tag_event(OTHER, "vpc-0c1", "evt-x1")).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 1, "{:?}", report.audit);
}

#[tokio::test]
async fn an_account_whose_attachments_are_all_deleted_is_not_read_and_holds_nothing() {
    let rig = organization().await;
    // OTHER deleted its only attachment (still listed, `deleted`), and its
    // role no longer works: not read, nothing held, its route withdrawn.
    rig.world.deny_role(OTHER, true);
    rig.world.set_attachment_state(E, "vpc-0c1", "deleted");
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(report.decisions(Decision::Held).count(), 0, "{:?}", report.audit);
    assert_eq!(routes_of(&rig, W), ["10.20.0.0/16"]);
}

#[tokio::test]
async fn a_workload_vpc_is_watched_through_its_owners_role_until_ready_or_refused() {
    let rig = organization().await;
    // The tag event arrives before B's own read shows the tag.
    rig.world.workload_vpc(E, WORKLOAD, "vpc-0b3", None, &["10.23.0.0/16"]);
    rig.handler.handle(&tag_event(WORKLOAD, "vpc-0b3", "evt-l1")).await.unwrap();
    let (recheck, _) = rig.queue.take_vpc().pop().expect("a watch of the workload VPC");
    let look = serde_json::to_value(&recheck).unwrap();
    // Read through B's role: not tagged yet, the next look.
    rig.handler.handle(&look).await.unwrap();
    assert_eq!(rig.queue.take_vpc().len(), 1, "looked at again");
    // Tagged now: VPC Ready.
    rig.world.tag(E, "vpc-0b3");
    let report = rig.handler.handle(&look).await.unwrap();
    assert_eq!(report.published.first().map(|e| e.detail_type()), Some(VPC_READY));
    // B's role refused: the watch ends with a warning, no retry, no next look.
    rig.world.deny_role(WORKLOAD, true);
    let report = rig.handler.handle(&look).await.unwrap();
    let ended: Vec<_> = report.decisions(Decision::Warning).collect();
    assert!(ended.iter().any(|r| r.kind == "vpc_wait_given_up"), "{:?}", report.audit);
    assert!(rig.queue.take_vpc().is_empty());
}

#[tokio::test]
async fn a_vpc_shared_into_the_network_account_is_no_proof_of_an_untag() {
    // B's VPC is also shared into the network account (VPC sharing), whose
    // own read lists it without B's tags; B's role is refused. The untagged
    // copy must not stand in as proof: the route stays, held (by the
    // ledger, with the attachment's propagation off).
    let rig = organization().await;
    rig.world.share_vpc("vpc-0b1");
    rig.world.unpropagate(E, "10.20.0.0/16");
    rig.world.deny_role(WORKLOAD, true);
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    assert_eq!(routes_of(&rig, W), ["10.20.0.0/16", "10.30.0.0/16"]);
    assert!(report.decisions(Decision::Held).count() > 0, "{:?}", report.audit);
}
