//! Reliability: what the functions make of input that is malformed, out of
//! scope, duplicated or out of order, what an invalid configuration says, and
//! the planner's safety rules on random worlds.
//!
//! Every test prints the figure it proves; run them with
//! `cargo test -p tgw-peering-core --test reliability -- --nocapture`.
//! The property tests use a fixed seed so that the figures repeat;
//! `PROPTEST_RNG_SEED=<n>` draws another sample.
#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

mod world;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::panic::AssertUnwindSafe;

use futures::executor::block_on;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{RngSeed, TestRunner};
use serde_json::{json, Value};
use tgw_peering_core::config::{Config, ConfigError};
use tgw_peering_core::domain::{
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState, Region,
    RouteTableId, RouteTarget, StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcId, VpcRoute,
    VpcRouteTable, VpcRouteTableId, VpcRouteTarget, CREATE_ROUTE_ORIGIN,
};
use tgw_peering_core::events::{Recheck, MAX_EVENT_BYTES, RECHECK_MAX_ATTEMPTS, STATE_CHANGE};
use tgw_peering_core::observed::{Observed, RouteTableState};
use tgw_peering_core::{plan, Action, Error, Plan, RouteMark, MANAGED_TAG_KEY};
use world::{delivered, fixture, sqs_batch, Rig, World, ACCOUNT};

// ---------------------------------------------------------------------------
// Property-test plumbing
// ---------------------------------------------------------------------------

/// The default seed: the printed figures repeat from run to run.
const SEED: u64 = 0x7467_772d_7065_6572;

/// `cases` cases from a fixed seed (`PROPTEST_RNG_SEED`, else [`SEED`]) plus
/// `stream`, so that the properties do not all draw the same sample, and no
/// regression files written into the source tree.
fn proptest_config(cases: u32, stream: u64) -> ProptestConfig {
    let default = ProptestConfig::default();
    let seed = match default.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => SEED,
    };
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed.wrapping_add(stream)),
        failure_persistence: None,
        ..default
    }
}

/// Runs `test` on values of `strategy`; on a failure (a panic included),
/// panics with proptest's report of the smallest failing value.
fn check_property<S>(
    what: &str,
    config: ProptestConfig,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    if let Err(failure) = TestRunner::new(config).run(&strategy, test) {
        panic!("{what}: {failure}");
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic>".to_owned())
}

/// Named counters, printed as the figures of a test.
#[derive(Debug, Default)]
struct Tally(BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, name: &'static str, n: usize) {
        *self.0.entry(name).or_default() += n;
    }

    fn get(&self, name: &str) -> usize {
        self.0.get(name).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{v} {k}")).collect();
        f.write_str(&parts.join(", "))
    }
}

// ---------------------------------------------------------------------------
// JSON surgery
// ---------------------------------------------------------------------------

/// Sets the value at a JSON pointer; the last key is created if missing.
fn set(v: &mut Value, at: &str, new: Value) {
    let (parent, key) = at.rsplit_once('/').unwrap();
    match v.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_owned(), new);
        }
        Some(Value::Array(items)) => items[key.parse::<usize>().unwrap()] = new,
        other => panic!("no object or array at {parent} (for {at}): {other:?}"),
    }
}

/// Removes the value at a JSON pointer, which must exist.
fn remove(v: &mut Value, at: &str) {
    let (parent, key) = at.rsplit_once('/').unwrap();
    let removed = match v.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(key).is_some(),
        Some(Value::Array(items)) => {
            items.remove(key.parse::<usize>().unwrap());
            true
        }
        _ => false,
    };
    assert!(removed, "nothing to remove at {at}");
}

fn with(mut v: Value, changes: &[(&str, Value)]) -> Value {
    for (at, new) in changes {
        set(&mut v, at, new.clone());
    }
    v
}

/// Shortens a description that quotes a (possibly huge) value.
fn brief(s: String) -> String {
    match s.char_indices().nth(120) {
        Some((end, _)) => format!("{}… ({} bytes)", &s[..end], s.len()),
        None => s,
    }
}

// ---------------------------------------------------------------------------
// What the parsers read
// ---------------------------------------------------------------------------

/// The kinds of EventBridge event the functions receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tag,
    CloudTrail,
    Scheduled,
    StateChange,
}

/// Every EventBridge fixture of `tests/fixtures` (the thirteenth,
/// `sqs-recheck.json`, is the SQS batch).
const EVENT_FIXTURES: [(&str, Kind); 12] = [
    ("tag-change-added.json", Kind::Tag),
    ("tag-change-removed.json", Kind::Tag),
    ("tag-change-other-key.json", Kind::Tag),
    ("cloudtrail-create-vpc.json", Kind::CloudTrail),
    ("cloudtrail-delete-vpc.json", Kind::CloudTrail),
    ("cloudtrail-associate-vpc-cidr-block.json", Kind::CloudTrail),
    (
        "cloudtrail-disassociate-vpc-cidr-block.json",
        Kind::CloudTrail,
    ),
    ("cloudtrail-create-tgw-peering.json", Kind::CloudTrail),
    ("cloudtrail-accept-tgw-peering.json", Kind::CloudTrail),
    ("cloudtrail-delete-tgw-peering.json", Kind::CloudTrail),
    ("scheduled-event.json", Kind::Scheduled),
    ("state-change.json", Kind::StateChange),
];

/// A JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Str,
    Int,
    Arr,
    Obj,
}

impl Ty {
    fn admits(self, v: &Value) -> bool {
        match self {
            Ty::Str => v.is_string(),
            Ty::Int => v.is_i64(),
            Ty::Arr => v.is_array(),
            Ty::Obj => v.is_object(),
        }
    }

    /// One value of another type.
    fn wrong_example(self) -> Value {
        match self {
            Ty::Str => json!(42),
            Ty::Int => json!("7"),
            Ty::Arr => json!({ "0": "x" }),
            Ty::Obj => json!(["x"]),
        }
    }
}

/// A field a parser reads: where, its JSON type, and whether the input is
/// refused without it (absent or null).
#[derive(Debug, Clone, Copy)]
struct Field {
    at: &'static str,
    ty: Ty,
    required: bool,
}

const fn field(at: &'static str, ty: Ty, required: bool) -> Field {
    Field { at, ty, required }
}

/// What a parser checks in one kind of input.
#[derive(Debug, Clone)]
struct Schema {
    fields: Vec<Field>,
    /// Strings whose content is checked (an id, a Region, a known name): a
    /// malformed one is refused.
    checked: Vec<&'static str>,
    /// Values of the right JSON type that are refused all the same.
    bad_values: Vec<(&'static str, Value)>,
}

fn event_schema(kind: Kind) -> Schema {
    use Ty::{Arr, Int, Obj, Str};
    let mut s = Schema {
        fields: vec![
            field("/id", Str, true),
            field("/detail-type", Str, true),
            field("/source", Str, true),
            field("/time", Str, true),
            field("/resources", Arr, true),
            // The tool's own events may come without an account.
            field("/account", Str, kind != Kind::StateChange),
            field("/region", Str, false),
            field("/version", Str, false),
        ],
        checked: vec!["/detail-type", "/source", "/time", "/account", "/region"],
        bad_values: vec![("/id", json!("")), ("/resources", json!([1]))],
    };
    match kind {
        Kind::Tag => {
            s.fields.extend([
                field("/resources/0", Str, true),
                field("/detail", Obj, true),
                field("/detail/changed-tag-keys", Arr, true),
                field("/detail/changed-tag-keys/0", Str, false),
                field("/detail/service", Str, true),
                field("/detail/resource-type", Str, true),
                field("/detail/version", Int, true),
                field("/detail/tags", Obj, true),
                field("/detail/tags/Name", Str, false),
            ]);
            s.checked
                .extend(["/resources/0", "/detail/service", "/detail/resource-type"]);
            s.bad_values.extend([
                ("/detail/version", json!(2.5)),
                ("/detail/tags", json!({ "addToTransitGateway": true })),
                ("/detail/changed-tag-keys", json!([7])),
                (
                    "/resources/0",
                    json!("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"),
                ),
            ]);
        }
        Kind::CloudTrail => {
            const ATTRIBUTES: &str = "/detail/userIdentity/sessionContext/attributes";
            s.fields.push(field("/detail", Obj, true));
            s.fields.extend(
                [
                    "/detail/eventVersion",
                    "/detail/userIdentity/type",
                    "/detail/eventTime",
                    "/detail/eventSource",
                    "/detail/eventName",
                    "/detail/awsRegion",
                    "/detail/sourceIPAddress",
                    "/detail/userAgent",
                    "/detail/requestID",
                    "/detail/eventID",
                    "/detail/eventType",
                    "/detail/userIdentity/sessionContext/attributes/creationDate",
                    "/detail/userIdentity/sessionContext/attributes/mfaAuthenticated",
                ]
                .map(|at| field(at, Str, true)),
            );
            s.fields.extend([
                field("/detail/userIdentity", Obj, true),
                field(ATTRIBUTES, Obj, true),
            ]);
            s.checked.extend([
                "/detail/eventSource",
                "/detail/eventName",
                "/detail/awsRegion",
                "/detail/recipientAccountId",
                "/detail/userIdentity/sessionContext/attributes/creationDate",
            ]);
            s.bad_values.extend([
                // The envelope says another account than the record.
                ("/detail/recipientAccountId", json!("210987654321")),
                ("/detail/userIdentity", json!({})),
            ]);
        }
        // The schedule's detail is not read.
        Kind::Scheduled => {}
        Kind::StateChange => {
            s.fields.push(field("/detail", Obj, true));
            s.fields.extend(
                [
                    "/detail/attachment-id",
                    "/detail/requester-region",
                    "/detail/requester-transit-gateway-id",
                    "/detail/accepter-region",
                    "/detail/accepter-transit-gateway-id",
                    "/detail/previous-state",
                    "/detail/state",
                ]
                .map(|at| field(at, Str, true)),
            );
            s.fields.extend(
                [
                    "/detail/requester-state",
                    "/detail/accepter-state",
                    "/detail/event-id",
                ]
                .map(|at| field(at, Str, false)),
            );
            s.checked.extend([
                "/detail/attachment-id",
                "/detail/requester-region",
                "/detail/requester-transit-gateway-id",
                "/detail/accepter-region",
                "/detail/accepter-transit-gateway-id",
            ]);
        }
    }
    s
}

/// A re-check request (an SQS message body, or a bare request to `handle`).
fn recheck_schema() -> Schema {
    use Ty::{Int, Str};
    Schema {
        fields: vec![
            field("/attachment-id", Str, true),
            field("/region", Str, true),
            field("/started-at", Int, true),
            field("/attempt", Int, true),
            field("/origin-event-id", Str, true),
            field("/last-requester-state", Str, false),
            field("/last-accepter-state", Str, false),
        ],
        checked: vec!["/attachment-id", "/region"],
        bad_values: vec![
            ("/attempt", json!(-1)),
            ("/attempt", json!(4_294_967_296_u64)),
            ("/attempt", json!(1.5)),
            ("/started-at", json!(9_223_372_036_854_775_808_u64)),
            ("/started-at", json!(0.5)),
        ],
    }
}

/// One message of an SQS batch (the fields `aws_lambda_events` types).
fn sqs_message_schema() -> Schema {
    use Ty::{Obj, Str};
    let mut fields: Vec<Field> = [
        "/messageId",
        "/receiptHandle",
        "/md5OfBody",
        "/eventSource",
        "/eventSourceARN",
        "/awsRegion",
    ]
    .map(|at| field(at, Str, false))
    .into();
    fields.extend([
        // No body: the message is not a re-check request.
        field("/body", Str, true),
        field("/attributes", Obj, false),
        field("/messageAttributes", Obj, false),
    ]);
    Schema {
        fields,
        checked: vec![],
        bad_values: vec![("/attributes", json!({ "ApproximateReceiveCount": 1 }))],
    }
}

fn sqs_record() -> Value {
    fixture("sqs-recheck.json")["Records"][0].clone()
}

/// The re-check request in `sqs-recheck.json`, as a JSON object.
fn recheck_request() -> Value {
    serde_json::from_str(sqs_record()["body"].as_str().unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// Bad input on a world any reconcile would write to
// ---------------------------------------------------------------------------

/// The bad-input world's Regions (the fixtures').
const MANAGED: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The fixtures' VPC, in us-east-1.
const FIXTURE_VPC: &str = "vpc-0a1b2c3d4e5f60718";

/// A world in which any reconcile writes (tagged VPCs in both Regions, no
/// peering yet): an event taken for valid shows up as a write.
fn needy_rig() -> Rig {
    let world = World::new(&MANAGED);
    world.vpc("us-east-1", FIXTURE_VPC, &["10.20.0.0/16"], true);
    world.vpc(
        "eu-west-1",
        "vpc-0eeeeeeeeeeeeeee1",
        &["10.30.0.0/16"],
        true,
    );
    Rig::new(world)
}

/// What a bad payload must lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A permanent input error.
    Refused,
    /// Every event in it dropped as out of scope.
    Dropped,
    /// Either, or an empty SQS batch that asks for nothing.
    Harmless,
}

#[derive(Debug, Clone)]
struct Bad {
    family: &'static str,
    what: String,
    payload: Value,
    expect: Expect,
}

/// What the handler made of a payload.
#[derive(Debug)]
enum Verdict {
    /// `Err(Error::Input)`, not retryable.
    Refused(String),
    /// `Ok`, and every audit record says `dropped`.
    Dropped,
    /// `Ok` with nothing at all to report.
    Idle,
    /// Anything else: a reconcile, a skip, a retryable error…
    Handled(String),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Refused(why) => write!(f, "refused: {why}"),
            Verdict::Dropped => f.write_str("dropped"),
            Verdict::Idle => f.write_str("nothing to do"),
            Verdict::Handled(what) => write!(f, "handled: {what}"),
        }
    }
}

