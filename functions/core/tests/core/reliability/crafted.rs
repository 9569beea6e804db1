//! Crafted re-check requests and named bad inputs.

use super::*;
use tgw_peering_core::events::Chain;

// --- Crafted re-check requests ---------------------------------------------

/// A valid re-check request with any content, and the peering it finds.
#[derive(Debug, Clone)]
pub(super) struct Crafted {
    /// Another attachment than the world's peering.
    pub(super) other_attachment: Option<String>,
    pub(super) region: &'static str,
    pub(super) last: (Option<&'static str>, Option<&'static str>),
    pub(super) started_at: i64,
    pub(super) attempt: u32,
    /// Each side's state (`None`: the side does not list the peering).
    pub(super) sides: (Option<&'static str>, Option<&'static str>),
}

pub(super) fn crafted_recheck() -> impl Strategy<Value = Crafted> {
    let state = || {
        prop::option::of(select(vec![
            "initiatingRequest",
            "pendingAcceptance",
            "pending",
            "available",
            "modifying",
            "deleted",
            "rejected",
            "somethingNew",
        ]))
    };
    let attempt = prop_oneof![0..=RECHECK_MAX_ATTEMPTS + 1, any::<u32>()];
    let started_at = prop_oneof![Just(T0), T0 - 3_600..T0 + 3_600, any::<i64>()];
    (
        prop::option::weighted(0.2, "tgw-attach-[0-9a-z]{1,20}"),
        select(MANAGED.to_vec()),
        (state(), state()),
        started_at,
        attempt,
        (state(), state()),
    )
        .prop_map(|(other_attachment, region, last, started_at, attempt, sides)| Crafted {
            other_attachment,
            region,
            last,
            started_at,
            attempt,
            sides,
        })
}

pub(super) const CRAFTED_CASES: u32 = 1_000;

#[test]
fn a_crafted_recheck_never_writes_and_its_chain_ends_within_forty_rechecks() {
    let tally = RefCell::new(Tally::default());
    check_property(
        "crafted re-checks",
        proptest_config(CRAFTED_CASES, 7),
        crafted_recheck(),
        |c| {
            // A requested peering, then each side moved as the case says.
            let mut rig = needy_rig();
            rig.handler.clock = simulated_clock;
            NOW.with(|now| now.set(T0));
            block_on(rig.handler.handle(&fixture("tag-change-added.json"))).unwrap();
            rig.bus.take();
            rig.queue.take();
            let (east, west) = c.sides;
            rig.world.set_side_state("us-east-1", east.map(PeeringState::parse));
            rig.world.set_side_state("eu-west-1", west.map(PeeringState::parse));
            let writes = rig.world.writes().len();
            let attachment = match &c.other_attachment {
                Some(id) => AttachmentId::parse(id).unwrap(),
                None => rig.world.peerings()[0].0.clone(),
            };
            let mut next = Some(Recheck {
                attachment_id: attachment,
                region: crate::support::region(c.region),
                last_requester_state: c.last.0.map(PeeringState::parse),
                last_accepter_state: c.last.1.map(PeeringState::parse),
                chain: Chain {
                    started_at: c.started_at,
                    attempt: c.attempt,
                    origin_event_id: "evt-crafted".into(),
                },
            });
            let mut chain = 0;
            while let Some(recheck) = next.take() {
                chain += 1;
                prop_assert!(chain <= RECHECK_MAX_ATTEMPTS as usize + 1, "endless chain");
                block_on(rig.handler.handle(&sqs_batch(std::slice::from_ref(&recheck))))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let queued = rig.queue.take();
                prop_assert!(queued.len() <= 1, "{} follow-ups", queued.len());
                if let Some((follow_up, _)) = queued.into_iter().next() {
                    prop_assert_eq!(
                        follow_up.chain.attempt,
                        recheck.chain.attempt.saturating_add(1)
                    );
                    prop_assert!(follow_up.chain.attempt < RECHECK_MAX_ATTEMPTS);
                    next = Some(follow_up);
                }
                NOW.with(|now| now.set(now.get() + 60));
            }
            prop_assert_eq!(rig.world.writes().len(), writes, "a re-check wrote");
            let mut t = tally.borrow_mut();
            t.add("re-checks", chain);
            let longest = t.get("longest chain").max(chain);
            t.0.insert("longest chain", longest);
            Ok(())
        },
    );
    let t = tally.into_inner();
    println!(
        "crafted re-checks: {CRAFTED_CASES} valid requests (any attempt, start time and last \
         states; the peering listed or not, in any state) followed to the end of their chains: \
         {} re-checks, the longest chain {} (limit {RECHECK_MAX_ATTEMPTS}), 0 writes, 0 panics",
        t.get("re-checks"),
        t.get("longest chain"),
    );
    assert!(t.get("longest chain") > 1, "{t}");
}

// --- Named bad inputs -------------------------------------------------------

