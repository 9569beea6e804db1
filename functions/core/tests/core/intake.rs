//! Real event shapes: CloudTrail records of every caller identity,
//! `CreateTags`/`DeleteTags`, failed calls, the tool's own calls, and
//! Network Manager events in both key styles.

use crate::support::{fixture, Rig, World};
use serde_json::{json, Value};
use tgw_peering_core::domain::RoleArn;
use tgw_peering_core::events::{parse, Incoming, Trigger};
use tgw_peering_core::handler::Decision;

const TAG_KEY: &str = "addToTransitGateway";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";
const ATTACHMENT: &str = "tgw-attach-0c0c0c0c0c0c0c0c3";

fn one(payload: &Value) -> Incoming {
    let mut parsed = parse(payload, TAG_KEY).unwrap();
    assert_eq!(parsed.len(), 1);
    parsed.remove(0)
}

fn vpc_change(i: &Incoming) -> (Option<String>, String) {
    match &i.trigger {
        Trigger::Vpc { vpc_id, change, .. } => {
            (vpc_id.as_ref().map(|v| v.to_string()), change.to_string())
        }
        other => panic!("expected a VPC trigger, got {other:?}"),
    }
}

fn ignored(i: &Incoming) -> String {
    match &i.trigger {
        Trigger::Ignore { reason } => reason.clone(),
        other => panic!("expected Ignore, got {other:?}"),
    }
}

#[test]
fn a_record_of_every_caller_identity_is_read_whatever_its_session_details() {
    let cases = [
        (
            "cloudtrail-create-vpc-iam-user.json",
            "CreateVpc",
            "arn:aws:iam::123456789012:user/terraform-ci",
        ),
        (
            "cloudtrail-delete-tags-console-user.json",
            "DeleteTags addToTransitGateway",
            "arn:aws:iam::123456789012:user/bob",
        ),
        (
            "cloudtrail-associate-vpc-cidr-block-root.json",
            "AssociateVpcCidrBlock",
            "arn:aws:iam::123456789012:root",
        ),
        (
            "cloudtrail-create-tags-web-identity.json",
            "CreateTags addToTransitGateway=true",
            "arn:aws:iam::123456789012:role/github-actions-network",
        ),
    ];
    for (file, change, caller) in cases {
        let i = one(&fixture(file));
        assert_eq!(i.region.as_ref().unwrap().as_str(), "us-east-1", "{file}");
        assert_eq!(i.account.as_ref().unwrap().as_str(), "123456789012", "{file}");
        assert_eq!(i.caller.as_ref().map(|c| c.arn.as_str()), Some(caller), "{file}");
        let (vpc, got) = vpc_change(&i);
        assert_eq!(vpc.as_deref(), Some(VPC), "{file}");
        assert_eq!(got, change, "{file}");
    }
}

#[test]
fn a_tag_event_says_which_tag_state_it_announces() {
    let tagged = |name: &str| match one(&fixture(name)).trigger {
        Trigger::Vpc { tagged, .. } => tagged,
        other => panic!("{name}: expected a VPC trigger, got {other:?}"),
    };
    assert_eq!(tagged("tag-change-added.json"), Some(true));
    assert_eq!(tagged("tag-change-removed.json"), Some(false));
    assert_eq!(tagged("cloudtrail-create-tags-web-identity.json"), Some(true));
    assert_eq!(tagged("cloudtrail-delete-tags-console-user.json"), Some(false));
    assert_eq!(tagged("cloudtrail-create-vpc.json"), None, "not a tag event");
    let mut e = fixture("tag-change-added.json");
    e["detail"]["tags"]["addToTransitGateway"] = json!("TRUE");
    assert!(matches!(one(&e).trigger, Trigger::Vpc { tagged: Some(true), .. }), "any case");
    e["detail"]["tags"]["addToTransitGateway"] = json!("yes");
    assert!(matches!(one(&e).trigger, Trigger::Vpc { tagged: Some(false), .. }));
}

#[test]
fn a_call_made_by_an_aws_service_has_no_caller_arn_and_is_still_a_trigger() {
    let i = one(&fixture("cloudtrail-create-tags-aws-service.json"));
    assert_eq!(i.caller, None);
    assert_eq!(vpc_change(&i).1, "CreateTags addToTransitGateway=true");
}

#[test]
fn a_failed_call_is_ignored_and_says_why() {
    let i = one(&fixture("cloudtrail-failed-create-tags.json"));
    let reason = ignored(&i);
    assert!(reason.contains("Client.UnauthorizedOperation"), "{reason}");
}

#[test]
fn a_tag_call_on_no_vpc_or_on_other_keys_is_ignored() {
    let mut e = fixture("cloudtrail-create-tags-web-identity.json");
    e["detail"]["requestParameters"]["resourcesSet"]["items"] =
        json!([{"resourceId": "i-0abc1234def567890"}, {"resourceId": "vpce-0abc1234def567890"}]);
    assert!(ignored(&one(&e)).contains("no VPC"));

    let mut e = fixture("cloudtrail-create-tags-web-identity.json");
    e["detail"]["requestParameters"]["tagSet"]["items"] =
        json!([{"key": "addtotransitgateway", "value": "true"}]);
    assert!(ignored(&one(&e)).contains(TAG_KEY), "tag keys are case-sensitive");

    let mut e = fixture("cloudtrail-create-tags-web-identity.json");
    e["detail"]["requestParameters"] = json!({});
    ignored(&one(&e));
}

