"""API latency under ingest: the issue list, a tag search and a free-text search on a seeded
data set, while events are ingested at a fixed rate beside them. Run by `scripts/bench-api`.

    python3 scripts/bench_api.py --bin target/release/faultline --data-dir DIR [--rate 1000]
        [--requests 1000] [--json-out FILE]

DIR must hold a database seeded by the `seed_issues` example (org and project `bench`). The
script starts `faultline serve` on it, sends events at `--rate` per second from paced threads
(one process each, each event on one of the seeded issues), and times `--requests` sequential requests per
query through the real HTTP API. Prints a table and one JSON object. Standard library only.
"""

import argparse
import http.client
import json
import multiprocessing
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import quote

QUERIES = {
    "issue list": "",
    "tag search": "customer:customer-42",
    "free text": "talking to payment-gateway",
    # Matches nothing: every issue of the project is read (the worst case of a text search).
    "text, no hit": "Timeout payment-gateway",
}
# Sender processes (32 × 31.25 events/s by default): each waits for its answer, which comes
# after the commit's fsync, so a few senders alone cannot keep the pace.
INGEST_PROCESSES = 32
# Seconds of ingest alone before the queries are timed (the rate settles).
INGEST_SETTLE_SECS = 3
WARMUP_REQUESTS = 10
READY_TIMEOUT_SECS = 60
HTTP_TIMEOUT_SECS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bootstrap(binary: str, data_dir: str) -> dict:
    out = subprocess.run(
        [binary, "bootstrap", "--data-dir", data_dir, "--org", "bench", "--project", "bench", "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def wait_ready(port: int):
    deadline = time.monotonic() + READY_TIMEOUT_SECS
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("faultline did not become ready")


def envelope(n: int) -> bytes:
    issue = random.randrange(10_000)
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "timestamp": time.time(),
        "platform": "python",
        "level": "error",
        "release": f"shop@1.{issue % 20}.0",
        "environment": "production",
        "fingerprint": [f"bench-issue-{issue}"],
        "message": f"Timeout talking to payment-gateway (issue {issue}, live {n})",
        "tags": {"browser": "Firefox", "customer": f"customer-{n % 500}"},
        "user": {"id": f"u{n % 20000}"},
    }
    payload = json.dumps(event).encode()
    head = json.dumps({"event_id": event_id}).encode()
    item = json.dumps({"type": "event", "length": len(payload)}).encode()
    return head + b"\n" + item + b"\n" + payload + b"\n"


class Ingest:
    """Paced senders, one process each (so the GIL of this script never limits the rate):
    together they start `rate` requests per second, on schedule."""

    def __init__(self, port: int, project_id: int, key: str, rate: float):
        self.port, self.project_id, self.key, self.rate = port, project_id, key, rate
        self.stop = multiprocessing.Event()
        self.ok = multiprocessing.Value("q", 0)
        self.failed = multiprocessing.Value("q", 0)
        self.procs = [multiprocessing.Process(target=self.run, args=(k,), daemon=True) for k in range(INGEST_PROCESSES)]

    def start(self):
        self.started = time.monotonic()
        for p in self.procs:
            p.start()

    def snapshot(self) -> tuple:
        return time.monotonic(), self.ok.value, self.failed.value

    def finish(self, since: tuple) -> dict:
        """Stops the senders; returns the rate over the window that began at `since`."""
        until = self.snapshot()
        self.stop.set()
        for p in self.procs:
            p.join()
        seconds = until[0] - since[0]
        return {"ok_per_sec": (until[1] - since[1]) / seconds, "failed": until[2] - since[2], "seconds": seconds}

    def run(self, k: int):
        interval = INGEST_PROCESSES / self.rate
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT_SECS)
        path = f"/api/{self.project_id}/envelope/"
        headers = {
            "Content-Type": "application/x-sentry-envelope",
            "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={self.key}, sentry_client=bench-api/1",
        }
        next_at = time.monotonic() + k * interval / INGEST_PROCESSES
        n = k
        while not self.stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            next_at += interval
            try:
                conn.request("POST", path, body=envelope(n), headers=headers)
                response = conn.getresponse()
                response.read()
                good = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT_SECS)
                good = False
            counter = self.ok if good else self.failed
            with counter.get_lock():
                counter.value += 1
            n += INGEST_PROCESSES


def time_query(port: int, token: str, query: str, requests: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_SECS)
    path = f"/api/0/projects/bench/bench/issues/?limit=25&query={quote(query)}"
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    results = None
    for i in range(WARMUP_REQUESTS + requests):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {body[:300]!r}")
        if i >= WARMUP_REQUESTS:
            latencies.append(elapsed_ms)
        results = len(json.loads(body))
    latencies.sort()
    return {
        "query": query,
        "results": results,
        "median_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max_ms": latencies[-1],
        "requests": requests,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--json-out")
    args = parser.parse_args()

    info = bootstrap(args.bin, args.data_dir)
    key = info["dsn"].split("://", 1)[1].split("@", 1)[0]
    port = free_port()
    server = subprocess.Popen(
        [args.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", args.data_dir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port)
        ingest = Ingest(port, info["project_id"], key, args.rate)
        ingest.start()
        time.sleep(INGEST_SETTLE_SECS)
        window = ingest.snapshot()
        timings = [dict(name=name, **time_query(port, info["token"], q, args.requests)) for name, q in QUERIES.items()]
        ingest_result = ingest.finish(window)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    result = {"rate_target": args.rate, "ingest": ingest_result, "queries": timings}
    print(f"ingest while the queries ran ({ingest_result['seconds']:.1f} s): {ingest_result['ok_per_sec']:.0f} events/s accepted "
          f"(target {args.rate:.0f}), {ingest_result['failed']} failed")
    print(f"{'query':<12} {'results':>7} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}  query string")
    for t in timings:
        print(f"{t['name']:<12} {t['results']:>7} {t['median_ms']:>10.1f} {t['p99_ms']:>8.1f} {t['max_ms']:>8.1f}  {t['query']!r}")
    print(json.dumps(result))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
