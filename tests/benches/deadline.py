"""The reconciler within its deadline: the function's real binary, under the
Lambda Runtime API stub of `lambda_stub.py` handing out real deadlines,
against the EC2 emulator behind the fault proxy slowed to --delay-ms per EC2
call (no faults), replaces a deleted peering that carried --routes routes
(half in each Region's table).

1. The world: two Regions, VPCs with five IPv4 blocks each (AWS's default
   quota of blocks per VPC), attached and tagged; `tgw-peering apply`
   (straight to the emulator, no delay) routes every block over a peering.
2. The peering is deleted by hand: every route of it is a blackhole left by
   the deletion.
3. The reconciler runs, each invocation with a deadline --deadline seconds
   away: first on the hourly sweep's scheduled event (again, a second
   apart, while the new peering goes through its phases), then on each
   `Reconcile Continued` event it publishes when its deadline comes, which
   a rule of the tool's bus routes to a queue, as the hub's state-change
   rule does to the reconcile queue.

Asserted: every invocation answers before its deadline; the network
converges (every route active over the new peering, no blackhole); more
than one invocation continues the work; no route write is repeated (the
proxy's count by route table, CIDR and action); one ReplaceTransitGatewayRoute
per route. Prints a Markdown table for BENCHMARKS.md.

    .venv/bin/python tests/benches/deadline.py --binaries target/debug
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3

from lambda_stub import ROOT, EAST, WEST, RuntimeApi, free_port, spawn, sqs_batch, wait_port

BLOCKS_PER_VPC = 5
KEYS = dict(aws_access_key_id="stub", aws_secret_access_key="stub")


def client(service, region, endpoint):
    return boto3.client(service, region_name=region, endpoint_url=endpoint, **KEYS)


def start(script, args, env=None):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests/emulator", script), *args(port)],
        env=dict(os.environ, **(env or {})), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, f"http://127.0.0.1:{port}"


def world(endpoint, routes):
    """Each Region: VPCs of five blocks, routes / 2 blocks in all, tagged
    and attached to the Region's transit gateway."""
    per_region = routes // 2
    for region, second in ((EAST, 10), (WEST, 20)):
        ec2 = client("ec2", region, endpoint)
        tgw = ec2.create_transit_gateway(Description=f"deadline {region}")
        tgw = tgw["TransitGateway"]["TransitGatewayId"]
        for v in range(0, per_region, BLOCKS_PER_VPC):
            blocks = [f"{second + n // 256}.{n % 256}.0.0/16"
                      for n in range(v, min(v + BLOCKS_PER_VPC, per_region))]
            vpc = ec2.create_vpc(
                CidrBlock=blocks[0],
                TagSpecifications=[{"ResourceType": "vpc", "Tags": [
                    {"Key": "addToTransitGateway", "Value": "true"}]}],
            )["Vpc"]["VpcId"]
            for block in blocks[1:]:
                ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=block)
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=blocks[0].replace("/16", "/28"))
            ec2.create_transit_gateway_vpc_attachment(
                TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet["Subnet"]["SubnetId"]])


