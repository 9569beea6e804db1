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
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EAST, WEST = "us-east-1", "eu-west-1"
ACCOUNT = "123456789012"
PREFIX = "/2018-06-01/runtime"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on 127.0.0.1:{port}")


class RuntimeApi:
    """The Runtime API of one function process: hands out events one by one
    and records when the process first asked for one, and every answer."""

    def __init__(self):
        self.events = queue.Queue()
        self.answers = queue.Queue()
        self.first_next = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self.reply(404)
                if api.first_next is None:
                    api.first_next = time.perf_counter()
                request_id, event = api.events.get()
                deadline = int((time.time() + 180) * 1000)
                self.reply(200, json.dumps(event).encode(), [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     f"arn:aws:lambda:{EAST}:{ACCOUNT}:function:bench"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                ])

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                kind = self.path.rsplit("/", 1)[-1]
                self.reply(202)
                api.answers.put((kind, body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, request_id, event, timeout=120):
        self.events.put((request_id, event))
        kind, body = self.answers.get(timeout=timeout)
        if kind != "response":
            sys.exit(f"invocation {request_id} answered {kind}: {body[:500]!r}")
        return json.loads(body)

    def close(self):
        self.server.shutdown()


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


def sqs_batch(n, body, queue):
    """One message as the Lambda SQS integration delivers it."""
    return {"Records": [{
        "messageId": f"bench-message-{n}", "receiptHandle": f"bench-{n}",
        "body": json.dumps(body), "attributes": {"SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {}, "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{EAST}:{ACCOUNT}:{queue}", "awsRegion": EAST,
    }]}


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


def spawn(binary, api, env):
    full = dict(os.environ, **env,
                AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.port}",
                AWS_LAMBDA_FUNCTION_NAME=os.path.basename(binary),
                AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
                AWS_LAMBDA_LOG_STREAM_NAME="bench",
                AWS_LAMBDA_LOG_GROUP_NAME="bench",
                AWS_LAMBDA_LOG_FORMAT="JSON")
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=full, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, start


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
