#!/usr/bin/env bash
# Runs the real function binaries under cargo-lambda's local Lambda runtime
# (`cargo lambda watch`) against the emulator, and invokes them with
# `cargo lambda invoke --data-file`: a scheduled reconcile requests the
# peering, a malformed event is answered as a permanent error, an event
# from another account is dropped, a batch of the FIFO reconcile queue is
# answered with batchItemFailures, and the watcher function refuses a
# reconcile and announces on the bus only. Called by `make lambda-local`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
export PATH="$PWD/.venv/bin:$PATH"
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq "$2"); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}
PORT=$(free_port)
LAMBDA_PORT=$(free_port)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

TGW_EMULATOR_PHASE_SECONDS=1 "$PYTHON" tests/emulator/server.py -H 127.0.0.1 -p "$PORT" >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" 60

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
export PEERING_REGIONS=us-east-1,eu-west-1
"$PYTHON" tests/emulator/demo_world.py >/dev/null

# The functions' environment, as the hub stack would set it (a file, since
# PEERING_REGIONS holds commas).
cat >"$WORK/function.env" <<ENV
AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
AWS_ACCESS_KEY_ID=local
AWS_SECRET_ACCESS_KEY=local
AWS_REGION=us-east-1
PEERING_REGIONS=$PEERING_REGIONS
AWS_LAMBDA_LOG_FORMAT=JSON
ENV
echo "== cargo lambda watch on 127.0.0.1:$LAMBDA_PORT"
cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$LAMBDA_PORT" \
  --env-file "$WORK/function.env" >"$WORK/watch.log" 2>&1 &
PIDS+=($!)
wait_port "$LAMBDA_PORT" 240 || { cat "$WORK/watch.log" >&2; exit 1; }

invoke() { # FUNCTION FILE -> the function's JSON answer
  cargo lambda invoke "$1" --invoke-address 127.0.0.1 --invoke-port "$LAMBDA_PORT" \
    --data-file "$2" --output-format json
}
check() { # ANSWER PYTHON-EXPRESSION-ON-a DESCRIPTION
  if ! "$PYTHON" -c "import json,sys; a=json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$1"; then
    echo "FAILED: $3: $1" >&2
    echo "--- cargo lambda watch:" >&2
    tail -50 "$WORK/watch.log" >&2
    exit 1
  fi
  echo "ok: $3"
}

"$PYTHON" tests/emulator/event.py scheduled >"$WORK/scheduled.json"
answer=$(invoke reconciler "$WORK/scheduled.json")
echo "reconciler, Scheduled Event: $answer"
check "$answer" 'a["actions"] >= 1' "the scheduled reconcile requested the peering"
# Its metrics: embedded metric format documents, each a line of its own on
# the function's standard output (cargo lambda watch passes it through).
"$PYTHON" - "$WORK/watch.log" <<'PY' || { tail -50 "$WORK/watch.log" >&2; exit 1; }
import json, sys
docs = []
for line in open(sys.argv[1], errors="replace"):
    if line.startswith('{"_aws":'):
        docs.append(json.loads(line))  # the whole line is the document
assert docs, "no EMF line on the reconciler's standard output"
for d in docs:
    (directive,) = d["_aws"]["CloudWatchMetrics"]
    assert isinstance(d["_aws"]["Timestamp"], int) and directive["Namespace"] == "TgwPeering", d
    for name in directive["Dimensions"][0]:
        assert isinstance(d[name], str), (name, d)
    for m in directive["Metrics"]:
        assert isinstance(d[m["Name"]], (int, float)), (m, d)
runs = [d for d in docs if d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]]
assert len(runs) == 1 and runs[0]["Reads"] > 0 and runs[0]["Writes"] >= 1, runs
gateways = [d for d in docs if "TransitGateway" in d]
assert sorted(d["Region"] for d in gateways) == ["eu-west-1", "us-east-1"], gateways
print(f"ok: the scheduled reconcile wrote {len(docs)} EMF lines to standard output "
      f"(Reads {runs[0]['Reads']}, Writes {runs[0]['Writes']}, MaxQuotaUsedPercent {runs[0]['MaxQuotaUsedPercent']})")
PY

