//! Bad input on a world any reconcile would write to: random payloads.

use super::*;
use tgw_peering_core::handler::Decision;

// ---------------------------------------------------------------------------
// Bad input on a world any reconcile would write to
// ---------------------------------------------------------------------------

/// The bad-input world's Regions (the fixtures').
pub(super) const MANAGED: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The fixtures' VPC, in us-east-1.
pub(super) const FIXTURE_VPC: &str = "vpc-0a1b2c3d4e5f60718";

/// A world in which any reconcile writes (tagged VPCs in both Regions, no
/// peering yet): an event taken for valid shows up as a write.
pub(super) fn needy_rig() -> Rig {
    let world = World::new(&MANAGED);
    world.vpc("us-east-1", FIXTURE_VPC, Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    Rig::new(world)
}

/// What a bad payload must lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// A permanent input error.
    Refused,
    /// Every event in it dropped as out of scope.
    Dropped,
    /// Either, or an empty SQS batch that asks for nothing.
    Harmless,
}

#[derive(Debug, Clone)]
pub(super) struct Bad {
    pub(super) family: &'static str,
    pub(super) what: String,
    pub(super) payload: Value,
    pub(super) expect: Expect,
}

/// What the handler made of a payload.
#[derive(Debug)]
pub(super) enum Verdict {
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
pub(super) struct Handled {
    pub(super) verdict: Verdict,
    pub(super) writes: Vec<String>,
    pub(super) reads: usize,
    pub(super) published: usize,
    pub(super) queued: usize,
    /// The Lambda's answer does not ask for a retry (`Ok`, no
    /// `retryable: true`, no batch item failures).
    pub(super) not_retried: bool,
}

/// Hands `payload` to `handle`, then to `lambda`, on a fresh needy world.
pub(super) fn handle_on_needy_world(payload: &Value) -> Handled {
    let rig = needy_rig();
    let verdict = match block_on(rig.handler.handle(payload)) {
        Err(e @ Error::Input(_)) if !e.is_retryable() => Verdict::Refused(e.to_string()),
        Err(e) => Verdict::Handled(format!("error: {e}")),
        Ok(report) if report.audit.is_empty() => Verdict::Idle,
        Ok(report) if report.audit.iter().all(|r| r.decision == Decision::Dropped) => {
            Verdict::Dropped
        }
        Ok(report) => Verdict::Handled(format!("{:?}", report.audit)),
    };
    let not_retried = match block_on(rig.handler.lambda(payload)) {
        Ok(answer) => {
            let answer = serde_json::to_value(answer).unwrap();
            answer.get("errorType") != Some(&json!("Retryable"))
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
pub(super) fn verify(expect: Expect, h: &Handled) -> Result<(), String> {
    let as_expected = matches!(
        (expect, &h.verdict),
        (Expect::Refused, Verdict::Refused(_))
            | (Expect::Dropped, Verdict::Dropped)
            | (Expect::Harmless, Verdict::Refused(_) | Verdict::Dropped | Verdict::Idle)
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
    pub(super) fn record(&mut self, h: &Handled) {
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
pub(super) fn json_key() -> impl Strategy<Value = String> {
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
pub(super) fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
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
pub(super) fn junk(field: Field) -> BoxedStrategy<Value> {
    any_json()
        .prop_filter("a value of another type", move |v| {
            !field.ty.admits(v) && (field.required || !v.is_null())
        })
        .boxed()
}

/// Noise for malformed strings: printable ASCII, or any Unicode at all.
pub(super) fn noise() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,40}", any::<String>()]
}

/// A valid Region code that is not managed.
pub(super) fn unmanaged_region() -> BoxedStrategy<String> {
    prop_oneof![
        select(vec!["ap-south-1", "us-west-2", "cn-north-1", "us-gov-west-1"])
            .prop_map(str::to_owned),
        "[a-z]{2}-[a-z]{4,9}-[1-9]",
    ]
    .prop_filter("not managed", |r| !MANAGED.contains(&r.as_str()))
    .boxed()
}

pub(super) fn any_region() -> BoxedStrategy<String> {
    prop_oneof![select(MANAGED.to_vec()).prop_map(str::to_owned), unmanaged_region()].boxed()
}

/// A valid account id that is not the caller's.
pub(super) fn foreign_account() -> BoxedStrategy<String> {
    "[0-9]{12}".prop_filter("foreign", |a| a != ACCOUNT).boxed()
}

pub(super) fn any_account() -> BoxedStrategy<String> {
    prop_oneof![Just(ACCOUNT.to_owned()), foreign_account()].boxed()
}

/// `base` broken in one place a parser reads: a field dropped, given another
/// JSON type, a malformed string, or a value refused for its content.
/// Yields what was done and the result.
pub(super) fn broken(base: &Value, schema: &Schema) -> BoxedStrategy<(String, Value)> {
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

    let required: Vec<&'static str> =
        schema.fields.iter().filter(|f| f.required).map(|f| f.at).collect();
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
pub(super) fn out_of_scope(base: &Value, kind: Kind) -> BoxedStrategy<(String, Value)> {
    let in_scope = |r: &str, a: &str| MANAGED.contains(&r) && a == ACCOUNT;
    let b = base.clone();
    match kind {
        Kind::Tag => (any_region(), any_account())
            .prop_filter("out of scope", move |(r, a)| !in_scope(r, a))
            .prop_map(move |(r, a)| {
                let arn = format!("arn:aws:ec2:{r}:{a}:vpc/{FIXTURE_VPC}");
                let v = with(
                    b.clone(),
                    &[("/resources/0", json!(arn)), ("/account", json!(a)), ("/region", json!(r))],
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
        // The Region is the detail's; the envelope's is always us-west-2.
        Kind::NetworkManager => unmanaged_region()
            .prop_map(move |r| {
                let v = with(b.clone(), &[("/detail/region", json!(r))]);
                (format!("a gateway in {r}"), v)
            })
            .boxed(),
        Kind::Scheduled => foreign_account()
            .prop_map(move |a| {
                let v = with(b.clone(), &[("/account", json!(a))]);
                (format!("the schedule of account {a}"), v)
            })
            .boxed(),
        Kind::StateChange => (any_region(), any_region(), any_account())
            .prop_filter("out of scope", move |(r1, r2, a)| !(in_scope(r1, a) && in_scope(r2, a)))
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
pub(super) fn oversized(base: &Value) -> BoxedStrategy<(String, Value)> {
    let b = base.clone();
    (select(vec!["/padding", "/detail/padding"]), MAX_EVENT_BYTES..=4 * MAX_EVENT_BYTES)
        .prop_map(move |(at, n)| {
            let v = with(b.clone(), &[(at, json!("x".repeat(n)))]);
            (format!("{at} of {n} bytes"), v)
        })
        .boxed()
}

/// A tag event naming no resource, or 2 to 10,000.
pub(super) fn many_resources(base: &Value) -> BoxedStrategy<(String, Value)> {
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
pub(super) fn sqs_message() -> BoxedStrategy<(String, Value, bool)> {
    let record = sqs_record();
    let body = recheck_request();
    let r = record.clone();
    let with_body = move |what: String, body: String, junk: bool| {
        let v = with(r.clone(), &[("/body", json!(body))]);
        (what, v, junk)
    };
    let (w1, w2, w3, w4) = (with_body.clone(), with_body.clone(), with_body.clone(), with_body);
    let b = body.clone();
    Union::new([
        broken(&record, &sqs_message_schema()).prop_map(|(what, v)| (what, v, true)).boxed(),
        noise().prop_map(move |s| w1(brief(format!("body {s:?}")), s, true)).boxed(),
        any_json().prop_map(move |j| w2(brief(format!("body {j}")), j.to_string(), true)).boxed(),
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

pub(super) fn sqs_batches() -> BoxedStrategy<Bad> {
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
pub(super) fn bad_payloads() -> BoxedStrategy<Bad> {
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
            broken(&base, &schema).prop_map(tag("mutated fixtures", name, Expect::Refused)).boxed(),
        ));
        arms.push((
            2,
            out_of_scope(&base, kind).prop_map(tag("out of scope", name, Expect::Dropped)).boxed(),
        ));
        arms.push((1, oversized(&base).prop_map(tag("oversized", name, Expect::Refused)).boxed()));
        if kind == Kind::Tag {
            arms.push((
                1,
                many_resources(&base).prop_map(tag("oversized", name, Expect::Refused)).boxed(),
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
                (format!("region {r}"), with(request.clone(), &[("/region", json!(r))]))
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

pub(super) const BAD_INPUT_CASES: u32 = 10_000;

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
    check_property("bad input", proptest_config(BAD_INPUT_CASES, 0), bad_payloads(), |bad| {
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
        verify(bad.expect, &handled).map_err(|e| TestCaseError::fail(format!("{}: {e}", bad.what)))
    });
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
    assert_eq!((t.get("panics"), t.get("writes"), t.get("reads")), (0, 0, 0));
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
