"""Harness for faultline's end-to-end tests: runs the real binary, talks raw HTTP to it and
builds envelopes byte by byte.

HTTP goes through raw sockets rather than a client library, so a test can send exactly the
bytes and headers a given SDK sends (chunked bodies, odd `Content-Encoding` values, no
`Content-Type`). Every wait is bounded by one of the `*_SECS` constants below.
"""

import functools
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"

# How long the server may take to print its "listening on" line and answer /health.
START_TIMEOUT_SECS = 60
# How long SIGTERM may take to drain and exit.
STOP_TIMEOUT_SECS = 30
# How long one HTTP exchange may take (a 200 MiB gzip bomb is decoded within it).
HTTP_TIMEOUT_SECS = 60
# How long a test polls the read API for an event it was told is stored.
EVENT_POLL_SECS = 10
# How long a CLI command (bootstrap, grouping-info) may run.
CLI_TIMEOUT_SECS = 60
# Lines of the server's output quoted when it fails.
LOG_TAIL_LINES = 60

ORG = "acme"
LISTENING_RE = re.compile(r"faultline listening on (http://127\.0\.0\.1:(\d+))")
REQUEST_HEAD_RE = re.compile(rb"([A-Z]+) (\S+) HTTP/1\.[01]\r\n(.*?)\r\n\r\n", re.DOTALL)


