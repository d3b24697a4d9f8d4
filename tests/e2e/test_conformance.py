"""The conformance checklist of ingest-protocol.md §13, points 1-46 and 56, one test per point.

Each test talks raw HTTP to a real server and, where the point says the event is stored,
reads it back through `/api/0/`. The spec's project 42 is the `web` project, `K` its key and
`E` the minimal envelope `harness.minimal_envelope` builds.
"""

import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from harness import (
    MIB,
    assert_accepted,
    assert_error_response,
    compress,
    entry,
    envelope,
    event_envelope,
    gzip_bomb,
    item,
    minimal_envelope,
    new_event_id,
    parse_api_time,
    request,
    tag_value,
)

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
# Clock tolerance between this test process and the server when comparing "now" timestamps.
CLOCK_SLACK_SECS = 60


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def trace_context() -> dict:
    return {"trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16], "op": "http.server"}


def post_and_read(faultline, event: dict, **header) -> dict:
    """Sends `event` in a Python-style envelope, asserts 200 and returns it read back."""
    event_id = new_event_id()
    assert_accepted(faultline.post_envelope(event_envelope(event, event_id, **header)), event_id)
    return faultline.get_event(event_id)


def assert_not_stored(project, event_id: str) -> None:
    # 200 means committed, so a rejected event must be absent right away: no polling needed.
    assert project.event_status(event_id) == 404, f"event {event_id} was stored"


def level_of(event: dict):
    return event.get("level") or tag_value(event, "level")


def parse_rate_limits(value: str) -> list:
    """Returns `[(seconds, [categories], scope)]` and checks the grammar SDKs depend on."""
    limits = []
    for raw in value.split(","):
        fields = raw.strip().split(":")
        assert len(fields) >= 3, f"rate limit {raw!r} has fewer than three fields (Rust ignores it)"
        assert re.fullmatch(r"\d+", fields[0]), f"rate limit seconds {fields[0]!r} not an integer"
        categories = fields[1].split(";") if fields[1] else []
        limits.append((int(fields[0]), categories, fields[2]))
    return limits


def exhaust(project, count: int = 2) -> None:
    """Uses up a fresh `count/window` limit with accepted events."""
    for _ in range(count):
        event_id = new_event_id()
        assert_accepted(project.post_envelope(minimal_envelope(event_id)), event_id)


# --------------------------------------------------------------------------- routing and auth


def test_point_01_x_sentry_auth_header(faultline):
    event_id = new_event_id()
    resp = faultline.post_envelope(minimal_envelope(event_id))
    assert resp.status == 200, resp.describe()
    assert resp.header("Content-Type").startswith("application/json")
    assert resp.json() == {"id": event_id}
    event = faultline.get_event(event_id)
    assert event["eventID"] == event_id
    assert event["id"] == event_id
    assert event["title"] == "hi"


def test_point_02_query_string_auth(faultline):
    event_id = new_event_id()
    resp = faultline.post_envelope(minimal_envelope(event_id), auth=False, query=faultline.web.auth_query())
    assert_accepted(resp, event_id)
    faultline.get_event(event_id)


def test_point_03_envelope_header_dsn_auth(faultline):
    event_id = new_event_id()
    body = envelope({"event_id": event_id, "dsn": faultline.dsn}, b'{"type":"event"}\n{"message":"hi"}')
    assert_accepted(faultline.post_envelope(body, auth=False), event_id)
    faultline.get_event(event_id)


def test_point_04_authorization_header_and_lowercase_prefix(faultline):
    first, second = new_event_id(), new_event_id()
    auth = f"Sentry sentry_key={faultline.key}, sentry_version=7"
    resp = faultline.post_envelope(minimal_envelope(first), auth=False, headers={"Authorization": auth})
    assert_accepted(resp, first)
    lowercase = {"X-Sentry-Auth": f"sentry sentry_key={faultline.key}"}
    assert_accepted(faultline.post_envelope(minimal_envelope(second), auth=False, headers=lowercase), second)
    faultline.get_event(first)
    faultline.get_event(second)


def test_point_05_extra_auth_keys_are_ignored(faultline):
    event_id = new_event_id()
    auth = faultline.web.sentry_auth(sentry_timestamp="1732450000.123", sentry_secret="abc")
    resp = faultline.post_envelope(minimal_envelope(event_id), auth=False, headers={"X-Sentry-Auth": auth})
    assert_accepted(resp, event_id)
    faultline.get_event(event_id)


def test_point_06_missing_credentials_401_and_version_8_400(faultline):
    missing_id, version_id = new_event_id(), new_event_id()
    doc = assert_error_response(faultline.post_envelope(minimal_envelope(missing_id), auth=False), 401)
    assert doc["detail"] == "missing authorization information"
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={faultline.key}, sentry_version=8"}
    resp = faultline.post_envelope(minimal_envelope(version_id), auth=False, headers=auth)
    doc = assert_error_response(resp, 400)
    assert doc["detail"] == "unsupported protocol version (8)"
    assert_not_stored(faultline.web, missing_id)
    assert_not_stored(faultline.web, version_id)


def test_point_07_unknown_key_and_foreign_key_403(faultline):
    unknown_id, foreign_id = new_event_id(), new_event_id()
    unknown = {"X-Sentry-Auth": f"Sentry sentry_key={uuid.uuid4().hex}, sentry_version=7"}
    assert_error_response(faultline.post_envelope(minimal_envelope(unknown_id), auth=False, headers=unknown), 403)
    foreign = faultline.other.auth_headers()
    assert_error_response(faultline.post_envelope(minimal_envelope(foreign_id), auth=False, headers=foreign), 403)
    for project in (faultline.web, faultline.other):
        assert_not_stored(project, unknown_id)
        assert_not_stored(project, foreign_id)


def test_point_08_envelope_dsn_of_another_project_is_rejected(faultline):
    event_id = new_event_id()
    body = envelope({"event_id": event_id, "dsn": faultline.other.dsn}, b'{"type":"event"}\n{"message":"hi"}')
    resp = faultline.post_envelope(body)
    assert resp.status in (400, 403), resp.describe()
    assert_error_response(resp, resp.status)
    assert_not_stored(faultline.other, event_id)
    assert_not_stored(faultline.web, event_id)


def test_point_09_duplicate_slashes_are_folded(faultline):
    event_id = new_event_id()
    resp = faultline.post_envelope(minimal_envelope(event_id), path=f"//api/{faultline.project_id}//envelope/")
    assert_accepted(resp, event_id)
    faultline.get_event(event_id)


# ------------------------------------------------------------------------ encoding and transport


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "br", "zstd"])
def test_point_10_compressed_bodies(faultline, encoding):
    event_id = new_event_id()
    body = compress(minimal_envelope(event_id, f"compressed with {encoding}"), encoding)
    assert_accepted(faultline.post_envelope(body, headers={"Content-Encoding": encoding}), event_id)
    assert faultline.get_event(event_id)["title"] == f"compressed with {encoding}"


