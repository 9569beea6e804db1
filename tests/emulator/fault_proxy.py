"""A fault-injecting HTTP proxy for tgw-peering's reliability tests. It listens
on 127.0.0.1 in front of the emulator and answers a share of the EC2 calls
with the errors AWS gives under load:

* `RequestLimitExceeded`, HTTP 503 (EC2's throttling error), with probability
  --throttle. The call does not reach the emulator: AWS refused it.
* `InternalError`, HTTP 500, with probability --error. The call DOES reach the
  emulator and takes effect; only its answer is lost. This is the harder
  case: the SDK retries a write that was already made.

With --delay-ms, every EC2 call that is forwarded waits that long first, a
stand-in for the network and service time of a real AWS endpoint (the
emulator answers in a few milliseconds); the route-write benchmark uses it.

With --bucket-capacity N --bucket-refill R, EC2's request rate limiting is
modelled as AWS documents it: a token bucket per API action (and per
Region), N tokens, R added back every second; a call that finds the bucket
empty is answered `RequestLimitExceeded` ("Request throttling for the
Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html;
its example bucket, 100 tokens refilled at 20 a second, is the storm
benchmark's setting for every action).

Calls to other services (STS, EventBridge, SQS) pass through untouched. The
faults are drawn from a seeded random generator. `GET /__faults` answers the
counts as JSON: calls, throttled, errors, forwarded, by EC2 action, and
`repeated_route_writes`: each transit gateway route write (create, replace,
delete) forwarded more than once for the same route table, CIDR and action,
with its count (a duplicate write, unless a fault made the SDK retry it).

    python fault_proxy.py --port P --upstream http://127.0.0.1:Q \
        --throttle 0.3 --error 0.05 --seed 7 [--delay-ms 50]
"""

import argparse
import http.client
import json
import random
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EC2_VERSION = "Version=2016-11-15"
ROUTE_WRITES = {
    "CreateTransitGatewayRoute", "ReplaceTransitGatewayRoute", "DeleteTransitGatewayRoute",
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def ec2_error(code, message):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
        f"</Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
    ).encode()


class Buckets:
    """EC2's token buckets, one per (Region, action)."""

    def __init__(self, capacity, refill):
        self.capacity = capacity
        self.refill = refill
        self.lock = threading.Lock()
        self.buckets = {}

    def take(self, key):
        """True when a token was there for this call."""
        if self.capacity <= 0:
            return True
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill)
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                return False
            self.buckets[key] = (tokens - 1, now)
            return True


def region_of(headers):
    """The Region of a SigV4 request: its credential scope."""
    auth = headers.get("Authorization") or ""
    marker = "Credential="
    if marker not in auth:
        return "?"
    scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
    return scope[2] if len(scope) > 2 else "?"


class Faults:
    def __init__(self, throttle, error, seed, buckets=None):
        self.throttle = throttle
        self.error = error
        self.buckets = buckets or Buckets(0, 0)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {"calls": 0, "throttled": 0, "errors": 0, "forwarded": 0}
        self.by_action = {}
        self.route_writes = {}

    def forwarded_route_write(self, region, form):
        """Counts a forwarded route write by what it writes."""
        key = " ".join([region, form.get("Action", ["?"])[0],
                        form.get("TransitGatewayRouteTableId", ["?"])[0],
                        form.get("DestinationCidrBlock", ["?"])[0]])
        with self.lock:
            self.route_writes[key] = self.route_writes.get(key, 0) + 1

    def draw(self, action, region="?"):
        """'throttle', 'error' or None for one EC2 call."""
        has_token = self.buckets.take((region, action))
        with self.lock:
            roll = self.random.random()
            fault = None
            if not has_token or roll < self.throttle:
                fault = "throttled"
            elif roll < self.throttle + self.error:
                fault = "errors"
            self.counts["calls"] += 1
            self.counts[fault or "forwarded"] += 1
            per = self.by_action.setdefault(action, {"calls": 0, "throttled": 0, "errors": 0})
            per["calls"] += 1
            if fault:
                per[fault] += 1
            return fault

    def snapshot(self):
        with self.lock:
            repeated = {k: n for k, n in self.route_writes.items() if n > 1}
            return {**self.counts, "by_action": self.by_action,
                    "repeated_route_writes": repeated}


def make_handler(upstream, faults, delay):
    target = urllib.parse.urlsplit(upstream)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, headers, body):
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def forward(self, body):
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            finally:
                conn.close()

        def handle_any(self):
            if self.path == "/__faults":
                self.answer(200, [("Content-Type", "application/json")],
                            json.dumps(faults.snapshot()).encode())
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            text = body.decode("utf-8", "replace")
            fault = None
            form = {}
            if EC2_VERSION in text:
                form = urllib.parse.parse_qs(text)
                fault = faults.draw(form.get("Action", ["?"])[0], region_of(self.headers))
            xml = [("Content-Type", "text/xml")]
            if fault == "throttled":
                self.answer(503, xml, ec2_error("RequestLimitExceeded", "Request limit exceeded."))
                return
            if EC2_VERSION in text and delay:
                time.sleep(delay)
            if form.get("Action", [""])[0] in ROUTE_WRITES:
                faults.forwarded_route_write(region_of(self.headers), form)
            status, headers, payload = self.forward(body)
            if fault == "errors":
                self.answer(500, xml, ec2_error(
                    "InternalError", "An internal error has occurred."))
                return
            self.answer(status, headers, payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    return Proxy


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--throttle", type=float, default=0.30)
    p.add_argument("--error", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--delay-ms", type=float, default=0)
    p.add_argument("--bucket-capacity", type=float, default=0)
    p.add_argument("--bucket-refill", type=float, default=0)
    args = p.parse_args()
    faults = Faults(args.throttle, args.error, args.seed, Buckets(args.bucket_capacity, args.bucket_refill))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.upstream, faults, args.delay_ms / 1000))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