#[derive(Debug)]
struct Handled {
    verdict: Verdict,
    writes: Vec<String>,
    reads: usize,
    published: usize,
    queued: usize,
    /// The Lambda's answer does not ask for a retry (`Ok`, no
    /// `retryable: true`, no batch item failures).
    not_retried: bool,
}

/// Hands `payload` to `handle`, then to `lambda`, on a fresh needy world.
fn handle_on_needy_world(payload: &Value) -> Handled {
    let rig = needy_rig();
    let verdict = match block_on(rig.handler.handle(payload)) {
        Err(e @ Error::Input(_)) if !e.is_retryable() => Verdict::Refused(e.to_string()),
        Err(e) => Verdict::Handled(format!("error: {e}")),
        Ok(report) if report.audit.is_empty() => Verdict::Idle,
        Ok(report) if report.audit.iter().all(|r| r.decision == "dropped") => Verdict::Dropped,
        Ok(report) => Verdict::Handled(format!("{:?}", report.audit)),
    };
    let not_retried = match block_on(rig.handler.lambda(payload)) {
        Ok(answer) => {
            answer.get("retryable") != Some(&json!(true))
                && answer
                    .get("batchItemFailures")
                    .is_none_or(|b| b.as_array().is_some_and(Vec::is_empty))
        }
        Err(_) => false,
    };
    Handled {
        verdict,
        writes: rig.world.writes(),
        reads: rig.world.reads(),
        published: rig.bus.take().len(),
        queued: rig.queue.take().len(),
        not_retried,
    }
}

/// The verdict is the expected one, and nothing was read, written, published,
/// queued or left to retry.
fn verify(expect: Expect, h: &Handled) -> Result<(), String> {
    let as_expected = matches!(
        (expect, &h.verdict),
        (Expect::Refused, Verdict::Refused(_))
            | (Expect::Dropped, Verdict::Dropped)
            | (
                Expect::Harmless,
                Verdict::Refused(_) | Verdict::Dropped | Verdict::Idle
            )
    );
    if !as_expected {
        return Err(format!("expected {expect:?}, got {}", h.verdict));
    }
    if !h.writes.is_empty() || h.reads > 0 || h.published > 0 || h.queued > 0 {
        return Err(format!(
            "{}, yet {} reads, writes {:?}, {} published, {} queued",
            h.verdict, h.reads, h.writes, h.published, h.queued
        ));
    }
    if !h.not_retried {
        return Err(format!("{}, and the Lambda asks for a retry", h.verdict));
    }
    Ok(())
}

impl Tally {
    fn record(&mut self, h: &Handled) {
        self.add(
            match h.verdict {
                Verdict::Refused(_) => "refused",
                Verdict::Dropped => "dropped",
                Verdict::Idle => "empty batches",
                Verdict::Handled(_) => "handled",
            },
            1,
        );
        self.add("writes", h.writes.len());
        self.add("reads", h.reads);
    }
}

// --- Strategies -------------------------------------------------------------

/// Object keys: often the names the parsers look for, else anything short.
fn json_key() -> impl Strategy<Value = String> {
    const NAMES: &[&str] = &[
        "id",
        "detail-type",
        "source",
        "account",
        "region",
        "time",
        "resources",
        "detail",
        "version",
        "Records",
        "body",
        "messageId",
        "attachment-id",
        "started-at",
        "attempt",
        "origin-event-id",
    ];
    prop_oneof![select(NAMES).prop_map(str::to_owned), "[a-zA-Z-]{0,12}"]
}