@pytest.mark.parametrize("value", ["", "UTF-8"])
def test_point_11_empty_and_utf8_content_encoding_mean_identity(faultline, value):
    event_id = new_event_id()
    assert_accepted(faultline.post_envelope(minimal_envelope(event_id), headers={"Content-Encoding": value}), event_id)
    faultline.get_event(event_id)


def test_point_12_chunked_gzip_body(faultline):
    event_id = new_event_id()
    body = compress(minimal_envelope(event_id, "sent chunked"), "gzip")
    chunks = [body[i : i + 16] for i in range(0, len(body), 16)]
    resp = faultline.post_envelope(b"", headers={"Content-Encoding": "gzip", "Content-Type": None}, chunks=chunks)
    assert_accepted(resp, event_id)
    assert faultline.get_event(event_id)["title"] == "sent chunked"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-sentry-envelope",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        None,
    ],
)
def test_point_13_content_type_is_ignored(faultline, content_type):
    event_id = new_event_id()
    assert_accepted(
        faultline.post_envelope(minimal_envelope(event_id), headers={"Content-Type": content_type}), event_id
    )
    faultline.get_event(event_id)


def test_point_14_corrupt_gzip_400(faultline):
    event_id = new_event_id()
    body = bytearray(compress(minimal_envelope(event_id), "gzip"))
    body[12:20] = b"\xff" * 8  # garbles the deflate stream after the gzip header
    assert_error_response(faultline.post_envelope(bytes(body), headers={"Content-Encoding": "gzip"}), 400)
    assert_not_stored(faultline.web, event_id)