#[test]
fn a_record_with_fields_missing_that_the_tool_does_not_read_is_accepted() {
    let mut e = fixture("cloudtrail-delete-vpc.json");
    let detail = e["detail"].as_object_mut().unwrap();
    for key in
        ["userIdentity", "requestID", "eventID", "eventType", "eventVersion", "responseElements"]
    {
        detail.remove(key);
    }
    let i = one(&e);
    assert_eq!(i.caller, None);
    assert_eq!(vpc_change(&i).0.as_deref(), Some(VPC));
}

#[test]
fn a_topology_change_takes_its_region_from_the_detail_not_the_envelope() {
    let i = one(&fixture("networkmanager-peering-deleted.json"));
    assert_eq!(i.region.as_ref().unwrap().as_str(), "eu-west-1");
    assert_eq!(i.account.as_ref().unwrap().as_str(), "123456789012");
    match &i.trigger {
        Trigger::Peering { attachment_id, change } => {
            assert_eq!(attachment_id.as_ref().unwrap().as_str(), ATTACHMENT);
            assert_eq!(change.to_string(), "Network Manager TGW-PEERING-DELETED");
        }
        other => panic!("expected a peering trigger, got {other:?}"),
    }
}

#[test]
fn a_routing_update_in_kebab_case_is_read_and_an_installed_route_ignored() {
    let i = one(&fixture("networkmanager-route-uninstalled.json"));
    assert_eq!(i.region.as_ref().unwrap().as_str(), "us-east-1");
    assert_eq!(
        i.trigger,
        Trigger::Network { change: "Network Manager TGW-ROUTE-UNINSTALLED".into() }
    );
    let mut e = fixture("networkmanager-route-uninstalled.json");
    e["detail"]["change-type"] = json!("TGW-ROUTE-INSTALLED");
    assert!(ignored(&one(&e)).contains("TGW-ROUTE-INSTALLED"));
}

#[test]
fn a_network_manager_event_without_a_region_is_refused() {
    let mut e = fixture("networkmanager-peering-deleted.json");
    e["detail"].as_object_mut().unwrap().remove("region");
    let err = parse(&e, TAG_KEY).unwrap_err().to_string();
    assert!(err.contains("detail.region"), "{err}");
}

// Through the handler.

fn tagged_world() -> World {
    let world = World::new(&["us-east-1", "eu-west-1"]);
    world.vpc("us-east-1", VPC, Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    world
}

#[tokio::test]
async fn a_failed_call_is_audited_and_reads_nothing() {
    let rig = Rig::new(tagged_world());
    let report = rig.handler.handle(&fixture("cloudtrail-failed-create-tags.json")).await.unwrap();
    assert_eq!(rig.world.reads(), 0);
    assert!(rig.world.writes().is_empty());
    assert_eq!(report.decisions(Decision::Skip).count(), 1, "{:?}", report.audit);
}

#[tokio::test]
async fn a_create_tags_record_on_a_vpc_starts_a_reconcile() {
    let rig = Rig::new(tagged_world());
    rig.handler.handle(&fixture("cloudtrail-create-tags-web-identity.json")).await.unwrap();
    assert_eq!(rig.world.peerings().len(), 1, "the peering is requested");
}

#[tokio::test]
async fn the_tools_own_calls_start_no_reconcile() {
    let world = tagged_world();
    let mut config = world.config();
    config.tool_role_arns =
        vec![RoleArn::parse("arn:aws:iam::123456789012:role/tgw-peering-reconciler").unwrap()];
    let rig = Rig::with_config(world, config);
    let report = rig.handler.handle(&fixture("cloudtrail-create-tgw-peering.json")).await.unwrap();
    assert_eq!(rig.world.reads(), 0);
    let skip: Vec<_> = report.decisions(Decision::Skip).collect();
    assert_eq!(skip.len(), 1);
    assert_eq!(skip[0].kind, "own_call");

    // Someone else's call of the same kind is looked at.
    rig.handler.handle(&fixture("cloudtrail-delete-tgw-peering.json")).await.unwrap();
    assert!(rig.world.reads() > 0);
}

#[tokio::test]
async fn a_network_manager_event_of_a_managed_region_reconciles_and_others_are_dropped() {
    let rig = Rig::new(tagged_world());
    rig.handler.handle(&fixture("networkmanager-route-uninstalled.json")).await.unwrap();
    assert_eq!(rig.world.peerings().len(), 1);

    let rig = Rig::new(tagged_world());
    let mut e = fixture("networkmanager-peering-deleted.json");
    e["detail"]["region"] = json!("ap-south-1");
    let report = rig.handler.handle(&e).await.unwrap();
    assert_eq!(report.decisions(Decision::Dropped).count(), 1);
    assert_eq!(rig.world.reads(), 0);
}