pub(super) struct Named {
    pub(super) name: String,
    pub(super) payload: Value,
    pub(super) expect: Expect,
    /// A phrase the refusal must contain.
    pub(super) says: Option<&'static str>,
}

pub(super) fn named(name: impl Into<String>, payload: Value, expect: Expect) -> Named {
    Named { name: name.into(), payload, expect, says: None }
}

pub(super) fn refused_saying(name: &str, payload: Value, says: &'static str) -> Named {
    Named { says: Some(says), ..named(name, payload, Expect::Refused) }
}

/// An account that is not the caller's.
pub(super) const FOREIGN: &str = "210987654321";

pub(super) fn named_bad_inputs() -> Vec<Named> {
    use Expect::{Dropped, Refused};
    let tag = fixture("tag-change-added.json");
    let trail = fixture("cloudtrail-create-vpc.json");
    let change = fixture("state-change.json");
    let schedule = fixture("scheduled-event.json");
    let tag_of = |arn: String| with(tag.clone(), &[("/resources/0", json!(arn))]);
    let vpc_arn = |partition: &str, r: &str, a: &str| {
        format!("arn:{partition}:ec2:{r}:{a}:vpc/{FIXTURE_VPC}")
    };
    let without_account = {
        let mut v = trail.clone();
        remove(&mut v, "/account");
        v
    };
    let batch_of = |body: Value| json!({ "Records": [with(sqs_record(), &[("/body", body)])] });
    let unmanaged_recheck = with(recheck_request(), &[("/region", json!("ap-south-1"))]);
    let arn = tag["resources"][0].clone();
    let mut cases = vec![
        refused_saying(
            "a tag event with a 1 MB string in its detail",
            with(tag.clone(), &[("/detail/note", json!("x".repeat(1 << 20)))]),
            "bytes",
        ),
        refused_saying(
            "a tag event naming 10,000 VPC ARNs",
            with(tag.clone(), &[("/resources", json!(vec![arn; 10_000]))]),
            "bytes",
        ),
        refused_saying(
            "a tag event naming 10,000 short resources (under 256 KB)",
            with(tag.clone(), &[("/resources", json!(vec!["r"; 10_000]))]),
            "expected one VPC ARN",
        ),
        refused_saying(
            "a tag event of a subnet",
            with(tag.clone(), &[("/detail/resource-type", json!("subnet"))]),
            "not on an ec2 vpc",
        ),
        refused_saying(
            "a tag event of an instance ARN",
            tag_of(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc")),
            "is not a VPC ARN",
        ),
        named(
            "a tag event of a VPC of another account",
            tag_of(vpc_arn("aws", "us-east-1", FOREIGN)),
            Dropped,
        ),
        named(
            "a tag event of a VPC of an unmanaged Region",
            tag_of(vpc_arn("aws", "ap-south-1", ACCOUNT)),
            Dropped,
        ),
        named(
            "a tag event of a VPC in another partition",
            tag_of(vpc_arn("aws-cn", "cn-north-1", ACCOUNT)),
            Dropped,
        ),
        named(
            "a CloudTrail call in an unmanaged Region",
            with(trail.clone(), &[("/detail/awsRegion", json!("ap-south-1"))]),
            Dropped,
        ),
        named(
            "a CloudTrail call recorded in another account",
            with(
                trail.clone(),
                &[("/account", json!(FOREIGN)), ("/detail/recipientAccountId", json!(FOREIGN))],
            ),
            Dropped,
        ),
        refused_saying(
            "a CloudTrail record whose account differs from its envelope's",
            with(trail.clone(), &[("/detail/recipientAccountId", json!(FOREIGN))]),
            "differs",
        ),
        refused_saying(
            "a CloudTrail call of another service",
            with(trail.clone(), &[("/detail/eventSource", json!("s3.amazonaws.com"))]),
            "not ec2.amazonaws.com",
        ),
        refused_saying(
            "an unsupported CloudTrail call",
            with(trail.clone(), &[("/detail/eventName", json!("RunInstances"))]),
            "unsupported CloudTrail call",
        ),
        refused_saying("an event of AWS without an account", without_account, "no account"),
        named(
            "a state change naming an unmanaged requester Region",
            with(change.clone(), &[("/detail/requester-region", json!("ap-south-1"))]),
            Dropped,
        ),
        named(
            "a state change naming an unmanaged accepter Region",
            with(change.clone(), &[("/detail/accepter-region", json!("sa-east-1"))]),
            Dropped,
        ),
        named(
            "a state change naming two unmanaged Regions",
            with(
                change.clone(),
                &[
                    ("/detail/requester-region", json!("ap-south-1")),
                    ("/detail/accepter-region", json!("sa-east-1")),
                ],
            ),
            Dropped,
        ),
        named(
            "a state change of another account",
            with(change.clone(), &[("/account", json!(FOREIGN))]),
            Dropped,
        ),
        named(
            "the schedule of another account",
            with(schedule.clone(), &[("/account", json!(FOREIGN))]),
            Dropped,
        ),
        named("a re-check of an unmanaged Region", unmanaged_recheck.clone(), Dropped),
        named(
            "an SQS re-check of an unmanaged Region",
            batch_of(json!(unmanaged_recheck.to_string())),
            Dropped,
        ),
        refused_saying("an SQS message that is not JSON", batch_of(json!("hello")), "is not JSON"),
        refused_saying(
            "an SQS message that is neither an event nor a re-check",
            batch_of(json!("{\"hello\": 1}")),
            "neither an EventBridge event nor a re-check request",
        ),
        refused_saying(
            "an SQS message without a body",
            json!({ "Records": [{ "messageId": "m-1" }] }),
            "has no body",
        ),
        refused_saying(
            "an SQS batch whose Records is not a list",
            json!({ "Records": { "body": "{}" } }),
            "invalid SQS batch",
        ),
        refused_saying(
            "a re-check with a negative attempt",
            with(recheck_request(), &[("/attempt", json!(-1))]),
            "invalid re-check request",
        ),
    ];
    // Unknown detail-types, among them the tool's own events other than the
    // state change (the rules do not route them back, but if they came they
    // must not loop).
    for (source, detail_type) in [
        ("aws.ec2", "EC2 Instance State-change Notification"),
        ("aws.tag", "Tag Change on Resources"),
        ("aws.events", "Scheduled Events"),
        ("tgw-peering", "Peering Requested"),
        ("tgw-peering", "Routes Changed"),
        ("tgw-peering", "Route Conflict"),
        ("tgw-peering", "Peering Stuck"),
        ("tgw-peering", "Peering Accepted"),
    ] {
        cases.push(refused_saying(
            &format!("detail-type {detail_type:?} from {source}"),
            with(
                schedule.clone(),
                &[("/source", json!(source)), ("/detail-type", json!(detail_type))],
            ),
            "unsupported source",
        ));
    }
    // Unknown sources with a known detail-type.
    for (source, base) in [
        ("aws.s3", &tag),
        ("my.app", &tag),
        ("tgw-peering", &tag),
        ("aws.ec2", &schedule),
        ("aws.tag", &change),
        ("", &trail),
    ] {
        cases.push(refused_saying(
            &format!("source {source:?} with detail-type {}", base["detail-type"]),
            with(base.clone(), &[("/source", json!(source))]),
            "unsupported source",
        ));
    }
    // Not an event at all.
    for payload in [json!(null), json!(42), json!("text"), json!([1, 2]), json!({})] {
        cases.push(named(format!("the payload {payload}"), payload, Refused));
    }
    // A wrong JSON type for every field each parser reads.
    let wrong = |base: Value, f: Field| with(base, &[(f.at, f.ty.wrong_example())]);
    let mut wrong_types: Vec<(String, Field, Value)> = Vec::new();
    for (name, kind) in [
        ("tag-change-added.json", Kind::Tag),
        ("cloudtrail-create-vpc.json", Kind::CloudTrail),
        ("scheduled-event.json", Kind::Scheduled),
        ("state-change.json", Kind::StateChange),
        ("networkmanager-peering-deleted.json", Kind::NetworkManager),
    ] {
        for f in event_schema(kind).fields {
            wrong_types.push((name.to_owned(), f, wrong(fixture(name), f)));
        }
    }
    for f in recheck_schema().fields {
        let body = wrong(recheck_request(), f);
        let batch = batch_of(json!(body.to_string()));
        wrong_types.push(("a re-check request".into(), f, body));
        wrong_types.push(("an SQS re-check".into(), f, batch));
    }
    for f in sqs_message_schema().fields {
        let batch = json!({ "Records": [wrong(sqs_record(), f)] });
        wrong_types.push(("an SQS message".into(), f, batch));
    }
    cases.extend(wrong_types.into_iter().map(|(what, f, payload)| {
        let name = format!("{what} with {} = {}", f.at, f.ty.wrong_example());
        named(name, payload, Refused)
    }));
    cases
}

#[test]
fn each_named_bad_input_is_refused_or_dropped_without_a_read_or_a_write() {
    let cases = named_bad_inputs();
    let mut tally = Tally::default();
    for case in &cases {
        let h = handle_on_needy_world(&case.payload);
        if let Err(e) = verify(case.expect, &h) {
            panic!("{}: {e}", case.name);
        }
        if let (Some(phrase), Verdict::Refused(msg)) = (case.says, &h.verdict) {
            assert!(msg.contains(phrase), "{}: {msg:?} lacks {phrase:?}", case.name);
        }
        tally.record(&h);
    }
    println!(
        "named bad inputs: {} cases, {} refused as permanent errors, {} dropped; {} writes, {} reads",
        cases.len(),
        tally.get("refused"),
        tally.get("dropped"),
        tally.get("writes"),
        tally.get("reads"),
    );
    assert_eq!(tally.get("refused") + tally.get("dropped"), cases.len(), "{tally}");
}