# ---------------------------------------------------------------------------- envelope framing


def test_point_15_trailing_newline_is_optional(faultline):
    with_nl, without_nl = new_event_id(), new_event_id()
    assert_accepted(faultline.post_envelope(minimal_envelope(with_nl) + b"\n"), with_nl)
    assert_accepted(faultline.post_envelope(minimal_envelope(without_nl)), without_nl)
    faultline.get_event(with_nl)
    faultline.get_event(without_nl)


def test_point_16_explicit_length_payload_may_contain_newlines(faultline):
    event_id = new_event_id()
    payload = b'{\n  "message": "line one",\n  "extra": {"note": "a\\nb"}\n}'
    body = envelope(
        {"event_id": event_id},
        item(payload),
        item(b"first line\nsecond line\n", "attachment", filename="notes.txt"),
    )
    assert_accepted(faultline.post_envelope(body), event_id)
    assert faultline.get_event(event_id)["title"] == "line one"


def test_point_17_byte_after_explicit_length_must_be_newline(faultline):
    event_id = new_event_id()
    payload = b'{"message":"hi"}'
    body = b'{"event_id":"%s"}\n{"type":"event","length":%d}\n%s \n' % (event_id.encode(), len(payload), payload)
    assert_error_response(faultline.post_envelope(body), 400)
    assert_not_stored(faultline.web, event_id)


def test_point_18_length_beyond_body_400(faultline):
    event_id = new_event_id()
    payload = b'{"message":"hi"}'
    body = b'{"event_id":"%s"}\n{"type":"event","length":%d}\n%s\n' % (event_id.encode(), len(payload) + 100, payload)
    assert_error_response(faultline.post_envelope(body), 400)
    assert_not_stored(faultline.web, event_id)


def test_point_19_two_empty_attachments(faultline):
    event_id = new_event_id()
    body = b'{"event_id":"%s"}\n{"type":"attachment","length":0}\n\n{"type":"attachment","length":0}\n' % (
        event_id.encode()
    )
    resp = faultline.post_envelope(body)
    assert resp.status == 200, resp.describe()
    assert resp.json() in ({"id": event_id}, {}), resp.describe()


def test_point_20_item_header_at_eof_is_an_empty_item(faultline):
    event_id = new_event_id()
    body = b'{"event_id":"%s"}\n{"type":"attachment"}' % event_id.encode()
    resp = faultline.post_envelope(body)
    assert resp.status == 200, resp.describe()
    assert resp.json() in ({"id": event_id}, {}), resp.describe()


def test_point_21_envelope_without_items(faultline):
    resp = faultline.post_envelope(b"{}")
    assert_accepted(resp, None)


def test_point_22_unknown_item_type_does_not_spoil_siblings(faultline):
    event_id = new_event_id()
    body = envelope(
        {"event_id": event_id},
        item({"anything": [1, 2, 3]}, "future_thing"),
        item({"message": "beside a future item"}),
    )
    assert_accepted(faultline.post_envelope(body), event_id)
    assert faultline.get_event(event_id)["title"] == "beside a future item"


def test_point_23_empty_body_400(faultline):
    assert_error_response(faultline.post_envelope(b""), 400)


def test_point_24_log_container_with_wrong_item_count_is_dropped(faultline):
    event_id = new_event_id()
    ts = now().timestamp()
    logs = {
        "items": [
            {"timestamp": ts, "trace_id": uuid.uuid4().hex, "level": "info", "body": f"log {i}"} for i in range(3)
        ]
    }
    body = envelope(
        {"event_id": event_id},
        item(logs, "log", item_count=2, content_type="application/vnd.sentry.items.log+json"),
        item({"message": "beside a bad log container"}),
    )
    assert_accepted(faultline.post_envelope(body), event_id)
    faultline.get_event(event_id)


