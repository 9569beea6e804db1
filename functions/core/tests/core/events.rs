//! Parsing every input kind from AWS-shaped fixtures, and their near misses.

use crate::support::fixture;
use serde_json::{json, Value};
use tgw_peering_core::events::{parse, Call, CallFamily, Incoming, Trigger};
use tgw_peering_core::Error;

const TAG_KEY: &str = "addToTransitGateway";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";
const ATTACHMENT: &str = "tgw-attach-0c0c0c0c0c0c0c0c3";

fn one(name: &str) -> Incoming {
    let mut parsed = parse(&fixture(name), TAG_KEY).unwrap();
    assert_eq!(parsed.len(), 1, "{name}");
    parsed.remove(0)
}

fn refused(payload: &Value) -> String {
    match parse(payload, TAG_KEY) {
        Err(e @ Error::Input(_)) => e.to_string(),
        other => panic!("expected a permanent input error, got {other:?}"),
    }
}

fn vpc_change(i: &Incoming) -> (Option<&str>, String) {
    match &i.trigger {
        Trigger::Vpc { vpc_id, change, .. } => {
            (vpc_id.as_ref().map(|v| v.as_str()), change.to_string())
        }
        other => panic!("expected a VPC trigger, got {other:?}"),
    }
}

fn peering_change(i: &Incoming) -> (Option<&str>, String) {
    match &i.trigger {
        Trigger::Peering { attachment_id, change } => {
            (attachment_id.as_ref().map(|a| a.as_str()), change.to_string())
        }
        other => panic!("expected a peering trigger, got {other:?}"),
    }
}

#[test]
fn a_tag_added_to_a_vpc_points_at_that_vpc_in_its_region_and_account() {
    let i = one("tag-change-added.json");
    assert_eq!(i.id, fixture("tag-change-added.json")["id"]);
    assert_eq!(i.region.as_ref().unwrap().as_str(), "us-east-1");
    assert_eq!(i.account.as_ref().unwrap().as_str(), "123456789012");
    assert_eq!(vpc_change(&i), (Some(VPC), "addToTransitGateway=true".to_owned()));
}

#[test]
fn a_removed_tag_is_a_vpc_change_that_says_removed() {
    let i = one("tag-change-removed.json");
    assert_eq!(vpc_change(&i), (Some(VPC), "addToTransitGateway removed".to_owned()));
}

#[test]
fn a_change_of_another_tag_key_is_ignored_with_a_reason() {
    let i = one("tag-change-other-key.json");
    match i.trigger {
        Trigger::Ignore { reason } => assert!(reason.contains(TAG_KEY), "{reason}"),
        other => panic!("expected Ignore, got {other:?}"),
    }
}

#[test]
fn a_configured_tag_key_other_than_the_default_is_honoured() {
    let mut e = fixture("tag-change-other-key.json");
    e["detail"]["changed-tag-keys"] = json!(["Owner"]);
    let parsed = parse(&e, "Owner").unwrap();
    assert!(matches!(parsed[0].trigger, Trigger::Vpc { .. }));
}

#[test]
fn every_vpc_cloudtrail_call_finds_its_vpc() {
    for (file, call) in [
        ("cloudtrail-create-vpc.json", "CreateVpc"),
        ("cloudtrail-delete-vpc.json", "DeleteVpc"),
        ("cloudtrail-associate-vpc-cidr-block.json", "AssociateVpcCidrBlock"),
        ("cloudtrail-disassociate-vpc-cidr-block.json", "DisassociateVpcCidrBlock"),
    ] {
        let i = one(file);
        assert_eq!(vpc_change(&i), (Some(VPC), call.to_owned()), "{file}");
        assert_eq!(i.region.as_ref().unwrap().as_str(), "us-east-1", "{file}");
    }
}

#[test]
fn every_peering_cloudtrail_call_finds_its_attachment_and_region() {
    for (file, call, region) in [
        (
            "cloudtrail-create-tgw-peering.json",
            "CreateTransitGatewayPeeringAttachment",
            "us-east-1",
        ),
        (
            "cloudtrail-accept-tgw-peering.json",
            "AcceptTransitGatewayPeeringAttachment",
            "eu-west-1",
        ),
        (
            "cloudtrail-delete-tgw-peering.json",
            "DeleteTransitGatewayPeeringAttachment",
            "us-east-1",
        ),
    ] {
        let i = one(file);
        assert_eq!(peering_change(&i), (Some(ATTACHMENT), call.to_owned()), "{file}");
        assert_eq!(i.region.as_ref().unwrap().as_str(), region, "{file}");
        let Trigger::Peering { change, .. } = &i.trigger else { unreachable!() };
        assert_eq!(change.call().map(Call::family), Some(CallFamily::Peering), "{file}");
    }
}

#[test]
fn the_scheduled_event_is_a_full_reconcile_of_no_particular_region() {
    let i = one("scheduled-event.json");
    assert_eq!(i.trigger, Trigger::Scheduled);
    assert!(i.region.is_none(), "the hub's Region need not be managed");
}