def plumbing(endpoint):
    """The tool's bus, its re-check queue, and a queue that receives each
    `Reconcile Continued` event through a rule of the bus."""
    events, sqs = client("events", EAST, endpoint), client("sqs", EAST, endpoint)
    events.create_event_bus(Name="tgw-peering")
    recheck = sqs.create_queue(QueueName="tgw-peering-recheck")["QueueUrl"]
    continued = sqs.create_queue(QueueName="tgw-peering-continued")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=continued, AttributeNames=["QueueArn"])
    events.put_rule(Name="continued", EventBusName="tgw-peering", EventPattern=json.dumps(
        {"source": ["tgw-peering"], "detail-type": ["Reconcile Continued"]}))
    events.put_targets(Rule="continued", EventBusName="tgw-peering",
                       Targets=[{"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}])
    return recheck, continued


def apply(cli, endpoint):
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION=EAST,
               PEERING_REGIONS=f"{EAST},{WEST}", AWS_ACCESS_KEY_ID="stub",
               AWS_SECRET_ACCESS_KEY="stub")
    done = subprocess.run([cli, "apply", "--poll", "1s", "--timeout", "10m"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"apply failed: {done.stderr[-2000:]}")


def peering(endpoint):
    ec2 = client("ec2", EAST, endpoint)
    live = [p for p in ec2.describe_transit_gateway_peering_attachments()[
        "TransitGatewayPeeringAttachments"] if p["State"] not in ("deleted", "deleting")]
    return live[0]["TransitGatewayAttachmentId"] if live else None


def statics(ec2):
    """The static routes of the Region's route table: (CIDR, attachment, state)."""
    table = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"][0]
    out, token = [], None
    while True:
        kw = dict(NextToken=token) if token else {}
        page = ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table["TransitGatewayRouteTableId"],
            Filters=[{"Name": "type", "Values": ["static"]}], MaxResults=1000, **kw)
        for r in page["Routes"]:
            attachments = r.get("TransitGatewayAttachments") or [{}]
            out.append((r["DestinationCidrBlock"],
                        attachments[0].get("TransitGatewayAttachmentId"), r["State"]))
        token = page.get("NextToken")
        if not token:
            return out


def converged(endpoint, routes):
    via = peering(endpoint)
    if via is None:
        return False
    for region in (EAST, WEST):
        rows = statics(client("ec2", region, endpoint))
        if sum(1 for _, a, s in rows if a == via and s == "active") != routes // 2:
            return False
        if any(s == "blackhole" for _, _, s in rows):
            return False
    return True


def proxy_counts(proxy):
    with urllib.request.urlopen(f"{proxy}/__faults") as r:
        return json.load(r)


def run(args):
    emulator, endpoint = start(
        "server.py", lambda p: ["-H", "127.0.0.1", "-p", str(p)],
        {"TGW_EMULATOR_PHASE_SECONDS": "1"})
    proxy = None
    try:
        world(endpoint, args.routes)
        recheck_url, continued_url = plumbing(endpoint)
        apply(os.path.join(args.binaries, "tgw-peering"), endpoint)
        assert converged(endpoint, args.routes), "the first apply converges"
        old = peering(endpoint)
        client("ec2", EAST, endpoint).delete_transit_gateway_peering_attachment(
            TransitGatewayAttachmentId=old)
        proxy, proxied = start("fault_proxy.py", lambda p: [
            "--port", str(p), "--upstream", endpoint, "--throttle", "0", "--error", "0",
            "--delay-ms", str(args.delay_ms)])
        return invoke_until_converged(args, endpoint, proxied, recheck_url, continued_url, old)
    finally:
        for proc in (emulator, proxy):
            if proc:
                proc.kill()
                proc.wait()


def invoke_until_converged(args, endpoint, proxied, recheck_url, continued_url, old):
    env = dict(AWS_ENDPOINT_URL=proxied, AWS_REGION=EAST, PEERING_REGIONS=f"{EAST},{WEST}",
               EVENT_BUS_NAME="tgw-peering", RECHECK_QUEUE_URL=recheck_url, **{
                   "AWS_ACCESS_KEY_ID": "stub", "AWS_SECRET_ACCESS_KEY": "stub"})
    sqs = client("sqs", EAST, endpoint)
    with open(os.path.join(ROOT, "tests/fixtures/scheduled-event.json")) as f:
        scheduled = json.load(f)
    api = RuntimeApi()
    log = open(args.log, "w") if args.log else subprocess.DEVNULL
    proc, _ = spawn(os.path.join(args.binaries, "reconciler"), api, env, stdout=log)
    calls = []
    pending = []
    began = time.time()
    try:
        while len(calls) < args.max_invocations:
            if pending:
                kind, body = "continued", pending.pop(0)
            elif converged(endpoint, args.routes):
                break
            else:
                kind, body = "scheduled", scheduled
            n = len(calls)
            answer = api.call(f"req-{n}", sqs_batch(n, body, "tgw-peering-reconcile.fifo"),
                              deadline_s=args.deadline)
            calls.append((kind, answer))
            got = sqs.receive_message(QueueUrl=continued_url, MaxNumberOfMessages=10)
            for m in got.get("Messages", []):
                pending.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=continued_url, ReceiptHandle=m["ReceiptHandle"])
            if kind == "scheduled" and not pending:
                time.sleep(1)
    finally:
        proc.kill()
        proc.wait()
        api.close()
    seconds = time.time() - began
    return calls, seconds, proxy_counts(proxied), converged(endpoint, args.routes), old


def report(args, calls, seconds, counts, is_converged, old):
    late = [n for n, (_, a) in enumerate(calls) if not a.in_time]
    continued = sum(1 for kind, _ in calls if kind == "continued")
    errors = sum(1 for _, a in calls if a.kind != "response")
    writes = {a: c["calls"] for a, c in counts["by_action"].items()
              if not a.startswith(("Describe", "Get", "Search"))}
    replaced = writes.get("ReplaceTransitGatewayRoute", 0)
    failures = []
    if late:
        failures.append(f"invocations {late} answered after their deadline")
    if not is_converged:
        failures.append(f"not converged after {len(calls)} invocations")
    if continued < 2:
        failures.append(f"only {continued} continued invocation(s): the deadline was never met")
    if counts["repeated_route_writes"]:
        failures.append(f"repeated route writes: {counts['repeated_route_writes']}")
    if replaced != args.routes:
        failures.append(f"{replaced} ReplaceTransitGatewayRoute for {args.routes} routes")
    print(f"\n### A peering of {args.routes} routes replaced within {args.deadline} s deadlines "
          f"(EC2 {args.delay_ms} ms a call)\n")
    print("| invocations (scheduled + continued) | error answers | answered in time | "
          "wall time s | EC2 writes | ReplaceTransitGatewayRoute | repeated route writes |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {len(calls)} ({len(calls) - continued} + {continued}) | {errors} | "
          f"{len(calls) - len(late)} of {len(calls)} | {seconds:.0f} | {sum(writes.values())} | "
          f"{replaced} | {len(counts['repeated_route_writes'])} |")
    print("\nWrites by action: " + ", ".join(f"{a} {n}" for a, n in sorted(writes.items())))
    print(f"Replaced peering: {old}")
    if failures:
        sys.exit("FAILED: " + "; ".join(failures))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binaries", default=os.path.join(ROOT, "target/debug"))
    p.add_argument("--routes", type=int, default=2000)
    p.add_argument("--deadline", type=float, default=20)
    p.add_argument("--delay-ms", type=int, default=50)
    p.add_argument("--max-invocations", type=int, default=60)
    p.add_argument("--log", help="write the reconciler's log lines here")
    args = p.parse_args()
    report(args, *run(args))


if __name__ == "__main__":
    main()