/// Any JSON value, nested up to four levels.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::from),
        select(vec!["us-east-1", ACCOUNT, FIXTURE_ATTACHMENT, "aws.tag"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(json_key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A value of another JSON type than `field` needs (null only where the
/// field is required: null is the same as absent).
fn junk(field: Field) -> BoxedStrategy<Value> {
    any_json()
        .prop_filter("a value of another type", move |v| {
            !field.ty.admits(v) && (field.required || !v.is_null())
        })
        .boxed()
}

/// Noise for malformed strings: printable ASCII, or any Unicode at all.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,40}", any::<String>()]
}

/// A valid Region code that is not managed.
fn unmanaged_region() -> BoxedStrategy<String> {
    prop_oneof![
        select(vec![
            "ap-south-1",
            "us-west-2",
            "cn-north-1",
            "us-gov-west-1"
        ])
        .prop_map(str::to_owned),
        "[a-z]{2}-[a-z]{4,9}-[1-9]",
    ]
    .prop_filter("not managed", |r| !MANAGED.contains(&r.as_str()))
    .boxed()
}

fn any_region() -> BoxedStrategy<String> {
    prop_oneof![
        select(MANAGED.to_vec()).prop_map(str::to_owned),
        unmanaged_region()
    ]
    .boxed()
}

/// A valid account id that is not the caller's.
fn foreign_account() -> BoxedStrategy<String> {
    "[0-9]{12}".prop_filter("foreign", |a| a != ACCOUNT).boxed()
}

fn any_account() -> BoxedStrategy<String> {
    prop_oneof![Just(ACCOUNT.to_owned()), foreign_account()].boxed()
}

/// `base` broken in one place a parser reads: a field dropped, given another
/// JSON type, a malformed string, or a value refused for its content.
/// Yields what was done and the result.
fn broken(base: &Value, schema: &Schema) -> BoxedStrategy<(String, Value)> {
    let mut arms: Vec<BoxedStrategy<(String, Value)>> = Vec::new();

    let b = base.clone();
    arms.push(
        select(schema.fields.clone())
            .prop_flat_map(move |f| {
                let b = b.clone();
                junk(f).prop_map(move |j| {
                    let mut v = b.clone();
                    set(&mut v, f.at, j.clone());
                    (brief(format!("{} = {j}", f.at)), v)
                })
            })
            .boxed(),
    );

    let required: Vec<&'static str> = schema
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.at)
        .collect();
    let b = base.clone();
    arms.push(
        select(required)
            .prop_map(move |at| {
                let mut v = b.clone();
                remove(&mut v, at);
                (format!("{at} dropped"), v)
            })
            .boxed(),
    );

    if !schema.checked.is_empty() {
        let b = base.clone();
        arms.push(
            (select(schema.checked.clone()), 0..3_usize, noise())
                .prop_map(move |(at, variant, noise)| {
                    let original = b.pointer(at).and_then(Value::as_str).unwrap_or("");
                    let bad = match variant {
                        0 => String::new(),
                        1 => format!("X{noise}"),
                        _ => format!("{original}!{noise}"),
                    };
                    let mut v = b.clone();
                    set(&mut v, at, json!(bad));
                    (brief(format!("{at} = {bad:?}")), v)
                })
                .boxed(),
        );
    }

    if !schema.bad_values.is_empty() {
        let b = base.clone();
        arms.push(
            select(schema.bad_values.clone())
                .prop_map(move |(at, bad)| {
                    let mut v = b.clone();
                    set(&mut v, at, bad.clone());
                    (format!("{at} = {bad}"), v)
                })
                .boxed(),
        );
    }
    Union::new(arms).boxed()
}

/// `base` made valid but about another account or an unmanaged Region, in
/// every place the scope is read from.
fn out_of_scope(base: &Value, kind: Kind) -> BoxedStrategy<(String, Value)> {
    let in_scope = |r: &str, a: &str| MANAGED.contains(&r) && a == ACCOUNT;
    let b = base.clone();
    match kind {
        Kind::Tag => (any_region(), any_account())
            .prop_filter("out of scope", move |(r, a)| !in_scope(r, a))
            .prop_map(move |(r, a)| {
                let arn = format!("arn:aws:ec2:{r}:{a}:vpc/{FIXTURE_VPC}");
                let v = with(
                    b.clone(),
                    &[
                        ("/resources/0", json!(arn)),
                        ("/account", json!(a)),
                        ("/region", json!(r)),
                    ],
                );
                (format!("VPC ARN {arn}"), v)
            })
            .boxed(),
        Kind::CloudTrail => (any_region(), any_account())
            .prop_filter("out of scope", move |(r, a)| !in_scope(r, a))
            .prop_map(move |(r, a)| {
                let v = with(
                    b.clone(),
                    &[
                        ("/detail/awsRegion", json!(r)),
                        ("/detail/recipientAccountId", json!(a)),
                        ("/account", json!(a)),
                        ("/region", json!(r)),
                    ],
                );
                (format!("a call in {r} of account {a}"), v)
            })
            .boxed(),
        Kind::Scheduled => foreign_account()
            .prop_map(move |a| {
                let v = with(b.clone(), &[("/account", json!(a))]);
                (format!("the schedule of account {a}"), v)
            })
            .boxed(),
        Kind::StateChange => (any_region(), any_region(), any_account())
            .prop_filter("out of scope", move |(r1, r2, a)| {
                !(in_scope(r1, a) && in_scope(r2, a))
            })
            .prop_map(move |(r1, r2, a)| {
                let v = with(
                    b.clone(),
                    &[
                        ("/detail/requester-region", json!(r1)),
                        ("/detail/accepter-region", json!(r2)),
                        ("/account", json!(a)),
                    ],
                );
                (format!("a peering {r1} -> {r2} of account {a}"), v)
            })
            .boxed(),
    }
}

/// `base` padded past the EventBridge limit (up to 1 MB).
fn oversized(base: &Value) -> BoxedStrategy<(String, Value)> {
    let b = base.clone();
    (
        select(vec!["/padding", "/detail/padding"]),
        MAX_EVENT_BYTES..=4 * MAX_EVENT_BYTES,
    )
        .prop_map(move |(at, n)| {
            let v = with(b.clone(), &[(at, json!("x".repeat(n)))]);
            (format!("{at} of {n} bytes"), v)
        })
        .boxed()
}

/// A tag event naming no resource, or 2 to 10,000.
fn many_resources(base: &Value) -> BoxedStrategy<(String, Value)> {
    let b = base.clone();
    prop_oneof![Just(0_usize), 2..=10_000_usize]
        .prop_map(move |k| {
            let arn = b["resources"][0].clone();
            let v = with(b.clone(), &[("/resources", Value::Array(vec![arn; k]))]);
            (format!("{k} resources"), v)
        })
        .boxed()
}

/// One message of a batch, and whether it is junk (else it is a valid
/// re-check of an unmanaged Region).
fn sqs_message() -> BoxedStrategy<(String, Value, bool)> {
    let record = sqs_record();
    let body = recheck_request();
    let r = record.clone();
    let with_body = move |what: String, body: String, junk: bool| {
        let v = with(r.clone(), &[("/body", json!(body))]);
        (what, v, junk)
    };
    let (w1, w2, w3, w4) = (
        with_body.clone(),
        with_body.clone(),
        with_body.clone(),
        with_body,
    );
    let b = body.clone();
    Union::new([
        broken(&record, &sqs_message_schema())
            .prop_map(|(what, v)| (what, v, true))
            .boxed(),
        noise()
            .prop_map(move |s| w1(brief(format!("body {s:?}")), s, true))
            .boxed(),
        any_json()
            .prop_map(move |j| w2(brief(format!("body {j}")), j.to_string(), true))
            .boxed(),
        broken(&body, &recheck_schema())
            .prop_map(move |(what, v)| w3(format!("body with {what}"), v.to_string(), true))
            .boxed(),
        unmanaged_region()
            .prop_map(move |r| {
                let v = with(b.clone(), &[("/region", json!(r))]);
                w4(format!("a re-check in {r}"), v.to_string(), false)
            })
            .boxed(),
    ])
    .boxed()
}

fn sqs_batches() -> BoxedStrategy<Bad> {
    prop_oneof![
        9 => prop::collection::vec(sqs_message(), 1..5).prop_map(|messages| {
            let junk = messages.iter().any(|m| m.2);
            let what: Vec<&str> = messages.iter().map(|m| m.0.as_str()).collect();
            Bad {
                family: "SQS batches",
                what: what.join("; "),
                payload: json!({ "Records": messages.iter().map(|m| m.1.clone()).collect::<Vec<_>>() }),
                expect: if junk { Expect::Refused } else { Expect::Dropped },
            }
        }),
        1 => junk(field("/Records", Ty::Arr, true)).prop_map(|j| Bad {
            family: "SQS batches",
            what: brief(format!("Records = {j}")),
            payload: json!({ "Records": j }),
            expect: Expect::Refused,
        }),
    ]
    .boxed()
}

/// Every family of bad payload, weighted.
fn bad_payloads() -> BoxedStrategy<Bad> {
    let tag = |family: &'static str, name: &'static str, expect: Expect| {
        move |(what, payload): (String, Value)| Bad {
            family,
            what: format!("{name}: {what}"),
            payload,
            expect,
        }
    };
    let mut arms: Vec<(u32, BoxedStrategy<Bad>)> = Vec::new();
    for (name, kind) in EVENT_FIXTURES {
        let base = fixture(name);
        let schema = event_schema(kind);
        arms.push((
            5,
            broken(&base, &schema)
                .prop_map(tag("mutated fixtures", name, Expect::Refused))
                .boxed(),
        ));
        arms.push((
            2,
            out_of_scope(&base, kind)
                .prop_map(tag("out of scope", name, Expect::Dropped))
                .boxed(),
        ));
        arms.push((
            1,
            oversized(&base)
                .prop_map(tag("oversized", name, Expect::Refused))
                .boxed(),
        ));
        if kind == Kind::Tag {
            arms.push((
                1,
                many_resources(&base)
                    .prop_map(tag("oversized", name, Expect::Refused))
                    .boxed(),
            ));
        }
    }
    let request = recheck_request();
    let name = "re-check request";
    arms.push((
        5,
        broken(&request, &recheck_schema())
            .prop_map(tag("re-check requests", name, Expect::Refused))
            .boxed(),
    ));
    arms.push((
        1,
        unmanaged_region()
            .prop_map(move |r| {
                (
                    format!("region {r}"),
                    with(request.clone(), &[("/region", json!(r))]),
                )
            })
            .prop_map(tag("re-check requests", name, Expect::Dropped))
            .boxed(),
    ));
    arms.push((12, sqs_batches()));
    arms.push((
        12,
        any_json()
            .prop_map(|payload| Bad {
                family: "arbitrary JSON",
                what: brief(payload.to_string()),
                payload,
                expect: Expect::Harmless,
            })
            .boxed(),
    ));
    Union::new_weighted(arms).boxed()
}

const BAD_INPUT_CASES: u32 = 10_000;

#[test]
fn every_invalid_payload_is_a_permanent_error_or_dropped_and_never_writes() {
    // The control: unchanged, the fixtures that reconcile do write in this
    // world, so a bad payload taken for a good one could not go unseen.
    for (name, _) in EVENT_FIXTURES {
        if name == "tag-change-other-key.json" {
            continue; // valid, and asks for nothing
        }
        let h = handle_on_needy_world(&fixture(name));
        assert!(!h.writes.is_empty(), "{name} unchanged: {}", h.verdict);
    }

    let tally = RefCell::new(Tally::default());
    check_property(
        "bad input",
        proptest_config(BAD_INPUT_CASES, 0),
        bad_payloads(),
        |bad| {
            let outcome =
                std::panic::catch_unwind(AssertUnwindSafe(|| handle_on_needy_world(&bad.payload)));
            let mut t = tally.borrow_mut();
            t.add("cases", 1);
            t.add(bad.family, 1);
            let handled = outcome.map_err(|p| {
                t.add("panics", 1);
                TestCaseError::fail(format!("{}: panicked: {}", bad.what, panic_message(&*p)))
            })?;
            t.record(&handled);
            verify(bad.expect, &handled)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}", bad.what)))
        },
    );
    let t = tally.into_inner();
    println!(
        "bad input: {} cases ({} mutated fixtures, {} out of scope, {} oversized, {} SQS batches, \
         {} re-check requests, {} arbitrary JSON): {} refused as permanent errors, {} dropped, \
         {} empty batches; {} panics, {} writes, {} reads",
        t.get("cases"),
        t.get("mutated fixtures"),
        t.get("out of scope"),
        t.get("oversized"),
        t.get("SQS batches"),
        t.get("re-check requests"),
        t.get("arbitrary JSON"),
        t.get("refused"),
        t.get("dropped"),
        t.get("empty batches"),
        t.get("panics"),
        t.get("writes"),
        t.get("reads"),
    );
    assert!(t.get("cases") >= BAD_INPUT_CASES as usize, "{t}");
    assert_eq!(
        (t.get("panics"), t.get("writes"), t.get("reads")),
        (0, 0, 0)
    );
    // Every family was exercised, and so was each outcome.
    for family in [
        "mutated fixtures",
        "out of scope",
        "oversized",
        "SQS batches",
        "re-check requests",
        "arbitrary JSON",
        "refused",
        "dropped",
    ] {
        assert!(t.get(family) > 0, "no {family}: {t}");
    }
}

// --- Crafted re-check requests ---------------------------------------------

/// A valid re-check request with any content, and the peering it finds.
#[derive(Debug, Clone)]
struct Crafted {
    /// Another attachment than the world's peering.
    other_attachment: Option<String>,
    region: &'static str,
    last: (Option<&'static str>, Option<&'static str>),
    started_at: i64,
    attempt: u32,
    /// Each side's state (`None`: the side does not list the peering).
    sides: (Option<&'static str>, Option<&'static str>),
}

fn crafted_recheck() -> impl Strategy<Value = Crafted> {
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
        .prop_map(
            |(other_attachment, region, last, started_at, attempt, sides)| Crafted {
                other_attachment,
                region,
                last,
                started_at,
                attempt,
                sides,
            },
        )
}

const CRAFTED_CASES: u32 = 1_000;

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
            rig.world
                .set_side_state("us-east-1", east.map(PeeringState::parse));
            rig.world
                .set_side_state("eu-west-1", west.map(PeeringState::parse));
            let writes = rig.world.writes().len();
            let attachment = match &c.other_attachment {
                Some(id) => AttachmentId::parse(id).unwrap(),
                None => rig.world.peerings()[0].0.clone(),
            };
            let mut next = Some(Recheck {
                attachment_id: attachment,
                region: world::region(c.region),
                last_requester_state: c.last.0.map(str::to_owned),
                last_accepter_state: c.last.1.map(str::to_owned),
                started_at: c.started_at,
                attempt: c.attempt,
                origin_event_id: "evt-crafted".into(),
            });
            let mut chain = 0;
            while let Some(recheck) = next.take() {
                chain += 1;
                prop_assert!(chain <= RECHECK_MAX_ATTEMPTS as usize + 1, "endless chain");
                block_on(
                    rig.handler
                        .handle(&sqs_batch(std::slice::from_ref(&recheck))),
                )
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let queued = rig.queue.take();
                prop_assert!(queued.len() <= 1, "{} follow-ups", queued.len());
                if let Some((follow_up, _)) = queued.into_iter().next() {
                    prop_assert_eq!(follow_up.attempt, recheck.attempt.saturating_add(1));
                    prop_assert!(follow_up.attempt < RECHECK_MAX_ATTEMPTS);
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

struct Named {
    name: String,
    payload: Value,
    expect: Expect,
    /// A phrase the refusal must contain.
    says: Option<&'static str>,
}

fn named(name: impl Into<String>, payload: Value, expect: Expect) -> Named {
    Named {
        name: name.into(),
        payload,
        expect,
        says: None,
    }
}

fn refused_saying(name: &str, payload: Value, says: &'static str) -> Named {
    Named {
        says: Some(says),
        ..named(name, payload, Expect::Refused)
    }
}

/// An account that is not the caller's.
const FOREIGN: &str = "210987654321";

fn named_bad_inputs() -> Vec<Named> {
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
                &[
                    ("/account", json!(FOREIGN)),
                    ("/detail/recipientAccountId", json!(FOREIGN)),
                ],
            ),
            Dropped,
        ),
        refused_saying(
            "a CloudTrail record whose account differs from its envelope's",
            with(
                trail.clone(),
                &[("/detail/recipientAccountId", json!(FOREIGN))],
            ),
            "differs",
        ),
        refused_saying(
            "a CloudTrail call of another service",
            with(
                trail.clone(),
                &[("/detail/eventSource", json!("s3.amazonaws.com"))],
            ),
            "not ec2.amazonaws.com",
        ),
        refused_saying(
            "an unsupported CloudTrail call",
            with(
                trail.clone(),
                &[("/detail/eventName", json!("RunInstances"))],
            ),
            "unsupported CloudTrail call",
        ),
        refused_saying(
            "an event of AWS without an account",
            without_account,
            "no account",
        ),
        named(
            "a state change naming an unmanaged requester Region",
            with(
                change.clone(),
                &[("/detail/requester-region", json!("ap-south-1"))],
            ),
            Dropped,
        ),
        named(
            "a state change naming an unmanaged accepter Region",
            with(
                change.clone(),
                &[("/detail/accepter-region", json!("sa-east-1"))],
            ),
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
        named(
            "a re-check of an unmanaged Region",
            unmanaged_recheck.clone(),
            Dropped,
        ),
        named(
            "an SQS re-check of an unmanaged Region",
            batch_of(json!(unmanaged_recheck.to_string())),
            Dropped,
        ),
        refused_saying(
            "an SQS message that is not a re-check",
            batch_of(json!("hello")),
            "is not a re-check request",
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
                &[
                    ("/source", json!(source)),
                    ("/detail-type", json!(detail_type)),
                ],
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
    for payload in [
        json!(null),
        json!(42),
        json!("text"),
        json!([1, 2]),
        json!({}),
    ] {
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
            assert!(
                msg.contains(phrase),
                "{}: {msg:?} lacks {phrase:?}",
                case.name
            );
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
    assert_eq!(
        tally.get("refused") + tally.get("dropped"),
        cases.len(),
        "{tally}"
    );
}

// ---------------------------------------------------------------------------
// Invalid configuration
// ---------------------------------------------------------------------------

/// Reads a configuration in which `variable` is `value` and the others are
/// valid (the Regions given in the form `variable` belongs to).
fn config_with(variable: &str, value: &str) -> Result<Config, ConfigError> {
    let mut vars: BTreeMap<&str, &str> = BTreeMap::from([(variable, value)]);
    match variable {
        "PEERING_REGIONS" => {}
        "ACTIVE_REGION" => {
            vars.insert("PASSIVE_REGION", "eu-west-1");
        }
        "PASSIVE_REGION" => {
            vars.insert("ACTIVE_REGION", "us-east-1");
        }
        _ => {
            vars.insert("PEERING_REGIONS", "us-east-1,eu-west-1");
        }
    }
    Config::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned()))
}

/// Invalid values: (variable, value, what the message must quote).
const INVALID_VALUES: &[(&str, &str, &str)] = &[
    ("PEERING_REGIONS", "us-east-1,Mars", "\"Mars\""),
    ("PEERING_REGIONS", "us-east-1", "at least two Regions"),
    (
        "PEERING_REGIONS",
        "us-east-1,us-east-1",
        "us-east-1 is listed twice",
    ),
    ("ACTIVE_REGION", "nope", "\"nope\""),
    ("PASSIVE_REGION", "US-WEST-2", "\"US-WEST-2\""),
    ("PASSIVE_REGION", "us-east-1", "ACTIVE_REGION (us-east-1)"),
    // The message names the rule, not the key (which may be 129 characters).
    ("TAG_KEY", "aws:reserved", "must not start with aws:"),
    ("TRANSIT_GATEWAY_IDS", "us-east-1=vpc-1", "\"vpc-1\""),
    ("TRANSIT_GATEWAY_IDS", "us-east-1", "\"us-east-1\""),
    ("TRANSIT_GATEWAY_IDS", "ap-south-1=tgw-1", "ap-south-1"),
    (
        "TRANSIT_GATEWAY_IDS",
        "us-east-1=tgw-1,us-east-1=tgw-2",
        "us-east-1 is given twice",
    ),
    ("ROUTE_TABLE_IDS", "eu-west-1=tgw-1", "\"tgw-1\""),
    ("PRUNE_ROUTES", "maybe", "\"maybe\""),
    ("MANAGE_VPC_ROUTES", "on", "\"on\""),
    (
        "PROTECTED_CIDRS",
        "10.0.0.0/8,10.1.1.1/16",
        "\"10.1.1.1/16\"",
    ),
    ("PROTECTED_CIDRS", "nonsense", "\"nonsense\""),
    ("RECHECK_QUEUE_URL", "my-queue", "\"my-queue\""),
    (
        "ACCOUNT_ROLE_ARNS",
        "eu-west-1=arn:aws:iam::12345:role/spoke",
        "arn:aws:iam::12345:role/spoke",
    ),
    (
        "ACCOUNT_ROLE_ARNS",
        "eu-west-1=arn:aws:s3:::bucket",
        "arn:aws:s3:::bucket",
    ),
    (
        "ACCOUNT_ROLE_ARNS",
        "ap-south-1=arn:aws:iam::111111111111:role/spoke",
        "ap-south-1",
    ),
    ("ACCOUNT_ROLE_ARNS", "eu-west-1", "\"eu-west-1\""),
    // The message names the rule, not the value (an external id is a secret).
    ("ROLE_EXTERNAL_ID", "x", "2 to 1224 characters"),
    ("ROLE_EXTERNAL_ID", "has space", "2 to 1224 characters"),
];

/// Variables no value of which is invalid.
const ALWAYS_VALID: &[&str] = &["EVENT_BUS_NAME"];

#[test]
fn each_invalid_configuration_value_is_one_error_naming_its_variable_and_value() {
    let long_key = "k".repeat(129);
    let values = INVALID_VALUES
        .iter()
        .map(|&(var, value, quote)| (var, value.to_owned(), quote))
        .chain([("TAG_KEY", long_key, "at most 128 characters")]);
    let mut checked = BTreeSet::new();
    let mut count = 0;
    for (variable, value, quote) in values {
        let err =
            config_with(variable, &value).expect_err(&format!("{variable}={value:?} was accepted"));
        let msg = err.to_string();
        assert_eq!(err.variable, variable, "{variable}={value:?}: {msg}");
        assert!(msg.starts_with(&format!("{variable}: ")), "{msg}");
        assert!(!msg.contains('\n'), "one line: {msg:?}");
        assert!(
            msg.contains(quote),
            "{variable}={value:?}: {msg:?} lacks {quote:?}"
        );
        checked.insert(variable);
        count += 1;
    }
    // Every variable is either checked here or has no invalid value.
    for variable in Config::VARIABLES {
        assert!(
            checked.contains(variable) || ALWAYS_VALID.contains(variable),
            "{variable} is not checked"
        );
    }
    for variable in ALWAYS_VALID {
        assert!(config_with(variable, "any name at all").is_ok());
    }
    println!(
        "configuration: {} of {} variables given {count} invalid values, each refused with one \
         error naming the variable; {} accept any value ({})",
        checked.len(),
        Config::VARIABLES.len(),
        ALWAYS_VALID.len(),
        ALWAYS_VALID.join(", ")
    );
    assert_eq!(checked.len() + ALWAYS_VALID.len(), Config::VARIABLES.len());
}

const CONFIG_CASES: u32 = 5_000;

#[test]
fn any_value_of_one_variable_is_accepted_or_refused_naming_that_variable() {
    let values = prop_oneof![
        any::<String>(),
        "[a-z0-9=,:/. -]{0,40}",
        select(vec![
            "us-east-1,",
            "=",
            ",,",
            " ",
            "tgw-rtb-1",
            "true",
            "0",
            "::/0",
            "aws:x"
        ])
        .prop_map(str::to_owned),
    ];
    let tally = RefCell::new(Tally::default());
    check_property(
        "one variable",
        proptest_config(CONFIG_CASES, 1),
        (select(Config::VARIABLES), values),
        |(variable, value)| {
            let mut t = tally.borrow_mut();
            match config_with(variable, &value) {
                Ok(_) => t.add("accepted", 1),
                Err(err) => {
                    t.add("refused", 1);
                    // The one rule that names the other variable: a pair of
                    // equal Regions is PASSIVE_REGION's fault.
                    let blamed = err.variable == variable
                        || (variable, err.variable) == ("ACTIVE_REGION", "PASSIVE_REGION");
                    prop_assert!(blamed, "{variable}={value:?}: {err}");
                    prop_assert!(err.to_string().starts_with(err.variable));
                }
            }
            Ok(())
        },
    );
    let t = tally.into_inner();
    println!(
        "configuration: {CONFIG_CASES} random values of one variable each: {} accepted, {} refused \
         naming that variable, 0 panics",
        t.get("accepted"),
        t.get("refused")
    );
    assert!(t.get("accepted") > 0 && t.get("refused") > 0, "{t}");
}

// ---------------------------------------------------------------------------
// Duplicates and order
// ---------------------------------------------------------------------------

/// The fixtures' peering and gateways, replaced by the world's when delivered.
const FIXTURE_ATTACHMENT: &str = "tgw-attach-0c0c0c0c0c0c0c0c3";
const FIXTURE_TGW_EAST: &str = "tgw-0aaaaaaaaaaaaaaa1";
const FIXTURE_TGW_WEST: &str = "tgw-0bbbbbbbbbbbbbbb2";

const STORY_REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const VPC_W1: &str = "vpc-0eeeeeeeeeeeeeee1";
const VPC_W2: &str = "vpc-0eeeeeeeeeeeeeee2";
const VPC_A1: &str = "vpc-0ddddddddddddddd1";

/// How many times each event is delivered in a shuffled run.
const REPLAYS: usize = 10;
const SHUFFLED_ORDERS: u32 = 100;

/// The simulated clock (each re-check round is a minute), per thread.
const T0: i64 = 1_795_600_000;
thread_local!(static NOW: Cell<i64> = const { Cell::new(T0) });

fn simulated_clock() -> i64 {
    NOW.with(Cell::get)
}

/// A `Tag Change on Resource` event for a VPC, like the fixtures.
fn tag_event(r: &str, vpc: &str, tagged: bool) -> Value {
    let name = if tagged {
        "tag-change-added.json"
    } else {
        "tag-change-removed.json"
    };
    with(
        fixture(name),
        &[
            ("/id", json!(format!("evt-{vpc}-{tagged}"))),
            ("/region", json!(r)),
            (
                "/resources",
                json!([format!("arn:aws:ec2:{r}:{ACCOUNT}:vpc/{vpc}")]),
            ),
        ],
    )
}

/// One step of the story: a change in the world and the events that tell of
/// it (events are hints: each asks for a look, whatever it names).
struct Step {
    change: fn(&World),
    events: Vec<Value>,
}

/// Three Regions; VPCs tagged, then a CIDR added and withdrawn, then a VPC
/// untagged. The events are every fixture, plus tag events of the other
/// Regions' VPCs.
fn story() -> Vec<Step> {
    vec![
        Step {
            change: |w| {
                w.vpc("us-east-1", FIXTURE_VPC, &["10.20.0.0/16"], true);
                w.vpc("eu-west-1", VPC_W1, &["10.30.0.0/16"], true);
                w.vpc("eu-west-1", VPC_W2, &["10.31.0.0/16"], true);
                w.vpc("ap-southeast-2", VPC_A1, &["10.40.0.0/16"], true);
            },
            events: vec![
                fixture("tag-change-added.json"),
                tag_event("eu-west-1", VPC_W1, true),
                tag_event("eu-west-1", VPC_W2, true),
                tag_event("ap-southeast-2", VPC_A1, true),
                fixture("cloudtrail-create-vpc.json"),
                fixture("tag-change-other-key.json"),
            ],
        },
        Step {
            change: |w| {
                w.vpc(
                    "us-east-1",
                    FIXTURE_VPC,
                    &["10.20.0.0/16", "10.21.0.0/16"],
                    true,
                )
            },
            events: vec![
                fixture("cloudtrail-associate-vpc-cidr-block.json"),
                fixture("cloudtrail-create-tgw-peering.json"),
                fixture("cloudtrail-accept-tgw-peering.json"),
                fixture("state-change.json"),
                fixture("sqs-recheck.json"),
                fixture("scheduled-event.json"),
            ],
        },
        Step {
            change: |w| w.set_cidr("us-east-1", FIXTURE_VPC, "10.21.0.0/16", CidrState::Gone),
            events: vec![fixture("cloudtrail-disassociate-vpc-cidr-block.json")],
        },
        Step {
            change: |w| w.untag("eu-west-1", VPC_W2),
            events: vec![
                tag_event("eu-west-1", VPC_W2, false),
                // Names the fixtures' VPC, still tagged: the look must
                // withdraw nothing of it.
                fixture("tag-change-removed.json"),
                fixture("cloudtrail-delete-vpc.json"),
                fixture("cloudtrail-delete-tgw-peering.json"),
            ],
        },
    ]
}

/// The fixtures' peering and gateway ids replaced by the world's (the
/// peering's only once it exists: before, the event names an unknown one).
fn adapt(world: &World, event: &Value) -> Value {
    let mut text = event.to_string();
    if let Some(id) = world.peering_between("us-east-1", "eu-west-1") {
        text = text.replace(FIXTURE_ATTACHMENT, id.as_str());
    }
    text = text
        .replace(FIXTURE_TGW_EAST, world.tgw("us-east-1").as_str())
        .replace(FIXTURE_TGW_WEST, world.tgw("eu-west-1").as_str());
    serde_json::from_str(&text).unwrap()
}

struct Run {
    rig: Rig,
    deliveries: usize,
}

impl Run {
    fn new() -> Run {
        NOW.with(|now| now.set(T0));
        let mut rig = Rig::new(World::new(&STORY_REGIONS));
        rig.handler.clock = simulated_clock;
        Run { rig, deliveries: 0 }
    }

    fn deliver(&mut self, payload: &Value) {
        self.deliveries += 1;
        if let Err(e) = block_on(self.rig.handler.handle(payload)) {
            panic!("delivery {} failed: {e}\n{payload}", self.deliveries);
        }
    }

    /// Delivers the state changes and re-checks the bus and queue collected,
    /// a minute apart, AWS moving the peerings on in between, until none is
    /// left, or for `rounds` rounds only (the rest stays in flight).
    fn drive(&mut self, rounds: Option<usize>) {
        for round in 0..rounds.unwrap_or(100) {
            let changes: Vec<_> = self
                .rig
                .bus
                .take()
                .into_iter()
                .filter(|e| e.detail_type == STATE_CHANGE)
                .collect();
            let rechecks: Vec<Recheck> =
                self.rig.queue.take().into_iter().map(|(r, _)| r).collect();
            if changes.is_empty() && rechecks.is_empty() {
                return;
            }
            for (i, e) in changes.iter().enumerate() {
                self.deliver(&delivered(e, &format!("change-{round}-{i}")));
            }
            NOW.with(|now| now.set(now.get() + 60));
            self.rig.world.advance_peerings();
            for batch in rechecks.chunks(10) {
                self.deliver(&sqs_batch(batch));
            }
        }
        assert!(
            rounds.is_some(),
            "no convergence after 100 rounds of re-checks"
        );
    }

    /// Plays the story: at each step the world changes, the events of its
    /// slot arrive in the order given, and the re-checks and state changes
    /// run for the step's number of rounds (`None`: until none is left), the
    /// next change coming while the rest are in flight. Then they run to the
    /// end, and a scheduled sweep must find nothing to do: the events alone
    /// converged.
    fn play(mut self, story: &[Step], slots: &[Vec<&Value>], rounds: &[Option<usize>]) -> Run {
        for ((step, slot), rounds) in story.iter().zip(slots).zip(rounds) {
            (step.change)(&self.rig.world);
            for event in slot {
                let event = adapt(&self.rig.world, event);
                self.deliver(&event);
            }
            self.drive(*rounds);
        }
        self.drive(None);
        let before = self.rig.world.writes().len();
        self.deliver(&fixture("scheduled-event.json"));
        self.drive(None);
        let swept = &self.rig.world.writes()[before..];
        assert!(
            swept.is_empty(),
            "the sweep after convergence wrote {swept:?}"
        );
        self
    }
}

#[test]
fn events_replayed_ten_times_in_shuffled_orders_converge_to_the_same_network() {
    let story = story();
    let events = story.iter().map(|s| s.events.len()).sum::<usize>();
    let last = story.len() - 1;

    // Once through: each event once, in order, right after its change.
    let once: Vec<Vec<&Value>> = story.iter().map(|s| s.events.iter().collect()).collect();
    let reference = Run::new().play(&story, &once, &vec![None; story.len()]);
    let network = reference.rig.world.network();
    let writes = reference.rig.world.writes();
    // The story exercised creates, accepts, routes and withdrawals.
    for expected in [
        "create_peering",
        "accept",
        "associate",
        "create_route",
        "delete_route us-east-1 10.31.0.0/16",
        "delete_route eu-west-1 10.21.0.0/16",
    ] {
        assert!(
            writes.iter().any(|w| w.starts_with(expected)),
            "{expected}: {writes:?}"
        );
    }
    assert_eq!(
        network.iter().filter(|l| l.starts_with("peering")).count(),
        3
    );
    assert!(network
        .iter()
        .filter(|l| l.starts_with("peering"))
        .all(|l| l.matches("available").count() == 2));
    assert_eq!(network.iter().filter(|l| l.contains(": route ")).count(), 6);

    // Then each event REPLAYS times: every copy delayed by 0 to 3 steps
    // (never before the change it tells of), the copies of each step
    // delivered in a random order, and the next change often coming while
    // re-check chains are still in flight (0 to 2 rounds run of them).
    let copies = events * REPLAYS;
    let deliveries = Cell::new(0);
    let config = ProptestConfig {
        max_shrink_iters: 64,
        ..proptest_config(SHUFFLED_ORDERS, 2)
    };
    check_property(
        "shuffled replays",
        config,
        (
            prop::collection::vec((0..=3_usize, any::<u64>()), copies),
            prop::collection::vec(prop::option::of(0..3_usize), story.len()),
        ),
        |(schedule, rounds)| {
            let mut slots: Vec<Vec<(u64, usize, &Value)>> = vec![Vec::new(); story.len()];
            let all = story
                .iter()
                .enumerate()
                .flat_map(|(i, s)| s.events.iter().map(move |e| (i, e)))
                .flat_map(|x| std::iter::repeat_n(x, REPLAYS));
            for (n, ((step, event), (delay, order))) in all.zip(&schedule).enumerate() {
                slots[(step + delay).min(last)].push((*order, n, event));
            }
            let slots: Vec<Vec<&Value>> = slots
                .into_iter()
                .map(|mut slot| {
                    slot.sort_by_key(|&(order, n, _)| (order, n));
                    slot.into_iter().map(|(_, _, e)| e).collect()
                })
                .collect();
            let run = Run::new().play(&story, &slots, &rounds);
            deliveries.set(deliveries.get() + run.deliveries);
            prop_assert_eq!(run.rig.world.network(), network.clone());
            Ok(())
        },
    );
    println!(
        "duplicates and order: {events} events (all 13 fixtures and 4 tag events), once through in \
         {} deliveries; then {SHUFFLED_ORDERS} shuffled schedules of {REPLAYS} copies each \
         ({} replays, delayed by up to 3 steps, the world changing while re-checks are in flight), \
         {} deliveries in all with the re-checks and state changes: every run ended in the same \
         network ({} peerings, {} associations, {} routes) and a sweep with nothing to do",
        reference.deliveries,
        SHUFFLED_ORDERS as usize * copies,
        deliveries.get(),
        network.iter().filter(|l| l.starts_with("peering")).count(),
        network.iter().filter(|l| l.ends_with("associated")).count(),
        network.iter().filter(|l| l.contains(": route ")).count(),
    );
}

// ---------------------------------------------------------------------------
// Planner safety on random worlds
// ---------------------------------------------------------------------------
//
// Propagated routes. Transit gateway route tables: the adapter asks
// SearchTransitGatewayRoutes for `type=static` only and skips any other type
// (aws.rs), so the observed model has no propagated route there; what is
// asserted is that every DeleteRoute names a static route that was read, with
// the same target, so a CIDR that exists only as a propagated route can never
// be deleted. (A CreateRoute for a peer's tagged CIDR is not checked against
// propagated routes, which the planner cannot see: see the report.)
// VPC route tables (MANAGE_VPC_ROUTES) are read with every route and its
// origin, so there the worlds have propagated (`EnableVgwRoutePropagation`)
// and local (`CreateRouteTable`) routes, and the properties assert that no
// VPC route is ever created over, or deleted from, anything but a route the
// tool could have made (`CreateRoute`, toward the Region's gateway).

const PLAN_REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// VPC CIDRs: equal, nested and disjoint blocks, IPv4 and IPv6, so that
/// overlaps within and across Regions are common.
const VPC_CIDRS: [&str; 10] = [
    "10.0.0.0/16",
    "10.0.0.0/17",
    "10.0.128.0/17",
    "10.1.0.0/16",
    "10.2.0.0/16",
    "10.0.0.0/8",
    "172.16.0.0/24",
    "172.16.1.0/24",
    "2600:1f18:1::/56",
    "2600:1f18:2::/56",
];
/// CIDRs only routes have.
const ROUTE_ONLY_CIDRS: [&str; 2] = ["192.168.0.0/16", "10.9.0.0/16"];
/// Summary routes of VPC route tables, which opt a table in.
const DEFAULT_ROUTES: [&str; 2] = ["0.0.0.0/0", "::/0"];
/// Origins of VPC routes, `CreateRoute` the most common.
const ORIGINS: [&str; 7] = [
    CREATE_ROUTE_ORIGIN,
    CREATE_ROUTE_ORIGIN,
    CREATE_ROUTE_ORIGIN,
    CREATE_ROUTE_ORIGIN,
    "CreateRouteTable",
    "EnableVgwRoutePropagation",
    "",
];
const PROTECTABLE: [&str; 5] = [
    "10.0.0.0/8",
    "10.1.0.0/16",
    "192.168.0.0/16",
    "2600:1f18::/32",
    "172.16.0.0/24",
];
/// Peering states, `available` the most common.
const PEERING_STATES: [&str; 10] = [
    "available",
    "available",
    "available",
    "available",
    "pendingAcceptance",
    "pending",
    "initiatingRequest",
    "deleted",
    "failed",
    "rejected",
];
const PLAN_CASES: u32 = 2_000;

#[derive(Debug, Clone)]
struct VpcSpec {
    tag: Option<&'static str>,
    cidrs: Vec<(usize, CidrState)>,
}

#[derive(Debug, Clone)]
enum AccepterView {
    Same,
    Other(&'static str),
    Unlisted,
}

#[derive(Debug, Clone)]
struct PeeringSpec {
    pair: usize,
    reversed: bool,
    state: &'static str,
    accepter: AccepterView,
    managed: bool,
    created_at: i64,
}

#[derive(Debug, Clone)]
enum TargetSpec {
    /// One of the world's peerings (by index, modulo their number).
    Peering(usize),
    OtherAttachment,
    Blackhole,
    Unknown,
}

#[derive(Debug, Clone)]
enum VpcTargetSpec {
    /// The Region's transit gateway.
    Gateway,
    OtherGateway,
    Other(&'static str),
}

#[derive(Debug, Clone)]
struct VpcTableSpec {
    /// The VPC (by index, modulo their number).
    vpc: usize,
    serves_subnets: bool,
    routes: Vec<(usize, VpcTargetSpec, &'static str)>,
}

#[derive(Debug, Clone)]
struct TableSpec {
    vpcs: Vec<VpcSpec>,
    routes: Vec<(usize, TargetSpec)>,
    associations: u8,
    truncated: bool,
    /// `None`: not read.
    vpc_tables: Option<Vec<VpcTableSpec>>,
}

#[derive(Debug, Clone)]
struct WorldSpec {
    regions: usize,
    tables: Vec<TableSpec>,
    peerings: Vec<PeeringSpec>,
    prune: bool,
    manage_vpc_routes: bool,
    protected: Vec<usize>,
}

fn world_spec() -> impl Strategy<Value = WorldSpec> {
    let cidr_state = prop_oneof![
        4 => Just(CidrState::Associated),
        1 => Just(CidrState::Associating),
        1 => Just(CidrState::Gone),
    ];
    let vpc = (
        select(vec![Some("true"), Some("TRUE"), Some("false"), None]),
        prop::collection::vec((0..VPC_CIDRS.len(), cidr_state), 1..3),
    )
        .prop_map(|(tag, cidrs)| VpcSpec { tag, cidrs });
    let target = prop_oneof![
        6 => any::<usize>().prop_map(TargetSpec::Peering),
        1 => Just(TargetSpec::OtherAttachment),
        1 => Just(TargetSpec::Blackhole),
        1 => Just(TargetSpec::Unknown),
    ];
    let vpc_target = prop_oneof![
        4 => Just(VpcTargetSpec::Gateway),
        1 => Just(VpcTargetSpec::OtherGateway),
        1 => select(vec!["local", "igw-0a1", "pcx-0b2", "nat-0c3"]).prop_map(VpcTargetSpec::Other),
    ];
    let vpc_table = (
        any::<usize>(),
        prop::bool::weighted(0.85),
        prop::collection::vec(
            (0..VPC_ROUTE_CIDRS, vpc_target, select(ORIGINS.to_vec())),
            0..6,
        ),
    )
        .prop_map(|(vpc, serves_subnets, routes)| VpcTableSpec {
            vpc,
            serves_subnets,
            routes,
        });
    let table = (
        prop::collection::vec(vpc, 0..5),
        prop::collection::vec((0..TGW_ROUTE_CIDRS, target), 0..8),
        any::<u8>(),
        prop::bool::weighted(0.05),
        prop::option::weighted(0.9, prop::collection::vec(vpc_table, 0..4)),
    )
        .prop_map(
            |(vpcs, routes, associations, truncated, vpc_tables)| TableSpec {
                vpcs,
                routes,
                associations,
                truncated,
                vpc_tables,
            },
        );
    let accepter = prop_oneof![
        4 => Just(AccepterView::Same),
        1 => select(PEERING_STATES.to_vec()).prop_map(AccepterView::Other),
        1 => Just(AccepterView::Unlisted),
    ];
    let peering = (
        0..3_usize,
        prop::bool::weighted(0.2),
        select(PEERING_STATES.to_vec()),
        accepter,
        prop::bool::weighted(0.75),
        0..3_i64,
    )
        .prop_map(
            |(pair, reversed, state, accepter, managed, created_at)| PeeringSpec {
                pair,
                reversed,
                state,
                accepter,
                managed,
                created_at,
            },
        );
    (
        2..=3_usize,
        prop::collection::vec(table, 3),
        prop::collection::vec(peering, 0..5),
        any::<bool>(),
        prop::bool::weighted(0.7),
        prop::collection::vec(0..PROTECTABLE.len(), 0..3),
    )
        .prop_map(
            |(regions, tables, peerings, prune, manage_vpc_routes, protected)| WorldSpec {
                regions,
                tables,
                peerings,
                prune,
                manage_vpc_routes,
                protected,
            },
        )
}

fn cidr(s: &str) -> Cidr {
    Cidr::parse(s).unwrap()
}

/// The CIDRs of routes: those of VPCs, then route-only ones, then summaries
/// (in VPC route tables only).
fn route_cidr(i: usize) -> Cidr {
    let mut all = VPC_CIDRS
        .iter()
        .chain(&ROUTE_ONLY_CIDRS)
        .chain(&DEFAULT_ROUTES);
    cidr(all.nth(i).unwrap())
}
const TGW_ROUTE_CIDRS: usize = VPC_CIDRS.len() + ROUTE_ONLY_CIDRS.len();
const VPC_ROUTE_CIDRS: usize = TGW_ROUTE_CIDRS + DEFAULT_ROUTES.len();

fn gateway(n: usize) -> GatewayRef {
    GatewayRef {
        region: world::region(PLAN_REGIONS[n]),
        transit_gateway_id: TransitGatewayId::parse(&format!("tgw-{n}")).unwrap(),
        account_id: Some(AccountId::parse(ACCOUNT).unwrap()),
    }
}

/// The observed state and configuration a spec describes: one available
/// gateway per Region (`tgw-<n>`, default table `tgw-rtb-<n>`).
fn build(spec: &WorldSpec) -> (Observed, Config) {
    let pairs: Vec<(usize, usize)> = [(0, 1), (0, 2), (1, 2)]
        .into_iter()
        .filter(|&(_, b)| b < spec.regions)
        .collect();
    let ids: Vec<AttachmentId> = (0..spec.peerings.len())
        .map(|k| AttachmentId::parse(&format!("tgw-attach-{k}")).unwrap())
        .collect();
    let mut observed = Observed::default();
    for n in 0..spec.regions {
        let t = &spec.tables[n];
        let state = observed.regions.entry(gateway(n).region).or_default();
        state.transit_gateways.push(TransitGateway {
            id: gateway(n).transit_gateway_id,
            owner_id: gateway(n).account_id,
            state: "available".into(),
            default_association_route_table: Some(
                RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap(),
            ),
        });
        for (j, v) in t.vpcs.iter().enumerate() {
            state.vpcs.push(Vpc {
                id: VpcId::parse(&format!("vpc-{n}x{j}")).unwrap(),
                tags: v
                    .tag
                    .map(|value| ("addToTransitGateway".to_owned(), value.to_owned()))
                    .into_iter()
                    .collect(),
                cidrs: v
                    .cidrs
                    .iter()
                    .map(|&(c, s)| (cidr(VPC_CIDRS[c]), s))
                    .collect(),
            });
        }
        let mut seen = BTreeSet::new();
        let static_routes = t
            .routes
            .iter()
            // One static route per CIDR in a table, as in AWS.
            .filter(|(c, _)| seen.insert(*c))
            .map(|(c, target)| {
                let (target, state) = match target {
                    TargetSpec::Peering(k) if !ids.is_empty() => (
                        RouteTarget::Attachment(ids[k % ids.len()].clone()),
                        "active",
                    ),
                    TargetSpec::Peering(_) | TargetSpec::OtherAttachment => (
                        RouteTarget::Attachment(AttachmentId::parse("tgw-attach-vpc9").unwrap()),
                        "active",
                    ),
                    TargetSpec::Blackhole => (RouteTarget::Blackhole, "blackhole"),
                    TargetSpec::Unknown => (RouteTarget::Unknown, "active"),
                };
                StaticRoute {
                    cidr: route_cidr(*c),
                    target,
                    state: state.into(),
                }
            })
            .collect();
        state.route_table = Some(RouteTableState {
            id: RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap(),
            static_routes,
            associations: ids
                .iter()
                .enumerate()
                .filter(|(k, _)| t.associations & (1 << (k % 8)) != 0)
                .map(|(_, id)| id.clone())
                .collect(),
            truncated: t.truncated,
        });
        state.vpc_route_tables = t.vpc_tables.as_ref().map(|tables| {
            tables
                .iter()
                .enumerate()
                .map(|(k, vt)| vpc_route_table(n, k, vt, t.vpcs.len()))
                .collect()
        });
    }
    for (p, id) in spec.peerings.iter().zip(&ids) {
        let (a, b) = pairs[p.pair % pairs.len()];
        let (requester, accepter) = if p.reversed { (b, a) } else { (a, b) };
        let views = [
            Some((requester, p.state)),
            match p.accepter {
                AccepterView::Same => Some((accepter, p.state)),
                AccepterView::Other(s) => Some((accepter, s)),
                AccepterView::Unlisted => None,
            },
        ];
        for (side, state) in views.into_iter().flatten() {
            let region = gateway(side).region;
            let attachment = PeeringAttachment {
                id: id.clone(),
                requester: gateway(requester),
                accepter: gateway(accepter),
                states: [(region.clone(), PeeringState::parse(state))].into(),
                created_at: Some(p.created_at),
                tags: p
                    .managed
                    .then(|| (MANAGED_TAG_KEY.to_owned(), "true".to_owned()))
                    .into_iter()
                    .collect(),
            };
            observed
                .regions
                .get_mut(&region)
                .unwrap()
                .peerings
                .push(attachment);
        }
    }
    let mut config = Config::for_regions(
        PLAN_REGIONS[..spec.regions]
            .iter()
            .map(|r| world::region(r))
            .collect(),
    );
    config.prune_routes = spec.prune;
    config.manage_vpc_routes = spec.manage_vpc_routes;
    config.protected_cidrs = spec
        .protected
        .iter()
        .map(|&i| cidr(PROTECTABLE[i]))
        .collect();
    (observed, config)
}

/// Route table `k` of Region `n`, of one of its `vpcs` VPCs (or of a VPC
/// not read, when it has none).
fn vpc_route_table(n: usize, k: usize, spec: &VpcTableSpec, vpcs: usize) -> VpcRouteTable {
    let vpc = match vpcs {
        0 => format!("vpc-{n}x99"),
        _ => format!("vpc-{n}x{}", spec.vpc % vpcs),
    };
    let mut seen = BTreeSet::new();
    VpcRouteTable {
        id: VpcRouteTableId::parse(&format!("rtb-{n}x{k}")).unwrap(),
        vpc_id: VpcId::parse(&vpc).unwrap(),
        serves_subnets: spec.serves_subnets,
        routes: spec
            .routes
            .iter()
            // One route per CIDR in a table, as in AWS.
            .filter(|(c, _, _)| seen.insert(*c))
            .map(|(c, target, origin)| VpcRoute {
                cidr: route_cidr(*c),
                target: match target {
                    VpcTargetSpec::Gateway => {
                        VpcRouteTarget::TransitGateway(gateway(n).transit_gateway_id)
                    }
                    VpcTargetSpec::OtherGateway => {
                        VpcRouteTarget::TransitGateway(TransitGatewayId::parse("tgw-9").unwrap())
                    }
                    VpcTargetSpec::Other(other) => VpcRouteTarget::Other((*other).to_owned()),
                },
                origin: (*origin).to_owned(),
                state: "active".into(),
            })
            .collect(),
    }
}

/// The rules, restated from the README on the observed state, to check the
/// planner against.
struct Oracle {
    config: Config,
    /// Associated CIDRs of tagged VPCs, per Region.
    tagged: BTreeMap<Region, BTreeSet<Cidr>>,
    /// CIDRs proven to be the tool's to withdraw, per Region: those of
    /// untagged VPCs and the ones no longer associated, unless a tagged VPC
    /// of the Region still has them.
    withdrawn: BTreeMap<Region, BTreeSet<Cidr>>,
    /// Tagged CIDRs that overlap a tagged CIDR of another Region.
    overlapping: BTreeSet<(Region, Cidr)>,
    peerings: Vec<PeeringAttachment>,
    /// The static routes read, per Region.
    routes: BTreeMap<Region, BTreeMap<Cidr, RouteTarget>>,
    /// Each Region's transit gateway.
    gateways: BTreeMap<Region, TransitGatewayId>,
    /// The VPC route tables read.
    vpc_tables: BTreeMap<VpcRouteTableId, VpcRouteTable>,
    /// Per VPC: tagged, and has an associated IPv6 block.
    vpcs: BTreeMap<VpcId, (bool, bool)>,
    /// Every CIDR of every VPC (tagged or not, not gone), per Region.
    local: BTreeMap<Region, BTreeSet<Cidr>>,
}

impl Oracle {
    fn new(observed: &Observed, config: &Config) -> Oracle {
        let mut tagged: BTreeMap<Region, BTreeSet<Cidr>> = BTreeMap::new();
        let mut withdrawn: BTreeMap<Region, BTreeSet<Cidr>> = BTreeMap::new();
        let mut routes = BTreeMap::new();
        let mut local: BTreeMap<Region, BTreeSet<Cidr>> = BTreeMap::new();
        let (mut gateways, mut vpc_tables, mut vpcs) =
            (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for (region, state) in &observed.regions {
            let (t, w) = (
                tagged.entry(region.clone()).or_default(),
                withdrawn.entry(region.clone()).or_default(),
            );
            for vpc in &state.vpcs {
                for &(c, s) in &vpc.cidrs {
                    match (vpc.is_tagged(&config.tag_key), s) {
                        (true, CidrState::Associated) => t.insert(c),
                        (true, CidrState::Associating) => false,
                        _ => w.insert(c),
                    };
                }
            }
            w.retain(|c| !t.contains(c));
            gateways.insert(region.clone(), state.transit_gateways[0].id.clone());
            for table in state.vpc_route_tables.iter().flatten() {
                vpc_tables.insert(table.id.clone(), table.clone());
            }
            local.entry(region.clone()).or_default().extend(
                state
                    .vpcs
                    .iter()
                    .flat_map(|v| v.cidrs.iter())
                    .filter(|(_, s)| *s != CidrState::Gone)
                    .map(|(c, _)| *c),
            );
            for vpc in &state.vpcs {
                let ipv6 = vpc.associated_cidrs().any(|c| c.is_ipv6());
                vpcs.insert(vpc.id.clone(), (vpc.is_tagged(&config.tag_key), ipv6));
            }
            let table = state.route_table.as_ref().unwrap();
            routes.insert(
                region.clone(),
                table
                    .static_routes
                    .iter()
                    .map(|r| (r.cidr, r.target.clone()))
                    .collect(),
            );
        }
        let mut overlapping = BTreeSet::new();
        for (r, cs) in &tagged {
            for (q, ds) in &tagged {
                for c in cs
                    .iter()
                    .filter(|c| r != q && ds.iter().any(|d| c.overlaps(d)))
                {
                    overlapping.insert((r.clone(), *c));
                }
            }
        }
        Oracle {
            config: config.clone(),
            tagged,
            withdrawn,
            overlapping,
            peerings: observed.peerings(),
            routes,
            gateways,
            vpc_tables,
            vpcs,
            local,
        }
    }

    /// A peering between `region` and `peer` (a managed one if `managed`),
    /// available on `region`'s side.
    fn available(&self, region: &Region, peer: &Region, managed: bool) -> bool {
        self.peerings.iter().any(|p| {
            let ends = (&p.requester.region, &p.accepter.region);
            (p.is_managed() || !managed)
                && (ends == (region, peer) || ends == (peer, region))
                && p.state_in(region) == PeeringState::Available
        })
    }

    /// The peer Regions that have `cidr` tagged, outside any overlap.
    fn owners<'a>(
        &'a self,
        region: &'a Region,
        cidr: &'a Cidr,
    ) -> impl Iterator<Item = &'a Region> {
        self.tagged.iter().filter_map(move |(p, cs)| {
            (p != region && cs.contains(cidr) && !self.overlapping.contains(&(p.clone(), *cidr)))
                .then_some(p)
        })
    }

    fn tagged_anywhere(&self, cidr: &Cidr) -> bool {
        self.tagged.values().any(|cs| cs.contains(cidr))
    }

    /// The peering `id` with `region` on one side: (other Region, managed).
    fn peer(&self, id: &AttachmentId, region: &Region) -> Option<(Region, bool)> {
        let p = self.peerings.iter().find(|p| &p.id == id)?;
        let other = if &p.requester.region == region {
            &p.accepter.region
        } else if &p.accepter.region == region {
            &p.requester.region
        } else {
            return None;
        };
        Some((other.clone(), p.is_managed()))
    }

    fn is_managed_peering(&self, target: &RouteTarget) -> bool {
        matches!(target, RouteTarget::Attachment(id)
            if self.peerings.iter().any(|p| &p.id == id && p.is_managed()))
    }
}

/// Where a route write goes: a transit gateway route table, toward a
/// peering, or a VPC route table, toward the Region's transit gateway.
enum Via<'a> {
    Peering(&'a AttachmentId),
    Gateway(&'a VpcRouteTableId, &'a TransitGatewayId),
}

/// A route write of a plan.
struct RouteWrite<'a> {
    delete: bool,
    region: &'a Region,
    cidr: Cidr,
    via: Via<'a>,
}

fn route_writes(plan: &Plan) -> Vec<RouteWrite<'_>> {
    plan.actions
        .iter()
        .filter_map(|p| {
            let (delete, region, cidr, via) = match &p.action {
                Action::CreateRoute {
                    region,
                    cidr,
                    attachment_id,
                    ..
                } => (false, region, cidr, Via::Peering(attachment_id)),
                Action::DeleteRoute {
                    region,
                    cidr,
                    attachment_id,
                    ..
                } => (true, region, cidr, Via::Peering(attachment_id)),
                Action::CreateVpcRoute {
                    region,
                    route_table_id,
                    cidr,
                    transit_gateway_id,
                } => (
                    false,
                    region,
                    cidr,
                    Via::Gateway(route_table_id, transit_gateway_id),
                ),
                Action::DeleteVpcRoute {
                    region,
                    route_table_id,
                    cidr,
                    transit_gateway_id,
                } => (
                    true,
                    region,
                    cidr,
                    Via::Gateway(route_table_id, transit_gateway_id),
                ),
                _ => return None,
            };
            Some(RouteWrite {
                delete,
                region,
                cidr: *cidr,
                via,
            })
        })
        .collect()
}

/// The writes to transit gateway route tables, with their peering.
fn peering_writes<'a>(
    writes: &'a [RouteWrite<'a>],
) -> impl Iterator<Item = (&'a RouteWrite<'a>, &'a AttachmentId)> {
    writes.iter().filter_map(|w| match w.via {
        Via::Peering(a) => Some((w, a)),
        Via::Gateway(..) => None,
    })
}