def test_point_25_integration_item_from_a_client_400(faultline):
    event_id = new_event_id()
    body = envelope({"event_id": event_id}, item({}, "integration"), item({"message": "smuggled"}))
    assert_error_response(faultline.post_envelope(body), 400)
    assert_not_stored(faultline.web, event_id)


def test_point_26_server_assigns_missing_event_id(faultline):
    resp = faultline.post_envelope(b'{}\n{"type":"event"}\n{"message":"no id anywhere"}')
    assert resp.status == 200, resp.describe()
    event_id = resp.json().get("id")
    assert isinstance(event_id, str) and re.fullmatch(r"[0-9a-f]{32}", event_id), resp.describe()
    assert faultline.get_event(event_id)["title"] == "no id anywhere"


def test_point_27_envelope_header_event_id_wins(faultline):
    header_id, payload_id = new_event_id(), new_event_id()
    body = event_envelope({"event_id": payload_id, "message": "two ids"}, header_id)
    assert_accepted(faultline.post_envelope(body), header_id)
    assert faultline.get_event(header_id)["eventID"] == header_id
    assert_not_stored(faultline.web, payload_id)


# -------------------------------------------------------------------- responses and rate limits


def test_point_28_rate_limited_errors_429(faultline):
    limited = faultline.limited_project("2/60")
    exhaust(limited)
    event_id = new_event_id()
    resp = limited.post_envelope(minimal_envelope(event_id))
    assert_error_response(resp, 429)
    retry_after = resp.header("Retry-After")
    assert retry_after is not None and re.fullmatch(r"\d+", retry_after), resp.describe()
    assert 1 <= int(retry_after) <= 60
    limits = parse_rate_limits(resp.header("X-Sentry-Rate-Limits") or "")
    assert any("error" in cats for _, cats, _ in limits), limits
    assert all(1 <= secs <= 60 for secs, _, _ in limits), limits
    assert int(retry_after) == max(secs for secs, _, _ in limits)
    assert_not_stored(limited, event_id)


def test_point_29_limit_on_errors_does_not_name_sessions(faultline):
    limited = faultline.limited_project("2/60")
    exhaust(limited)
    event_id = new_event_id()
    started = iso(now())
    session = {
        "sid": str(uuid.uuid4()),
        "init": True,
        "started": started,
        "timestamp": started,
        "status": "exited",
        "attrs": {"release": "app@1.0.0", "environment": "prod"},
    }
    body = envelope({"event_id": event_id}, item(session, "session"), item({"message": "limited"}))
    resp = limited.post_envelope(body)
    assert resp.status in (200, 429), resp.describe()
    limits = parse_rate_limits(resp.header("X-Sentry-Rate-Limits") or "")
    categories = {c for _, cats, _ in limits for c in cats}
    assert "error" in categories, limits
    assert "session" not in categories, limits
    assert all(cats for _, cats, _ in limits), "an all-categories limit would also stop sessions"
    assert_not_stored(limited, event_id)


def test_point_30_no_retry_after_on_success(faultline):
    event_id = new_event_id()
    responses = [
        faultline.post_envelope(minimal_envelope(event_id)),
        faultline.post_envelope(b"{}"),
        request("GET", f"{faultline.url}/health"),
    ]
    for resp in responses:
        assert 200 <= resp.status < 300, resp.describe()
        assert resp.header("Retry-After") is None, resp.describe()


def oversized_envelopes():
    event_id = new_event_id()
    two_events = envelope({"event_id": event_id}, item({"message": "one"}), item({"message": "two"}))
    big_event = event_envelope({"message": "big", "extra": {"blob": "x" * (MIB + 1)}}, event_id)
    attachments = [item(b"x", "attachment", filename=f"{i}.txt") for i in range(31)]
    many_attachments = envelope({"event_id": event_id}, item({"message": "31 files"}), *attachments)
    return event_id, {"two_events": two_events, "event_over_1_mib": big_event, "31_attachments": many_attachments}


@pytest.mark.parametrize("case", ["two_events", "event_over_1_mib", "31_attachments"])
def test_point_31_item_limits_413(faultline, case):
    event_id, bodies = oversized_envelopes()
    assert_error_response(faultline.post_envelope(bodies[case]), 413)
    assert_not_stored(faultline.web, event_id)