#[test]
fn the_state_change_event_is_scoped_to_the_requesters_region() {
    let i = one("state-change.json");
    assert_eq!(
        peering_change(&i),
        (Some(ATTACHMENT), "initiatingRequest -> pendingAcceptance".to_owned())
    );
    assert_eq!(i.region.as_ref().unwrap().as_str(), "us-east-1");
}

#[test]
fn a_ready_gateway_is_a_network_change_of_the_region_it_names() {
    let i = one("transit-gateway-ready.json");
    assert!(i.from_tool);
    assert_eq!(i.region.as_ref().unwrap().as_str(), "eu-west-1");
    assert!(
        matches!(&i.trigger, Trigger::GatewayReady { change } if change.contains("available after 40s"))
    );
}

#[test]
fn a_bare_gateway_recheck_request_is_a_gateway_recheck() {
    let bare = json!({
        "region": "eu-west-1", "transit-gateway-id": "tgw-0b1c2d3e4f5a6b7c8",
        "route-table-id": "tgw-rtb-0c1d2e3f4a5b6c7d8", "started-at": 1, "attempt": 2,
        "origin-event-id": "e-1"
    });
    let parsed = parse(&bare, TAG_KEY).unwrap();
    let Trigger::GatewayRecheck(r) = &parsed[0].trigger else {
        panic!("expected a gateway re-check, got {:?}", parsed[0].trigger);
    };
    assert_eq!((r.chain.attempt, r.route_table_id.as_str()), (2, "tgw-rtb-0c1d2e3f4a5b6c7d8"));
    assert_eq!(parsed[0].id, "e-1");
}

#[test]
fn an_sqs_batch_yields_one_recheck_per_message() {
    let i = one("sqs-recheck.json");
    let Trigger::Recheck(r) = &i.trigger else {
        panic!("expected a re-check, got {:?}", i.trigger);
    };
    assert_eq!(r.attachment_id.as_str(), ATTACHMENT);
    assert_eq!(r.last_requester_state.as_ref().map(|s| s.as_str()), Some("initiatingRequest"));
    assert_eq!(r.chain.attempt, 0);
    assert_eq!(i.id, fixture("sqs-recheck.json")["Records"][0]["messageId"]);
}

#[test]
fn a_bare_recheck_request_is_accepted_for_the_cli() {
    let body = fixture("sqs-recheck.json")["Records"][0]["body"].as_str().unwrap().to_owned();
    let bare: Value = serde_json::from_str(&body).unwrap();
    let parsed = parse(&bare, TAG_KEY).unwrap();
    assert!(matches!(parsed[0].trigger, Trigger::Recheck(_)));
}

// Near misses.

#[test]
fn a_wrong_source_is_refused_with_the_source_named() {
    for file in [
        "tag-change-added.json",
        "cloudtrail-create-vpc.json",
        "scheduled-event.json",
        "state-change.json",
    ] {
        let mut e = fixture(file);
        e["source"] = json!("aws.s3");
        let msg = refused(&e);
        assert!(msg.contains("aws.s3"), "{file}: {msg}");
    }
}

#[test]
fn a_cloudtrail_event_from_another_service_is_refused() {
    let mut e = fixture("cloudtrail-create-vpc.json");
    e["detail"]["eventSource"] = json!("s3.amazonaws.com");
    assert!(refused(&e).contains("s3.amazonaws.com"));
}

#[test]
fn an_unsupported_cloudtrail_call_is_refused_by_name() {
    let mut e = fixture("cloudtrail-create-vpc.json");
    e["detail"]["eventName"] = json!("RunInstances");
    assert!(refused(&e).contains("RunInstances"));
}

#[test]
fn a_missing_key_is_refused_and_named() {
    let cases: [(&str, &[&str], &str); 7] = [
        ("tag-change-added.json", &["detail", "changed-tag-keys"], "changed-tag-keys"),
        ("tag-change-added.json", &["detail", "resource-type"], "resource-type"),
        ("tag-change-added.json", &["id"], "no id"),
        ("tag-change-added.json", &["account"], "no account"),
        ("cloudtrail-create-vpc.json", &["detail", "eventName"], "eventName"),
        ("state-change.json", &["detail", "attachment-id"], "attachment-id"),
        ("tag-change-added.json", &["detail-type"], "detail-type"),
    ];
    for (file, path, key) in cases {
        let mut e = fixture(file);
        let (last, parents) = path.split_last().unwrap();
        let mut node = &mut e;
        for p in parents {
            node = &mut node[*p];
        }
        node.as_object_mut().unwrap().remove(*last);
        let msg = refused(&e);
        assert!(msg.contains(key), "{file} without {key}: {msg}");
    }
}