"$PYTHON" tests/emulator/event.py malformed >"$WORK/malformed.json"
answer=$(invoke attachment-watcher "$WORK/malformed.json")
echo "attachment-watcher, a tag event without resource-type: $answer"
check "$answer" 'a.get("errorType") == "Permanent" and "resource-type" in a["errorMessage"] and a["actions"] == 0' "a malformed event is a permanent error (errorType Permanent, not retried)"

VPC=$("$PYTHON" -c 'import boto3; print(boto3.client("ec2", region_name="eu-west-1").describe_vpcs()["Vpcs"][-1]["VpcId"])')
"$PYTHON" tests/emulator/event.py tag eu-west-1 999999999999 "$VPC" true >"$WORK/foreign.json"
answer=$(invoke reconciler "$WORK/foreign.json")
echo "reconciler, event from another account: $answer"
check "$answer" 'a["dropped"] == 1 and a["actions"] == 0' "an event from another account is dropped"
# The reconciler's real input: an SQS batch of the FIFO reconcile queue,
# each message an EventBridge event.
"$PYTHON" - "$WORK/foreign.json" >"$WORK/batch.json" <<'PY'
import json, sys
import boto3
event = json.load(open(sys.argv[1]))
# The hub's own event announces the VPC's tags as EC2 shows them (an event
# that runs ahead of EC2's reads would be answered retryably here, with no
# re-check queue to come back with).
vpc = event["resources"][0].rsplit("/", 1)[1]
shown = boto3.client("ec2", region_name="eu-west-1").describe_vpcs(VpcIds=[vpc])["Vpcs"][0]
tags = {t["Key"]: t["Value"] for t in shown.get("Tags", [])}
ours = dict(event, id="batch-own", account="123456789012", detail=dict(event["detail"], tags=tags),
            resources=[r.replace("999999999999", "123456789012") for r in event["resources"]])
records = [{"messageId": f"m-{i}", "receiptHandle": "h", "body": json.dumps(e), "attributes": {},
            "messageAttributes": {}, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tgw-peering-reconcile.fifo",
            "awsRegion": "us-east-1"} for i, e in enumerate([event, ours])]
print(json.dumps({"Records": records}))
PY
answer=$(invoke reconciler "$WORK/batch.json")
echo "reconciler, a FIFO batch of two events: $answer"
check "$answer" 'a["batchItemFailures"] == [] and a["dropped"] == 1' "a FIFO batch is answered with batchItemFailures (the foreign event dropped, the other reconciled)"
# The watcher function makes looks and cannot write: a scheduled event is
# refused for good, and a look at the peering the scheduled reconcile
# requested reads both sides and, with no bus to announce on, fails for good
# (the hub always sets EVENT_BUS_NAME).
answer=$(invoke attachment-watcher "$WORK/scheduled.json")
echo "attachment-watcher, a Scheduled Event: $answer"
check "$answer" 'a.get("errorType") == "Permanent" and "reconciles nothing" in a["errorMessage"] and a["actions"] == 0' "the watcher function refuses an event that asks for a reconcile"
"$PYTHON" - >"$WORK/recheck.json" <<'PY'
import json, time
import boto3
peering = boto3.client("ec2", region_name="us-east-1").describe_transit_gateway_peering_attachments()
attachment = peering["TransitGatewayPeeringAttachments"][0]["TransitGatewayAttachmentId"]
body = {"attachment-id": attachment, "region": "us-east-1", "started-at": int(time.time()),
        "attempt": 0, "origin-event-id": "local", "last-requester-state": "initiating",
        "last-accepter-state": "initiating"}
print(json.dumps({"Records": [{"messageId": "r-0", "receiptHandle": "h", "body": json.dumps(body),
                  "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                  "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tgw-peering-recheck",
                  "awsRegion": "us-east-1"}]}))
PY
answer=$(invoke attachment-watcher "$WORK/recheck.json")
echo "attachment-watcher, a re-check of the peering: $answer"
check "$answer" 'a.get("errorType") == "Permanent" and "EVENT_BUS_NAME" in a["errorMessage"] and a["batchItemFailures"] == [] and a["actions"] == 0' "the watcher function looks at both sides and announces on the bus only"
grep -q "\"message\":\"audit\",\"event_id\"" "$WORK/watch.log" || { echo "FAILED: no JSON audit line in the function's log" >&2; tail -20 "$WORK/watch.log" >&2; exit 1; }
echo "ok: the functions wrote JSON audit lines"