def test_point_31_thirty_attachments_are_within_limits(faultline):
    event_id = new_event_id()
    attachments = [item(b"x", "attachment", filename=f"{i}.txt") for i in range(30)]
    body = envelope({"event_id": event_id}, item({"message": "30 files"}), *attachments)
    assert_accepted(faultline.post_envelope(body), event_id)
    faultline.get_event(event_id)


def test_point_32_decompressed_body_over_200_mib_413(faultline):
    bomb = gzip_bomb(210 * MIB)
    assert len(bomb) < 2 * MIB
    assert_error_response(faultline.post_envelope(bomb, headers={"Content-Encoding": "gzip"}), 413)


def test_point_33_error_responses_have_json_detail(faultline):
    unknown = {"X-Sentry-Auth": f"Sentry sentry_key={uuid.uuid4().hex}, sentry_version=7"}
    two_events = envelope({"event_id": new_event_id()}, item({"message": "a"}), item({"message": "b"}))
    cases = [
        (faultline.post_envelope(minimal_envelope(new_event_id()), auth=False), 401),
        (faultline.post_envelope(b""), 400),
        (faultline.post_envelope(minimal_envelope(new_event_id()), auth=False, headers=unknown), 403),
        (faultline.post_envelope(two_events), 413),
    ]
    for resp, status in cases:
        assert_error_response(resp, status)


# ------------------------------------------------------------------------------------------ CORS


def header_tokens(value) -> set:
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def test_point_34_preflight(faultline):
    origin = "https://app.example"
    resp = request(
        "OPTIONS",
        f"{faultline.url}/api/{faultline.project_id}/envelope/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-sentry-auth",
        },
    )
    assert 200 <= resp.status < 300, resp.describe()
    assert resp.header("Access-Control-Allow-Origin") in ("*", origin), resp.describe()
    methods = header_tokens(resp.header("Access-Control-Allow-Methods"))
    assert "post" in methods or "*" in methods, resp.describe()
    allowed = header_tokens(resp.header("Access-Control-Allow-Headers"))
    assert {"content-type", "x-sentry-auth"} <= allowed or "*" in allowed, resp.describe()


def test_point_35_cors_headers_on_200_4xx_and_429(faultline):
    origin = {"Origin": "https://app.example"}
    limited = faultline.limited_project("2/60")
    exhaust(limited)
    responses = {
        200: faultline.post_envelope(minimal_envelope(new_event_id()), headers=origin),
        401: faultline.post_envelope(minimal_envelope(new_event_id()), auth=False, headers=origin),
        429: limited.post_envelope(minimal_envelope(new_event_id()), headers=origin),
    }
    for status, resp in responses.items():
        assert resp.status == status, resp.describe()
        assert resp.header("Access-Control-Allow-Origin") in ("*", origin["Origin"]), resp.describe()
        exposed = header_tokens(resp.header("Access-Control-Expose-Headers"))
        assert {"x-sentry-rate-limits", "retry-after", "x-sentry-error"} <= exposed, resp.describe()


# ------------------------------------------------------------- payload acceptance and normalisation


def test_point_36_timestamp_forms_are_the_same_instant(faultline):
    # A day ago, so neither the past (30 days) nor the future (60 s) correction applies.
    base = (now() - timedelta(days=1)).replace(microsecond=0)
    epoch = int(base.timestamp())
    whole = [epoch, base.strftime("%Y-%m-%dT%H:%M:%SZ"), base.strftime("%Y-%m-%dT%H:%M:%S")]
    quarter = [epoch + 0.25, base.strftime("%Y-%m-%dT%H:%M:%S") + ".250000+00:00"]
    for forms, expected in ((whole, base), (quarter, base + timedelta(milliseconds=250))):
        for form in forms:
            stored = parse_api_time(
                post_and_read(faultline, {"message": f"at {form}", "timestamp": form})["dateCreated"]
            )
            assert abs(stored - expected) < timedelta(milliseconds=1), f"{form!r} stored as {stored}"


