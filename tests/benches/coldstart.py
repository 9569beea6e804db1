"""Cold start and footprint of the functions' release builds, against a stub
of the Lambda Runtime API on 127.0.0.1 and the EC2 emulator.

* init: from the spawn of the binary to its first request for the next
  invocation (`GET /2018-06-01/runtime/invocation/next`), over --starts cold
  starts of each function;
* peak RSS: `VmHWM` of one process after --invocations invocations of its
  real input: for the reconciler, SQS batches of the FIFO reconcile queue
  holding a tag event, each a full reconcile; for the attachment-watcher,
  SQS batches of the re-check queue, each a describe of the peering on both
  sides; against the emulator with the tool's bus and re-check queue;
* the size of the arm64 zip of `make package`, when it exists.

Run by `make bench-coldstart`, which builds the release binaries first:

    .venv/bin/python tests/benches/coldstart.py --binaries target/release

Prints a Markdown table; BENCHMARKS.md records it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import boto3

from lambda_stub import (ACCOUNT, EAST, ROOT, WEST, RuntimeApi, free_port, spawn, sqs_batch,
                         wait_port)


def world(endpoint):
    """Two Regions, 10 tagged VPCs each attached to the Region's transit
    gateway (only attached VPCs are advertised), the tool's bus and re-check
    queue."""
    kw = dict(endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench")
    vpcs = {}
    for region, second in ((EAST, 1), (WEST, 2)):
        ec2 = boto3.client("ec2", region_name=region, **kw)
        tgw = ec2.create_transit_gateway(Description=f"bench {region}")["TransitGateway"]
        vpcs[region] = []
        for i in range(10):
            cidr = f"10.{second}.{i}.0/24"
            vpc = ec2.create_vpc(
                CidrBlock=cidr,
                TagSpecifications=[{"ResourceType": "vpc",
                                    "Tags": [{"Key": "addToTransitGateway", "Value": "true"}]}],
            )["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
            ec2.create_transit_gateway_vpc_attachment(
                TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc, SubnetIds=[subnet])
            vpcs[region].append(vpc)
    boto3.client("events", region_name=EAST, **kw).create_event_bus(Name="tgw-peering")
    url = boto3.client("sqs", region_name=EAST, **kw).create_queue(
        QueueName="tgw-peering-recheck")["QueueUrl"]
    return vpcs, url


def tag_event(n, region, vpc):
    with open(os.path.join(ROOT, "tests/fixtures/tag-change-added.json")) as f:
        event = json.load(f)
    event.update(id=f"bench-{n}", account=ACCOUNT, region=region,
                 resources=[f"arn:aws:ec2:{region}:{ACCOUNT}:vpc/{vpc}"])
    return event


def recheck(n, endpoint):
    """A re-check of the peering, as the watcher's queue delivers it."""
    ec2 = boto3.client("ec2", region_name=EAST, endpoint_url=endpoint,
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    p = ec2.describe_transit_gateway_peering_attachments()["TransitGatewayPeeringAttachments"][0]
    body = {
        "attachment-id": p["TransitGatewayAttachmentId"], "region": EAST,
        "started-at": int(time.time()), "attempt": 0, "origin-event-id": f"bench-{n}",
        "last-requester-state": "available", "last-accepter-state": "available",
    }
    return sqs_batch(n, body, "tgw-peering-recheck")


def init_ms(binary, env):
    api = RuntimeApi()
    proc, start = spawn(binary, api, env)
    try:
        deadline = time.time() + 30
        while api.first_next is None:
            if proc.poll() is not None or time.time() > deadline:
                sys.exit(f"{binary} did not ask for an invocation (exit {proc.returncode})")
            time.sleep(0.0005)
        return (api.first_next - start) * 1000
    finally:
        proc.kill()
        proc.wait()
        api.close()


def peak_rss_mb(binary, env, events):
    api = RuntimeApi()
    proc, _ = spawn(binary, api, env)
    try:
        for n, event in enumerate(events):
            api.invoke(f"req-{n}", event)
        with open(f"/proc/{proc.pid}/status") as f:
            hwm = next(line for line in f if line.startswith("VmHWM:"))
        return int(hwm.split()[1]) / 1024
    finally:
        proc.kill()
        proc.wait()
        api.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binaries", default=os.path.join(ROOT, "target/release"))
    p.add_argument("--starts", type=int, default=20)
    p.add_argument("--invocations", type=int, default=100)
    args = p.parse_args()

    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests/emulator/server.py"),
         "-H", "127.0.0.1", "-p", str(port)],
        env=dict(os.environ, TGW_EMULATOR_PHASE_SECONDS="0"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        endpoint = f"http://127.0.0.1:{port}"
        vpcs, queue_url = world(endpoint)
        env = dict(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                   AWS_SECRET_ACCESS_KEY="bench", AWS_REGION=EAST,
                   PEERING_REGIONS=f"{EAST},{WEST}", EVENT_BUS_NAME="tgw-peering",
                   RECHECK_QUEUE_URL=queue_url)
        tagged = [(r, v) for r in (EAST, WEST) for v in vpcs[r]]
        tag_events = [tag_event(n, *tagged[n % len(tagged)]) for n in range(args.invocations)]

        rows = []
        for function in ("reconciler", "attachment-watcher"):
            binary = os.path.join(args.binaries, function)
            if not os.path.exists(binary):
                sys.exit(f"{binary} not found: build the release binaries first")
            inits = sorted(init_ms(binary, env) for _ in range(args.starts))
            if function == "reconciler":
                events = [sqs_batch(n, e, "tgw-peering-reconcile.fifo")
                          for n, e in enumerate(tag_events)]
            else:
                events = [recheck(n, endpoint) for n in range(args.invocations)]
            rss = peak_rss_mb(binary, env, events)
            zip_path = os.path.join(ROOT, "target/lambda", function, "bootstrap.zip")
            size = f"{os.path.getsize(zip_path) / 1e6:.1f}" if os.path.exists(zip_path) else "n/a"
            rows.append((function, statistics.median(inits), inits[-1], rss, size))
    finally:
        emulator.kill()
        emulator.wait()

    print(f"\n### Cold start and footprint ({args.starts} cold starts, "
          f"{args.invocations} invocations, release build of this machine)\n")
    print("| function | init p50 ms | init max ms | peak RSS MB | arm64 zip MB |")
    print("|---|---|---|---|---|")
    for function, p50, worst, rss, size in rows:
        print(f"| {function} | {p50:.1f} | {worst:.1f} | {rss:.1f} | {size} |")


if __name__ == "__main__":
    main()