#[test]
fn a_tag_change_on_something_other_than_a_vpc_is_refused() {
    let mut e = fixture("tag-change-added.json");
    e["detail"]["resource-type"] = json!("instance");
    e["resources"] = json!(["arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"]);
    assert!(refused(&e).contains("instance"));

    let mut e = fixture("tag-change-added.json");
    e["resources"] = json!(["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0abc"]);
    assert!(refused(&e).contains("not a VPC ARN"));

    let mut e = fixture("tag-change-added.json");
    e["resources"] = json!([]);
    assert!(refused(&e).contains("one VPC ARN"));
}

#[test]
fn a_state_change_with_a_bad_id_is_refused_and_a_newer_field_tolerated() {
    let mut e = fixture("state-change.json");
    e["detail"]["colour"] = json!("blue");
    assert!(parse(&e, TAG_KEY).is_ok(), "a newer publisher may add fields");

    let mut e = fixture("state-change.json");
    e["detail"]["attachment-id"] = json!("vpc-0abc");
    refused(&e);
}

#[test]
fn an_event_with_a_malformed_account_or_region_is_refused() {
    let mut e = fixture("scheduled-event.json");
    e["account"] = json!("12345");
    refused(&e);
    let mut e = fixture("tag-change-added.json");
    e["resources"] = json!(["arn:aws:ec2:Not_A_Region:123456789012:vpc/vpc-0abc"]);
    refused(&e);
}

#[test]
fn the_state_change_names_both_regions_for_the_scope_check() {
    let i = one("state-change.json");
    assert_eq!(i.peer_region.unwrap().as_str(), "eu-west-1");
}

#[test]
fn a_cloudtrail_record_of_another_account_than_its_envelope_is_refused() {
    let mut e = fixture("cloudtrail-delete-vpc.json");
    e["detail"]["recipientAccountId"] = json!("210987654321");
    assert!(refused(&e).contains("recipientAccountId"));
}

#[test]
fn the_tools_own_events_may_come_without_an_account() {
    let mut e = fixture("state-change.json");
    e.as_object_mut().unwrap().remove("account");
    assert!(parse(&e, TAG_KEY).is_ok());
}

#[test]
fn a_non_recheck_sqs_message_is_reported_alone() {
    let mut e = fixture("sqs-recheck.json");
    e["Records"][0]["body"] = json!("{\"hello\": 1}");
    let parsed = parse(&e, TAG_KEY).unwrap();
    assert!(matches!(parsed[0].trigger, Trigger::Invalid { .. }));
}

#[test]
fn payloads_that_are_no_event_at_all_are_refused() {
    for payload in [
        json!(null),
        json!(42),
        json!("Tag Change on Resource"),
        json!({}),
        json!({"Records": "none"}),
    ] {
        refused(&payload);
    }
}

/// Tag values that tag, and values that do not, on every path.
const TAGGING: &[&str] = &["true", " true", "true ", "TRUE", "True\t", "\ttRuE "];
const NOT_TAGGING: &[&str] = &["", "yes", "true1", "t rue", "false", "1"];

fn tag_change_with(name: &str, value: &str) -> Value {
    let mut event = fixture(name);
    event["detail"]["tags"][TAG_KEY] = json!(value);
    event
}

fn create_tags_with(value: &str) -> Value {
    let mut event = fixture("cloudtrail-create-tags-web-identity.json");
    event["detail"]["requestParameters"]["tagSet"]["items"][0]["value"] = json!(value);
    event
}

fn tagged(payload: &Value) -> Option<bool> {
    let mut parsed = parse(payload, TAG_KEY).unwrap();
    match parsed.remove(0).trigger {
        Trigger::Vpc { tagged, .. } => tagged,
        other => panic!("expected a VPC trigger, got {other:?}"),
    }
}

#[test]
fn one_tag_rule_holds_for_padded_and_mixed_case_values_on_every_path() {
    use crate::planner::{creates, peered, E, W};
    use crate::support::scenario_vpc as vpc_of;
    for (values, expected) in [(TAGGING, true), (NOT_TAGGING, false)] {
        for value in values {
            let why = format!("{value:?} should tag: {expected}");
            let event = tag_change_with("tag-change-added.json", value);
            assert_eq!(tagged(&event), Some(expected), "tag event: {why}");
            let event = tag_change_with("tag-change-spoke-account.json", value);
            assert_eq!(tagged(&event), Some(expected), "a workload account's tag event: {why}");
            assert_eq!(tagged(&create_tags_with(value)), Some(expected), "CreateTags: {why}");
            let vpc = vpc_of("vpc-0a1b2c3d4e5f60718", Some(value), &["10.9.0.0/16"]);
            assert_eq!(vpc.is_tagged(TAG_KEY), expected, "the read: {why}");
            // A workload account's VPC, as read through its role, planned.
            let plan = peered()
                .workload_vpc(
                    E,
                    "222222222222",
                    "vpc-0workload000001",
                    Some(value),
                    &["10.9.0.0/16"],
                )
                .plan();
            let advertised = creates(&plan).iter().any(|(r, c, _)| r == W && c == "10.9.0.0/16");
            assert_eq!(advertised, expected, "the workload path: {why}");
        }
    }
}
