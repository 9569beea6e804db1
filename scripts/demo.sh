#!/usr/bin/env bash
# The whole flow on a local emulator: start it, build a two-Region world,
# then tgw-peering plan, apply, status and verify, the functions' event path
# through `tgw-peering handle`, and the mesh as a Mermaid flowchart. Called by
# `make demo` (and by `make picture`, with DEMO_DOT naming the DOT file).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
BIN=${BIN:-target/debug/tgw-peering}
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Peering phases take 2 s each, as a (much faster) stand-in for AWS's minutes.
TGW_EMULATOR_PHASE_SECONDS=2 "$PYTHON" tests/emulator/server.py -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
EMULATOR=$!
trap 'kill $EMULATOR 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export PEERING_REGIONS=us-east-1,eu-west-1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Emulator on $AWS_ENDPOINT_URL; building the world"
"$PYTHON" tests/emulator/demo_world.py

step "tgw-peering plan"
"$BIN" plan

step "tgw-peering apply"
"$BIN" apply --poll 1s --timeout 2m

step "tgw-peering status"
"$BIN" status

step "tgw-peering apply again (nothing to do)"
"$BIN" apply

step "tgw-peering verify: every path between the Regions, hop by hop"
"$BIN" verify
# `make picture`: the converged mesh in Graphviz's DOT (README's picture).
if [ -n "${DEMO_DOT:-}" ]; then "$BIN" status --output dot >"$DEMO_DOT"; fi

step "A security team blackholes half of a remote CIDR by hand: verify names the hop (exit status 3)"
blackhole() {
  "$PYTHON" -c "
import boto3
ec2 = boto3.client('ec2', region_name='us-east-1')
table = ec2.describe_transit_gateway_route_tables()['TransitGatewayRouteTables'][0]['TransitGatewayRouteTableId']
if '$1' == 'add':
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock='10.20.0.128/25', Blackhole=True)
else:
    ec2.delete_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock='10.20.0.128/25')
"
}
blackhole add
STATUS=0
"$BIN" verify --broken-only || STATUS=$?
echo "(exit status $STATUS)"
[ "$STATUS" -eq 3 ] || { echo "FAILED: verify should exit 3 with a broken path" >&2; exit 1; }
blackhole remove

# The event path: what the functions do, run through `tgw-peering handle`,
# which uses exactly their dispatch.
EVENTS=$(mktemp -d)
trap 'kill $EMULATOR 2>/dev/null || true; rm -rf "$EVENTS"' EXIT
ACCOUNT=$("$PYTHON" -c 'import boto3; print(boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"])')
VPC=$("$PYTHON" tests/emulator/demo_world.py attach eu-west-1 10.20.50.0/24 true)

step "A new VPC $VPC (10.20.50.0/24) is tagged in eu-west-1: tgw-peering handle its Tag Change on Resource event"
"$PYTHON" tests/emulator/event.py tag eu-west-1 "$ACCOUNT" "$VPC" true >"$EVENTS/added.json"
"$BIN" handle "$EVENTS/added.json"

step "The tag is removed: tgw-peering handle the tag-removed event"
"$PYTHON" -c "import boto3; boto3.client('ec2', region_name='eu-west-1').delete_tags(Resources=['$VPC'], Tags=[{'Key': 'addToTransitGateway'}])"
"$PYTHON" tests/emulator/event.py tag eu-west-1 "$ACCOUNT" "$VPC" false >"$EVENTS/removed.json"
"$BIN" handle "$EVENTS/removed.json"

step "An event from another account is dropped"
"$PYTHON" tests/emulator/event.py tag eu-west-1 999999999999 "$VPC" true >"$EVENTS/foreign.json"
"$BIN" handle "$EVENTS/foreign.json"

step "The mesh: tgw-peering status --output mermaid (a Mermaid flowchart; GitHub and GitLab render it in markdown)"
"$BIN" status --output mermaid
