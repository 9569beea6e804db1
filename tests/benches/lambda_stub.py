"""A stub of the Lambda Runtime API on 127.0.0.1, for running the functions'
real binaries as Lambda would: `GET /2018-06-01/runtime/invocation/next`
hands out one event at a time with the headers Lambda sends (request id,
function ARN, trace id, and `Lambda-Runtime-Deadline-Ms`, the invocation's
deadline in milliseconds since the epoch: "AWS Lambda runtime API",
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html); the
answer (`.../response` or `.../error`) is recorded with the time it came.

cargo-lambda's own runtime sends a fixed deadline far away; this stub sends
the one each invocation asks for, so a test can hold a function to it.
Used by `coldstart.py` and `deadline.py`.
"""

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class Answer:
    """How one invocation ended: `kind` is `response` or `error`."""

    def __init__(self, kind, body, answered_at, deadline):
        self.kind = kind
        self.body = body
        self.answered_at = answered_at
        self.deadline = deadline

    def json(self):
        return json.loads(self.body)

    @property
    def in_time(self):
        return self.answered_at <= self.deadline


class RuntimeApi:
    """The Runtime API of one function process: hands out events one by one,
    each with its deadline, and records when the process first asked for
    one, and every answer."""

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
                request_id, event, seconds = api.events.get()
                deadline = time.time() + seconds
                api.deadline = deadline
                self.reply(200, json.dumps(event).encode(), [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(int(deadline * 1000))),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     f"arn:aws:lambda:{EAST}:{ACCOUNT}:function:stub"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                ])

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                at = time.time()
                kind = self.path.rsplit("/", 1)[-1]
                self.reply(202)
                api.answers.put(Answer(kind, body, at, api.deadline))

        self.deadline = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def call(self, request_id, event, deadline_s=180, timeout=None):
        """Invokes with a deadline `deadline_s` seconds away; the answer."""
        self.events.put((request_id, event, deadline_s))
        return self.answers.get(timeout=timeout or deadline_s + 60)

    def invoke(self, request_id, event, timeout=120):
        """Invokes; the JSON response (exits on an error answer)."""
        answer = self.call(request_id, event, timeout=timeout)
        if answer.kind != "response":
            sys.exit(f"invocation {request_id} answered {answer.kind}: {answer.body[:500]!r}")
        return answer.json()

    def close(self):
        self.server.shutdown()


def sqs_batch(n, body, queue_name):
    """One message as the Lambda SQS integration delivers it."""
    return {"Records": [{
        "messageId": f"stub-message-{n}", "receiptHandle": f"stub-{n}",
        "body": json.dumps(body), "attributes": {"SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {}, "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{EAST}:{ACCOUNT}:{queue_name}", "awsRegion": EAST,
    }]}


def spawn(binary, api, env, stdout=subprocess.DEVNULL):
    """Starts a function binary against `api`; (process, start time)."""
    full = dict(os.environ, **env,
                AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.port}",
                AWS_LAMBDA_FUNCTION_NAME=os.path.basename(binary),
                AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
                AWS_LAMBDA_LOG_STREAM_NAME="stub",
                AWS_LAMBDA_LOG_GROUP_NAME="stub",
                AWS_LAMBDA_LOG_FORMAT="JSON")
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=full, stdin=subprocess.DEVNULL,
                            stdout=stdout, stderr=subprocess.DEVNULL)
    return proc, start