/// A write to a VPC route table, with its gateway and the table as read.
type VpcWrite<'a> = (&'a RouteWrite<'a>, &'a TransitGatewayId, &'a VpcRouteTable);

/// The writes to VPC route tables (each table must have been read).
fn vpc_writes<'a>(
    o: &'a Oracle,
    writes: &'a [RouteWrite<'a>],
) -> Result<Vec<VpcWrite<'a>>, TestCaseError> {
    writes
        .iter()
        .filter_map(|w| match w.via {
            Via::Gateway(id, tgw) => Some(
                o.vpc_tables
                    .get(id)
                    .map(|t| (w, tgw, t))
                    .ok_or_else(|| TestCaseError::fail(format!("{id} was never read"))),
            ),
            Via::Peering(_) => None,
        })
        .collect()
}

/// Runs `property` on PLAN_CASES random worlds drawn from seed `stream`
/// (PRUNE_ROUTES forced when `prune` says so); returns what it counted.
fn planner_property(
    name: &str,
    stream: u64,
    prune: Option<bool>,
    property: impl Fn(&Oracle, &Plan, &mut Tally) -> Result<(), TestCaseError>,
) -> Tally {
    let tally = RefCell::new(Tally::default());
    check_property(
        name,
        proptest_config(PLAN_CASES, stream),
        world_spec(),
        |mut spec| {
            if let Some(prune) = prune {
                spec.prune = prune;
            }
            let (observed, config) = build(&spec);
            let plan = plan(&observed, &config).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let oracle = Oracle::new(&observed, &config);
            let mut t = tally.borrow_mut();
            t.add("worlds", 1);
            for w in route_writes(&plan) {
                t.add(
                    match (&w.via, w.delete) {
                        (Via::Peering(_), false) => "creates",
                        (Via::Peering(_), true) => "deletes",
                        (Via::Gateway(..), false) => "VPC route creates",
                        (Via::Gateway(..), true) => "VPC route deletes",
                    },
                    1,
                );
            }
            property(&oracle, &plan, &mut t)
        },
    );
    tally.into_inner()
}