def faultline_bin() -> Path:
    """Returns the binary under test: `$FAULTLINE_BIN`, relative paths taken from the repo root."""
    path = Path(os.environ.get("FAULTLINE_BIN", "target/debug/faultline"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        raise RuntimeError(f"faultline binary not found at {path}: run `cargo build` or set FAULTLINE_BIN")
    return path


def new_event_id() -> str:
    """Returns a fresh event id as 32 lowercase hex characters."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------------------- HTTP


@dataclass
class Response:
    """One HTTP answer, read completely."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body)

    def describe(self) -> str:
        return f"HTTP {self.status} {dict(self.headers)} {self.body[:500]!r}"


def request(
    method: str,
    url: str,
    body: bytes = b"",
    headers: Optional[dict] = None,
    chunks: Optional[Iterable[bytes]] = None,
    timeout: float = HTTP_TIMEOUT_SECS,
) -> Response:
    """Sends one HTTP/1.1 request with exactly the given headers and returns the answer.

    The path is sent as written (duplicate slashes survive). `Host` and, unless `chunks` is
    given, `Content-Length` are added; with `chunks` the body goes out with
    `Transfer-Encoding: chunked` and no length, as the Node SDK sends it. A server that answers
    before reading the whole body (and closes) is tolerated: the answer is still read.
    """
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    for name, value in (headers or {}).items():
        head.append(f"{name}: {value}")
    if chunks is None:
        head.append(f"Content-Length: {len(body)}")
        payload = body
    else:
        head.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c) + b"0\r\n\r\n"
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
    try:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early; its answer is still in the socket
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        data = resp.read()
        return Response(resp.status, resp.headers, data)
    finally:
        sock.close()


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Calls `predicate` until it returns a truthy value (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# ------------------------------------------------------------------------------------ envelopes


def item(payload, item_type: str = "event", length: bool = True, **headers) -> bytes:
    """Returns one envelope item: header line, payload, newline. `payload` may be a dict."""
    if not isinstance(payload, (bytes, bytearray)):
        payload = json.dumps(payload).encode()
    item_headers = {"type": item_type, **headers}
    if length:
        item_headers["length"] = len(payload)
    return json.dumps(item_headers).encode() + b"\n" + bytes(payload) + b"\n"


def envelope(header: dict, *items: bytes) -> bytes:
    """Returns an envelope: the header line followed by the items as given."""
    return json.dumps(header).encode() + b"\n" + b"".join(items)


def minimal_envelope(event_id: str, message: str = "hi") -> bytes:
    """Returns the checklist's `E`: JavaScript-style, no `length`, no trailing newline."""
    return b'{"event_id":"%s"}\n{"type":"event"}\n%s' % (
        event_id.encode(),
        json.dumps({"message": message}).encode(),
    )


def event_envelope(event: dict, event_id: Optional[str] = None, **header) -> bytes:
    """Returns a Python-style envelope (explicit lengths, trailing newline) holding `event`."""
    if event_id is not None:
        header = {"event_id": event_id, **header}
    return envelope(header, item(event))


MIB = 1024 * 1024


def compress(body: bytes, encoding: str) -> bytes:
    """Returns `body` encoded for that `Content-Encoding` (gzip, x-gzip, deflate, br, zstd)."""
    if encoding in ("gzip", "x-gzip"):
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)  # zlib-wrapped (RFC 1950), as HTTP's "deflate" means
    if encoding == "br":
        import brotli

        return brotli.compress(body)
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(body)
    raise ValueError(f"unknown encoding {encoding}")


@functools.lru_cache(maxsize=None)
def gzip_bomb(decompressed_bytes: int) -> bytes:
    """Returns a gzip body that inflates to `decompressed_bytes` of a well-formed envelope.

    The envelope is one attachment of zeros, so a server can only reject it for its size. The
    compressed body stays near 1/1000 of the inflated size, and no more than 1 MiB of zeros is
    ever held in memory here.
    """
    prefix = b'{"event_id":"%s"}\n' % new_event_id().encode()
    item_header = b'{"type":"attachment","filename":"zeros.bin","length":%d}\n'
    # The length digits change the header's size: fix them first, then fill up to the total.
    length = decompressed_bytes - len(prefix) - len(item_header % 0) - 1
    length -= len(item_header % length) - len(item_header % 0)
    head = prefix + item_header % length
    assert len(head) + length + 1 == decompressed_bytes
    encoder = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [encoder.compress(head)]
    zeros = bytes(MIB)
    remaining = length
    while remaining:
        chunk = zeros[: min(remaining, MIB)]
        out.append(encoder.compress(chunk))
        remaining -= len(chunk)
    out.append(encoder.compress(b"\n"))
    out.append(encoder.flush())
    return b"".join(out)


# ---------------------------------------------------------------------------------- the server


@dataclass
class Project:
    """A bootstrapped project of a running server, with helpers for its ingest and read API."""

    server: "Server" = field(repr=False)
    org: str
    slug: str
    project_id: str
    key: str
    dsn: str
    token: str

    @property
    def url(self) -> str:
        return self.server.url

    def sentry_auth(self, **extra) -> str:
        pairs = {"sentry_key": self.key, "sentry_version": "7", "sentry_client": "faultline-e2e/1.0", **extra}
        return "Sentry " + ", ".join(f"{k}={v}" for k, v in pairs.items())

    def auth_headers(self) -> dict:
        return {"X-Sentry-Auth": self.sentry_auth()}

    def auth_query(self) -> str:
        return urlencode(
            {"sentry_version": "7", "sentry_key": self.key, "sentry_client": "sentry.javascript.browser/10.63.0"}
        )

    def post_envelope(
        self,
        body: bytes,
        headers: Optional[dict] = None,
        auth: bool = True,
        query: str = "",
        path: Optional[str] = None,
        **kw,
    ) -> Response:
        """POSTs to this project's envelope endpoint (or `path`), as sentry-python does.

        `X-Sentry-Auth` is sent unless `auth=False`; a header given as None is left out.
        """
        all_headers = {"Content-Type": "application/x-sentry-envelope"}
        if auth:
            all_headers.update(self.auth_headers())
        all_headers.update(headers or {})
        all_headers = {k: v for k, v in all_headers.items() if v is not None}
        url = self.url + (path or f"/api/{self.project_id}/envelope/") + (f"?{query}" if query else "")
        return request("POST", url, body, all_headers, **kw)

    def api_get(self, path: str, token: Optional[str] = None) -> Response:
        return request("GET", f"{self.url}{path}", headers={"Authorization": f"Bearer {token or self.token}"})

    def api_send(self, method: str, path: str, body=None, token: Optional[str] = None) -> Response:
        """Sends `body` (JSON-encoded unless already bytes) to the web API with the token."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return request(method, f"{self.url}{path}", payload, headers)

    def event_path(self, event_id: str) -> str:
        return f"/api/0/projects/{self.org}/{self.slug}/events/{event_id}/"

    def event_status(self, event_id: str) -> int:
        """Returns the read API's status for the event right now (no polling)."""
        return self.api_get(self.event_path(event_id)).status

    def get_event(self, event_id: str, timeout: float = EVENT_POLL_SECS) -> dict:
        """Returns the event as the read API shows it, polling briefly while it answers 404."""
        last = []

        def fetch():
            resp = self.api_get(self.event_path(event_id))
            last[:] = [resp]
            if resp.status == 200:
                return resp.json()
            assert resp.status == 404, f"GET event {event_id}: {resp.describe()}"
            return None

        try:
            return wait_until(fetch, timeout, interval=0.1, what=f"event {event_id}")
        except AssertionError:
            raise AssertionError(f"event {event_id} not readable after {timeout}s: {last[0].describe()}") from None

    def issues(self) -> list:
        resp = self.api_get(f"/api/0/projects/{self.org}/{self.slug}/issues/")
        assert resp.status == 200, resp.describe()
        return resp.json()

    def issue(self, issue_id: str) -> dict:
        resp = self.api_get(f"/api/0/organizations/{self.org}/issues/{issue_id}/")
        assert resp.status == 200, resp.describe()
        return resp.json()

    def grouping_info(self, event_id: str) -> dict:
        resp = self.api_get(self.event_path(event_id) + "grouping-info/")
        assert resp.status == 200, resp.describe()
        return resp.json()


@dataclass
class Server:
    """One `faultline serve` process on a free loopback port with its own data directory."""

    data_dir: Path
    proc: Optional[subprocess.Popen] = None
    url: str = ""
    port: int = 0
    log_lines: list = field(default_factory=list, repr=False)
    _listening: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Server":
        """Starts the server and returns once it listens and `/health` answers 200."""
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self._listening = threading.Event()
        self.url = ""
        self.proc = subprocess.Popen(
            [str(faultline_bin()), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._read_output, args=(self.proc,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_SECS
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"faultline did not print its listening line{self.log_tail()}")
        try:
            wait_until(self._healthy, max(deadline - time.monotonic(), 1), what="GET /health == 200")
        except AssertionError:
            self.kill()
            raise RuntimeError(f"faultline did not answer /health{self.log_tail()}") from None
        return self

    def _read_output(self, proc: subprocess.Popen):
        # Drains the pipe for the whole life of the process, so a chatty server never blocks on it.
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.log_lines.append(line)
            match = LISTENING_RE.search(line)
            if match and not self._listening.is_set():
                self.url, self.port = match.group(1), int(match.group(2))
                self._listening.set()
        proc.stdout.close()

    def _healthy(self) -> bool:
        try:
            return request("GET", f"{self.url}/health", timeout=5).status == 200
        except OSError:
            return False

    def log_tail(self) -> str:
        return "\n--- faultline output (tail) ---\n" + "\n".join(self.log_lines[-LOG_TAIL_LINES:])

    def bootstrap(self, project: str, rate_limit: Optional[str] = None, org: str = ORG) -> Project:
        """Runs `faultline bootstrap` on this data directory and returns the project it made."""
        args = [str(faultline_bin()), "bootstrap", "--data-dir", str(self.data_dir), "--org", org]
        args += ["--project", project, "--url", self.url, "--json"]
        if rate_limit:
            args += ["--rate-limit", rate_limit]
        out = subprocess.run(args, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, f"bootstrap failed (rc={out.returncode}):\n{out.stdout}\n{out.stderr}"
        doc = json.loads(out.stdout)
        return Project(
            server=self,
            org=doc["org"],
            slug=doc["project"],
            project_id=str(doc["project_id"]),
            key=urlsplit(doc["dsn"]).username,
            dsn=doc["dsn"],
            token=doc["token"],
        )

    def stop(self) -> int:
        """Sends SIGTERM and returns the exit code once the server has drained and exited."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_SECS)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"faultline did not exit within {STOP_TIMEOUT_SECS}s of SIGTERM{self.log_tail()}"
            ) from None

    def kill(self):
        """Kills the server with SIGKILL (no draining) and reaps it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_SECS)


# -------------------------------------------------------------------------------- the TCP tap


class RecordingProxy:
    """A loopback TCP forwarder that records every byte a client sends to the server.

    SDK tests point their DSN at it to check what the SDK really put on the wire (its
    `Content-Encoding`, chunked framing) while the server sees the untouched byte stream.
    """

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._streams: list = []
        self._sockets: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def dsn_for(self, project: Project) -> str:
        """Returns `project`'s DSN with the proxy as host."""
        return f"http://{project.key}@127.0.0.1:{self.port}/{project.project_id}"

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=HTTP_TIMEOUT_SECS)
            stream = bytearray()
            with self._lock:
                self._streams.append(stream)
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, stream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, record: Optional[bytearray]):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record is not None:
                    with self._lock:
                        record.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def sent_bytes(self) -> bytes:
        """Returns every byte clients have sent so far, connections one after another."""
        with self._lock:
            return b"".join(bytes(s) for s in self._streams)

    def request_heads(self) -> list:
        """Returns `(method, target, {lowercase header: value})` for every request seen so far."""
        heads = []
        with self._lock:
            streams = [bytes(s) for s in self._streams]
        for stream in streams:
            for method, target, raw_headers in REQUEST_HEAD_RE.findall(stream):
                fields = {}
                for line in raw_headers.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    fields[name.strip().lower()] = value.strip()
                heads.append((method.decode(), target.decode(), fields))
        return heads

    def close(self):
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.close()
                except OSError:
                    pass


# ------------------------------------------------------------------------------ event readers


def entry(event: dict, entry_type: str) -> Optional[dict]:
    """Returns the `data` of the API event's entry of that type, or None."""
    for e in event.get("entries") or []:
        if e.get("type") == entry_type:
            return e.get("data")
    return None


def assert_error_response(resp: Response, status: int) -> dict:
    """Asserts an error answer: the status, a JSON body and a non-empty `detail` string."""
    assert resp.status == status, f"want {status}, got {resp.describe()}"
    assert (resp.header("Content-Type") or "").startswith("application/json"), resp.describe()
    doc = resp.json()
    assert isinstance(doc.get("detail"), str) and doc["detail"], resp.describe()
    return doc


def assert_accepted(resp: Response, event_id: Optional[str]) -> None:
    """Asserts a 200 answer whose JSON body names `event_id` (or is `{}` when None)."""
    assert resp.status == 200, resp.describe()
    assert (resp.header("Content-Type") or "").startswith("application/json"), resp.describe()
    assert resp.json() == ({"id": event_id} if event_id else {}), resp.describe()


def parse_api_time(value: str) -> datetime:
    """Returns an API timestamp (`2026-05-01T10:00:00.250000Z` and similar) as an aware datetime."""
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"API timestamp without a zone: {value}"
    return parsed


def tag_value(event_or_issue: dict, key: str) -> Optional[str]:
    """Returns the value of tag `key` from an API event's `[{"key","value"}]` tags."""
    for tag in event_or_issue.get("tags") or []:
        if tag.get("key") == key:
            return tag.get("value")
    return None