SHAPES = {
    "tags_object": {"tags": {"a": "1"}},
    "tags_pairs": {"tags": [["a", "1"]]},
    "exception_values": {"exception": {"values": [{"type": "ShapeError", "value": "v"}]}},
    "exception_list": {"exception": [{"type": "ShapeError", "value": "v"}]},
    "exception_object": {"exception": {"type": "ShapeError", "value": "v"}},
    "breadcrumbs_values": {"message": "m", "breadcrumbs": {"values": [{"message": "crumb"}]}},
    "breadcrumbs_list": {"message": "m", "breadcrumbs": [{"message": "crumb"}]},
    "breadcrumbs_object": {"message": "m", "breadcrumbs": {"message": "crumb"}},
    "threads_values": {"message": "m", "threads": {"values": [{"id": 1, "name": "main", "crashed": True}]}},
    "threads_list": {"message": "m", "threads": [{"id": 1, "name": "main", "crashed": True}]},
    "threads_object": {"message": "m", "threads": {"id": 1, "name": "main", "crashed": True}},
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_point_37_lenient_container_shapes(faultline, shape):
    event = post_and_read(faultline, {"message": "shape", **SHAPES[shape]})
    if shape.startswith("tags"):
        assert tag_value(event, "a") == "1"
    elif shape.startswith("exception"):
        values = entry(event, "exception")["values"]
        assert [(v["type"], v["value"]) for v in values] == [("ShapeError", "v")]
    elif shape.startswith("breadcrumbs"):
        assert [c["message"] for c in entry(event, "breadcrumbs")["values"]] == ["crumb"]
    else:
        threads = entry(event, "threads")["values"]
        assert [(t["id"], t["name"], t["crashed"]) for t in threads] == [(1, "main", True)]


def test_point_38_message_and_logentry_formatting(faultline):
    plain = post_and_read(faultline, {"message": "hi"})
    assert entry(plain, "message")["formatted"] == "hi"
    templated = post_and_read(faultline, {"logentry": {"message": "hello %s", "params": ["bob"]}})
    assert entry(templated, "message")["formatted"] == "hello bob"
    assert templated["title"] == "hello bob"


def test_point_39_platform_and_level_defaults(faultline):
    event = post_and_read(faultline, {"message": "defaults"})
    assert event["platform"] == "other"
    assert level_of(event) == "error"
    tx_id = new_event_id()
    t = now().timestamp()
    transaction = {
        "type": "transaction",
        "transaction": "/checkout",
        "start_timestamp": t - 1.5,
        "timestamp": t,
        "contexts": {"trace": trace_context()},
        "spans": [],
    }
    body = envelope({"event_id": tx_id}, item(transaction, "transaction"))
    assert_accepted(faultline.post_envelope(body), tx_id)
    assert level_of(faultline.get_event(tx_id)) == "info"


def test_point_40_ip_address_inference(faultline):
    auto = post_and_read(
        faultline, {"message": "auto ip", "platform": "python", "user": {"id": "1", "ip_address": "{{auto}}"}}
    )
    assert auto["user"]["ip_address"] == "127.0.0.1"
    never = post_and_read(
        faultline,
        {
            "message": "no ip",
            "platform": "javascript",
            "user": {"id": "2", "ip_address": "{{auto}}"},
            "sdk": {"name": "sentry.javascript.browser", "version": "10.63.0", "settings": {"infer_ip": "never"}},
        },
    )
    assert (never.get("user") or {}).get("ip_address") is None, never.get("user")


@pytest.mark.parametrize(
    "platform,os_key,other_key", [("python", "client_os", "os"), ("javascript", "os", "client_os")]
)
def test_point_41_user_agent_contexts(faultline, platform, os_key, other_key):
    event = post_and_read(
        faultline,
        {
            "message": "ua",
            "platform": platform,
            "request": {"url": "https://shop.example/", "headers": {"User-Agent": CHROME_UA}},
        },
    )
    contexts = event["contexts"]
    assert contexts["browser"]["name"] == "Chrome", contexts
    assert contexts[os_key]["name"] == "Windows", contexts
    assert other_key not in contexts, contexts


def test_point_42_clock_drift_correction(faultline):
    sdk_now = now() - timedelta(hours=2)
    drifted = post_and_read(
        faultline, {"message": "slow clock", "timestamp": sdk_now.timestamp()}, sent_at=iso(sdk_now)
    )
    assert abs(parse_api_time(drifted["dateCreated"]) - now()) < timedelta(seconds=CLOCK_SLACK_SECS), drifted[
        "dateCreated"
    ]
    assert "clock_drift" in {e.get("type") for e in drifted.get("errors") or []}, drifted.get("errors")

    sdk_now = now() - timedelta(minutes=5)
    latency = post_and_read(
        faultline, {"message": "5 minutes off", "timestamp": sdk_now.timestamp()}, sent_at=iso(sdk_now)
    )
    assert abs(parse_api_time(latency["dateCreated"]) - sdk_now) < timedelta(seconds=1), latency["dateCreated"]
    assert "clock_drift" not in {e.get("type") for e in latency.get("errors") or []}, latency.get("errors")


def test_point_43_timestamp_40_days_old_becomes_received(faultline):
    old = now() - timedelta(days=40)
    event = post_and_read(faultline, {"message": "ancient", "timestamp": old.timestamp()})
    assert abs(parse_api_time(event["dateCreated"]) - now()) < timedelta(seconds=CLOCK_SLACK_SECS), event["dateCreated"]
    assert "past_timestamp" in {e.get("type") for e in event.get("errors") or []}, event.get("errors")


def test_point_44_invalid_transactions_are_not_stored(faultline):
    t = now().timestamp()
    valid = {
        "type": "transaction",
        "transaction": "/ok",
        "start_timestamp": t - 1,
        "timestamp": t,
        "contexts": {"trace": trace_context()},
    }
    no_start = {k: v for k, v in valid.items() if k != "start_timestamp"}
    no_trace_id = dict(valid, contexts={"trace": {"span_id": uuid.uuid4().hex[:16]}})
    ids = {}
    for name, tx in (("valid", valid), ("no_start", no_start), ("no_trace_id", no_trace_id)):
        ids[name] = new_event_id()
        resp = faultline.post_envelope(
            envelope({"event_id": ids[name]}, item(dict(tx, transaction=f"/{name}"), "transaction"))
        )
        assert resp.status == 200, resp.describe()
    faultline.get_event(ids["valid"])  # the server does store transactions...
    assert_not_stored(faultline.web, ids["no_start"])  # ...but not these
    assert_not_stored(faultline.web, ids["no_trace_id"])


def test_point_45_nulls_are_absent(faultline):
    event = post_and_read(
        faultline,
        {
            "release": None,
            "environment": None,
            "user": None,
            "tags": None,
            "request": None,
            "logger": None,
            "breadcrumbs": None,
            "level": None,
            "contexts": {"trace": dict(trace_context(), parent_span_id=None)},
            "exception": {
                "values": [
                    {
                        "type": "NullError",
                        "value": "nulls",
                        "module": None,
                        "mechanism": None,
                        "stacktrace": {
                            "frames": [
                                {
                                    "function": "f",
                                    "filename": "app.py",
                                    "module": None,
                                    "lineno": None,
                                    "in_app": None,
                                    "vars": None,
                                }
                            ]
                        },
                    }
                ]
            },
        },
    )
    assert entry(event, "exception")["values"][0]["type"] == "NullError"


def test_point_46_unknown_top_level_keys(faultline):
    event = post_and_read(faultline, {"message": "from the future", "hologram": {"depth": 3}, "quantum_state": [1, 0]})
    assert event["title"] == "from the future"


# ------------------------------------------------------------------------------ legacy endpoints


def test_point_56_store_endpoint(faultline):
    event_id = new_event_id()
    body = json.dumps({"event_id": event_id, "message": "legacy store"}).encode()
    headers = {"Content-Type": "application/json", **faultline.web.auth_headers()}
    resp = request("POST", f"{faultline.url}/api/{faultline.project_id}/store/", body, headers)
    assert_accepted(resp, event_id)
    assert faultline.get_event(event_id)["title"] == "legacy store"