#[test]
fn no_route_inside_protected_cidrs_is_ever_deleted() {
    let t = planner_property("protected CIDRs", 3, None, |o, plan, t| {
        for w in route_writes(plan).iter().filter(|w| w.delete) {
            prop_assert!(!o.config.is_protected(&w.cidr), "{} deleted", w.cidr);
        }
        // The routes this property is about: protected, toward a managed
        // peering, and otherwise the tool's to remove.
        for (region, routes) in &o.routes {
            for (c, target) in routes {
                let RouteTarget::Attachment(id) = target else {
                    continue;
                };
                if let Some((peer, true)) = o.peer(id, region) {
                    let removable = o.withdrawn[&peer].contains(c) || o.config.prune_routes;
                    if removable && o.config.is_protected(c) {
                        t.add("protected routes kept", 1);
                    }
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (a) PROTECTED_CIDRS: {} random worlds, {} transit gateway and {} VPC route \
         deletes, none inside PROTECTED_CIDRS; {} protected transit gateway routes that would \
         otherwise go were kept",
        t.get("worlds"),
        t.get("deletes"),
        t.get("VPC route deletes"),
        t.get("protected routes kept")
    );
    assert!(
        t.get("deletes") > 0 && t.get("protected routes kept") > 0,
        "{t}"
    );
    assert!(t.get("VPC route deletes") > 0, "{t}");
}

#[test]
fn without_prune_routes_only_routes_proven_owned_by_an_untagged_vpc_are_deleted() {
    let t = planner_property("PRUNE_ROUTES off", 4, Some(false), |o, plan, t| {
        let writes = route_writes(plan);
        for (w, attachment) in peering_writes(&writes).filter(|(w, _)| w.delete) {
            let Some((peer, true)) = o.peer(attachment, w.region) else {
                return Err(TestCaseError::fail(format!(
                    "{} deleted from {}: {attachment} is not a managed peering of it",
                    w.cidr, w.region
                )));
            };
            prop_assert!(
                o.withdrawn[&peer].contains(&w.cidr),
                "{} deleted from {} toward {peer}, where no untagged VPC proves it",
                w.cidr,
                w.region
            );
        }
        // A VPC route goes only when it is provably the tool's, PRUNE_ROUTES
        // or not: made by CreateRoute toward the Region's gateway, over a
        // managed peering available on this side, and its CIDR withdrawn in
        // that peer Region (tagged nowhere), or the table's VPC untagged.
        for (w, tgw, table) in vpc_writes(o, &writes)?.into_iter().filter(|v| v.0.delete) {
            let route = table.routes.iter().find(|r| r.cidr == w.cidr);
            let own = VpcRouteTarget::TransitGateway(o.gateways[w.region].clone());
            prop_assert!(
                route.is_some_and(|r| r.is_created() && r.target == own)
                    && *tgw == o.gateways[w.region],
                "{} deleted from {}: {route:?}",
                w.cidr,
                table.id
            );
            let vpc_tagged = o.vpcs.get(&table.vpc_id).is_some_and(|v| v.0);
            let proven = o.config.regions.iter().filter(|p| *p != w.region).any(|p| {
                o.available(w.region, p, true)
                    && ((o.withdrawn[p].contains(&w.cidr) && !o.tagged_anywhere(&w.cidr))
                        || (!vpc_tagged && o.owners(w.region, &w.cidr).any(|q| q == p)))
            });
            prop_assert!(proven, "{} deleted from {} unproven", w.cidr, table.id);
        }
        // The routes kept for want of proof.
        for (region, routes) in &o.routes {
            for (c, target) in routes {
                if let RouteTarget::Attachment(id) = target {
                    if let Some((peer, true)) = o.peer(id, region) {
                        if !o.withdrawn[&peer].contains(c) && !o.tagged[&peer].contains(c) {
                            t.add("unproven routes", 1);
                        }
                    }
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (b) PRUNE_ROUTES off: {} random worlds, {} transit gateway route deletes, each \
         toward a managed peering and of a CIDR an untagged VPC (or a withdrawn block) of the peer \
         Region proves; {} routes to managed peerings matching no VPC, none deleted; {} VPC route \
         deletes, each of a route made by CreateRoute toward the Region's gateway and proven the \
         tool's",
        t.get("worlds"),
        t.get("deletes"),
        t.get("unproven routes"),
        t.get("VPC route deletes"),
    );
    assert!(t.get("deletes") > 0 && t.get("unproven routes") > 0, "{t}");
    assert!(t.get("VPC route deletes") > 0, "{t}");
}

/// (Region, CIDR) marked Conflict in the plan's route reports.
fn conflict_marks(plan: &Plan) -> BTreeSet<(Region, Cidr)> {
    plan.tables
        .iter()
        .flat_map(|t| {
            t.routes
                .iter()
                .filter(|r| r.mark == RouteMark::Conflict)
                .map(|r| (t.region.clone(), r.cidr))
        })
        .collect()
}

/// No transit gateway route is created or deleted for a CIDR in any
/// conflict: a tagged CIDR that overlaps another Region's, or a remote CIDR
/// that overlaps a CIDR of any VPC (tagged or not) of the table's own Region,
/// whose traffic a static route would take. No route is created over an
/// existing one.
#[test]
fn no_route_is_created_or_deleted_for_a_cidr_in_conflict() {
    let t = planner_property("conflicts", 5, None, |o, plan, t| {
        let marks = conflict_marks(plan);
        t.add("conflicts", marks.len());
        let writes = route_writes(plan);
        for (w, attachment) in peering_writes(&writes) {
            let (peer, _) = o
                .peer(attachment, w.region)
                .ok_or_else(|| TestCaseError::fail(format!("{attachment} is no peering")))?;
            prop_assert!(
                !o.overlapping.contains(&(peer.clone(), w.cidr)),
                "{} written in {} toward {peer}, where it overlaps another Region's",
                w.cidr,
                w.region
            );
            let marked = marks.contains(&(w.region.clone(), w.cidr));
            let in_overlap = o.overlapping.iter().any(|(_, c)| *c == w.cidr);
            prop_assert!(
                !marked && !in_overlap,
                "{} {} in {} though it is in a conflict",
                if w.delete { "deleted" } else { "created" },
                w.cidr,
                w.region
            );
            if w.delete {
                continue;
            }
            prop_assert!(
                !o.local[w.region].iter().any(|c| c.overlaps(&w.cidr)),
                "{} created in {} over a CIDR of one of its own VPCs",
                w.cidr,
                w.region
            );
            prop_assert!(
                !o.routes[w.region].contains_key(&w.cidr),
                "{} created in {} over an existing static route",
                w.cidr,
                w.region
            );
            prop_assert!(o.tagged[&peer].contains(&w.cidr));
            let elsewhere = o
                .tagged
                .iter()
                .filter(|(q, _)| **q != peer)
                .any(|(_, cs)| cs.iter().any(|c| c.overlaps(&w.cidr)));
            prop_assert!(
                !elsewhere,
                "{} overlaps a tagged CIDR of another Region",
                w.cidr
            );
        }
        // A VPC route is created only in a table that serves subnets, of a
        // tagged VPC, already routing to the gateway, for a peer's tagged CIDR
        // outside any overlap, and never over an existing route of any kind.
        for (w, _, table) in vpc_writes(o, &writes)?.into_iter().filter(|v| !v.0.delete) {
            let (vpc_tagged, vpc_ipv6) = o.vpcs.get(&table.vpc_id).copied().unwrap_or_default();
            prop_assert!(
                table.serves_subnets && vpc_tagged && table.routes_to(&o.gateways[w.region])
            );
            prop_assert!(
                !table.routes.iter().any(|r| r.cidr == w.cidr),
                "{} created over a route of {}",
                w.cidr,
                table.id
            );
            let mut owners = o.owners(w.region, &w.cidr);
            prop_assert!(
                owners.any(|p| o.available(w.region, p, false)),
                "{} is no peer's over an available peering",
                w.cidr
            );
            prop_assert!(
                !w.cidr.is_ipv6() || vpc_ipv6,
                "IPv6 {} in an IPv4 VPC",
                w.cidr
            );
        }
        Ok(())
    });
    println!(
        "planner (c) conflicts: {} random worlds, {} conflicting routes reported; {} transit \
         gateway route creates and {} deletes, none of a CIDR in conflict, none over an existing \
         static route or a CIDR of the Region's own VPCs; {} VPC route creates, none over an \
         existing route or of an overlapping CIDR",
        t.get("worlds"),
        t.get("conflicts"),
        t.get("creates"),
        t.get("deletes"),
        t.get("VPC route creates"),
    );
    assert!(t.get("conflicts") > 0 && t.get("creates") > 0, "{t}");
    assert!(t.get("VPC route creates") > 0, "{t}");
}

#[test]
fn routes_to_anything_but_a_managed_peering_or_made_by_others_are_never_written() {
    let t = planner_property("unmanaged targets", 6, None, |o, plan, t| {
        let writes = route_writes(plan);
        for (w, attachment) in peering_writes(&writes) {
            match o.routes[w.region].get(&w.cidr) {
                None => prop_assert!(!w.delete, "{} deleted but never read", w.cidr),
                Some(target) => {
                    prop_assert!(w.delete, "{} created over a static route", w.cidr);
                    prop_assert_eq!(target, &RouteTarget::Attachment(attachment.clone()));
                    prop_assert!(
                        o.is_managed_peering(target),
                        "{} deleted toward {:?}",
                        w.cidr,
                        target
                    );
                }
            }
        }
        let own = |r: &Region| VpcRouteTarget::TransitGateway(o.gateways[r].clone());
        for (w, _, table) in vpc_writes(o, &writes)? {
            match table.routes.iter().find(|r| r.cidr == w.cidr) {
                None => prop_assert!(!w.delete, "{} deleted but never read", w.cidr),
                Some(route) => {
                    prop_assert!(w.delete, "{} created over {route:?}", w.cidr);
                    prop_assert!(
                        route.is_created() && route.target == own(w.region),
                        "{route:?} deleted"
                    );
                }
            }
        }
        for routes in o.routes.values() {
            let others = routes.values().filter(|t| !o.is_managed_peering(t)).count();
            t.add("routes to other targets", others);
        }
        for (table, region) in o.vpc_tables.values().filter_map(|t| {
            let region = o
                .gateways
                .iter()
                .find(|(_, g)| t.routes_to(g))
                .map(|(r, _)| r)?;
            Some((t, region))
        }) {
            for r in &table.routes {
                if r.origin == "EnableVgwRoutePropagation" {
                    t.add("propagated VPC routes", 1);
                } else if !r.is_created() || r.target != own(region) {
                    t.add("other VPC routes", 1);
                }
            }
        }
        Ok(())
    });
    println!(
        "planner (d) routes not the tool's: {} random worlds, {} static routes toward an unmanaged \
         peering, another attachment, a blackhole or an unknown target, none written; every one \
         of {} deletes names a static route read toward a managed peering; in VPC route tables \
         routing to the gateway, {} propagated routes and {} others not the tool's (local, of \
         unknown origin or toward another target), none written ({} VPC route creates, {} \
         deletes)",
        t.get("worlds"),
        t.get("routes to other targets"),
        t.get("deletes"),
        t.get("propagated VPC routes"),
        t.get("other VPC routes"),
        t.get("VPC route creates"),
        t.get("VPC route deletes"),
    );
    assert!(
        t.get("routes to other targets") > 0 && t.get("deletes") > 0,
        "{t}"
    );
    assert!(
        t.get("propagated VPC routes") > 0 && t.get("other VPC routes") > 0,
        "{t}"
    );
}
