//! What the parsers read: a schema of every payload kind, for mutating fixtures.

use super::*;

// ---------------------------------------------------------------------------
// What the parsers read
// ---------------------------------------------------------------------------

/// The kinds of EventBridge event the functions receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Tag,
    CloudTrail,
    Scheduled,
    StateChange,
    NetworkManager,
}

/// Every EventBridge fixture of `tests/fixtures` that leads to a
/// reconcile, and the one that asks for nothing (`tag-change-other-key`);
/// `sqs-recheck.json` is the SQS batch, and the failed call
/// (`cloudtrail-failed-create-tags.json`) has its own tests.
pub(super) const EVENT_FIXTURES: [(&str, Kind); 19] = [
    ("tag-change-added.json", Kind::Tag),
    ("tag-change-removed.json", Kind::Tag),
    ("tag-change-other-key.json", Kind::Tag),
    ("cloudtrail-create-vpc.json", Kind::CloudTrail),
    ("cloudtrail-delete-vpc.json", Kind::CloudTrail),
    ("cloudtrail-associate-vpc-cidr-block.json", Kind::CloudTrail),
    ("cloudtrail-disassociate-vpc-cidr-block.json", Kind::CloudTrail),
    ("cloudtrail-create-tgw-peering.json", Kind::CloudTrail),
    ("cloudtrail-accept-tgw-peering.json", Kind::CloudTrail),
    ("cloudtrail-delete-tgw-peering.json", Kind::CloudTrail),
    ("cloudtrail-create-vpc-iam-user.json", Kind::CloudTrail),
    ("cloudtrail-delete-tags-console-user.json", Kind::CloudTrail),
    ("cloudtrail-associate-vpc-cidr-block-root.json", Kind::CloudTrail),
    ("cloudtrail-create-tags-web-identity.json", Kind::CloudTrail),
    ("cloudtrail-create-tags-aws-service.json", Kind::CloudTrail),
    ("networkmanager-peering-deleted.json", Kind::NetworkManager),
    ("networkmanager-route-uninstalled.json", Kind::NetworkManager),
    ("scheduled-event.json", Kind::Scheduled),
    ("state-change.json", Kind::StateChange),
];

/// A JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    Str,
    Int,
    Arr,
    Obj,
}

impl Ty {
    pub(super) fn admits(self, v: &Value) -> bool {
        match self {
            Ty::Str => v.is_string(),
            Ty::Int => v.is_i64(),
            Ty::Arr => v.is_array(),
            Ty::Obj => v.is_object(),
        }
    }

    /// One value of another type.
    pub(super) fn wrong_example(self) -> Value {
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
pub(super) struct Field {
    pub(super) at: &'static str,
    pub(super) ty: Ty,
    pub(super) required: bool,
}

pub(super) const fn field(at: &'static str, ty: Ty, required: bool) -> Field {
    Field { at, ty, required }
}

/// What a parser checks in one kind of input.
#[derive(Debug, Clone)]
pub(super) struct Schema {
    pub(super) fields: Vec<Field>,
    /// Strings whose content is checked (an id, a Region, a known name): a
    /// malformed one is refused.
    pub(super) checked: Vec<&'static str>,
    /// Values of the right JSON type that are refused all the same.
    pub(super) bad_values: Vec<(&'static str, Value)>,
}

pub(super) fn event_schema(kind: Kind) -> Schema {
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
            s.checked.extend(["/resources/0", "/detail/service", "/detail/resource-type"]);
            s.bad_values.extend([
                ("/detail/version", json!(2.5)),
                ("/detail/tags", json!({ "addToTransitGateway": true })),
                ("/detail/changed-tag-keys", json!([7])),
                ("/resources/0", json!("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc")),
            ]);
        }
        Kind::CloudTrail => {
            // Only what the tool reads; the caller's identity, the ids and
            // the times vary with the caller or are not used.
            s.fields.push(field("/detail", Obj, true));
            s.fields.extend(
                ["/detail/eventSource", "/detail/eventName", "/detail/awsRegion"]
                    .map(|at| field(at, Str, true)),
            );
            s.fields.extend(
                ["/detail/recipientAccountId", "/detail/errorCode"].map(|at| field(at, Str, false)),
            );
            s.checked.extend([
                "/detail/eventSource",
                "/detail/eventName",
                "/detail/awsRegion",
                "/detail/recipientAccountId",
            ]);
            // The envelope says another account than the record.
            s.bad_values.push(("/detail/recipientAccountId", json!("210987654321")));
        }
        Kind::NetworkManager => {
            s.fields.extend([field("/detail", Obj, true), field("/detail/region", Str, true)]);
            s.checked.push("/detail/region");
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
                ["/detail/requester-state", "/detail/accepter-state", "/detail/event-id"]
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
pub(super) fn recheck_schema() -> Schema {
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
pub(super) fn sqs_message_schema() -> Schema {
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

pub(super) fn sqs_record() -> Value {
    fixture("sqs-recheck.json")["Records"][0].clone()
}

/// The re-check request in `sqs-recheck.json`, as a JSON object.
pub(super) fn recheck_request() -> Value {
    serde_json::from_str(sqs_record()["body"].as_str().unwrap()).unwrap()
}
