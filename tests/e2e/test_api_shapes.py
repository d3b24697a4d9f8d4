"""The event JSON of `/api/0/projects/{org}/{project}/events/{id}/` in Sentry's exact shape.

The real sentry-python SDK sends one rich event (chained exception with source context,
breadcrumbs, a request, user, tags, contexts, extra); each test reads it back and checks one
interface against what Sentry's API returns for it.
"""

import inspect
from datetime import datetime

import pytest
import sentry_sdk

from harness import REPO_ROOT, entry, parse_api_time, tag_value

FLUSH_TIMEOUT_SECS = 10
REQUEST = {
    "url": "https://shop.example/checkout",
    "method": "POST",
    "query_string": "step=2&coupon=",
    "headers": {"Content-Type": "application/json", "X-Request-Id": "r-17"},
    "cookies": {"theme": "dark"},
    "data": {"sku": "A-1"},
    "env": {"SERVER_NAME": "web-1"},
}


def load_cart():
    raise KeyError("cart-9")


def checkout():
    try:
        load_cart()
    except KeyError as err:
        raise RuntimeError("checkout failed") from err


@pytest.fixture(scope="module")
def rich_event(faultline):
    """Sends the rich event once for the module and returns it as the API shows it."""
    sentry_sdk.init(
        dsn=faultline.dsn,
        default_integrations=False,
        send_client_reports=False,
        include_source_context=True,
        project_root=str(REPO_ROOT),
    )
    try:
        scope = sentry_sdk.get_current_scope()
        scope.add_event_processor(lambda event, hint: {**event, "request": REQUEST})
        sentry_sdk.set_user({"id": "u-42", "email": "ann@shop.example", "username": "ann", "plan": "gold"})
        sentry_sdk.set_tag("shop.region", "eu")
        sentry_sdk.set_context("cart", {"items": 3})
        sentry_sdk.set_extra("attempt", 2)
        sentry_sdk.add_breadcrumb(category="ui.click", message="pay button", level="info", data={"x": 1})
        try:
            checkout()
        except RuntimeError:
            event_id = sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
        sentry_sdk.get_current_scope().clear()
        sentry_sdk.get_isolation_scope().clear()
    return faultline.get_event(event_id), event_id


def test_top_level_fields(rich_event, faultline):
    event, event_id = rich_event
    assert event["id"] == event_id
    assert event["eventID"] == event_id
    assert event["projectID"] == faultline.project_id
    assert isinstance(event["groupID"], str)
    assert event["type"] == "error"
    assert event["platform"] == "python"
    assert event["title"] == "RuntimeError: checkout failed"
    assert event["culprit"] == f"{__name__} in checkout"
    assert event["location"].endswith("test_api_shapes.py")
    assert event["metadata"]["type"] == "RuntimeError"
    assert event["metadata"]["value"] == "checkout failed"
    assert isinstance(parse_api_time(event["dateCreated"]), datetime)
    assert isinstance(parse_api_time(event["dateReceived"]), datetime)
    assert event["errors"] == []
    assert event["sdk"]["name"] == "sentry.python"
    assert isinstance(event["size"], int) and event["size"] > 0
    assert isinstance(event["fingerprints"], list) and event["fingerprints"]


def test_chained_exception_frames_and_context_lines(rich_event):
    event, _ = rich_event
    data = entry(event, "exception")
    assert set(data) >= {"values", "hasSystemFrames", "excOmitted"}
    # Sentry lists the cause first and the exception that was raised last.
    assert [(v["type"], v["value"]) for v in data["values"]] == [
        ("KeyError", "'cart-9'"),
        ("RuntimeError", "checkout failed"),
    ]
    raised = data["values"][-1]
    assert set(raised) >= {"type", "value", "module", "mechanism", "threadId", "stacktrace", "rawStacktrace"}
    frame = raised["stacktrace"]["frames"][-1]
    assert set(frame) >= {
        "filename", "absPath", "module", "package", "platform", "instructionAddr", "symbolAddr",
        "function", "rawFunction", "symbol", "context", "lineNo", "colNo", "inApp", "trust",
        "errors", "lock", "vars",
    }
    assert frame["function"] == "checkout"
    assert frame["module"] == __name__
    assert frame["inApp"] is True
    assert frame["absPath"].endswith("test_api_shapes.py")
    lines, first = inspect.getsourcelines(checkout)
    raise_line = first + 4
    assert frame["lineNo"] == raise_line
    context = dict((n, line) for n, line in frame["context"])
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in frame["context"])
    assert context[raise_line].strip() == 'raise RuntimeError("checkout failed") from err'
    assert context[raise_line - 1].strip() == "except KeyError as err:"
    cause_frame = data["values"][0]["stacktrace"]["frames"][-1]
    assert cause_frame["function"] == "load_cart"
    assert set(raised["stacktrace"]) >= {"frames", "framesOmitted", "registers", "hasSystemFrames"}


def test_breadcrumbs(rich_event):
    event, _ = rich_event
    (crumb,) = entry(event, "breadcrumbs")["values"]
    assert set(crumb) == {"type", "timestamp", "level", "message", "category", "data", "event_id"}
    assert crumb["category"] == "ui.click"
    assert crumb["message"] == "pay button"
    assert crumb["level"] == "info"
    assert crumb["type"] == "default"
    assert crumb["data"] == {"x": 1}
    assert isinstance(parse_api_time(crumb["timestamp"]), datetime)


def test_request(rich_event):
    event, _ = rich_event
    request = entry(event, "request")
    assert set(request) >= {
        "apiTarget", "method", "url", "query", "fragment", "data", "headers", "cookies", "env",
        "inferredContentType",
    }
    assert request["method"] == "POST"
    assert request["url"] == "https://shop.example/checkout"
    assert request["query"] == [["step", "2"], ["coupon", ""]]
    assert ["X-Request-Id", "r-17"] in request["headers"]
    assert ["Content-Type", "application/json"] in request["headers"]
    # Cookies come back as pairs; the default data scrubber filters every cookie value.
    assert request["cookies"] == [["theme", "[Filtered]"]]
    assert request["data"] == {"sku": "A-1"}
    assert request["env"] == {"SERVER_NAME": "web-1"}


def test_user_tags_contexts_extra(rich_event):
    event, _ = rich_event
    user = event["user"]
    assert {k: user[k] for k in ("id", "email", "username")} == {
        "id": "u-42",
        "email": "ann@shop.example",
        "username": "ann",
    }
    assert set(user) >= {"id", "email", "username", "ip_address", "name", "data"}
    assert user["data"] == {"plan": "gold"}
    assert all(set(t) == {"key", "value"} for t in event["tags"])
    assert tag_value(event, "shop.region") == "eu"
    # Sentry adds the context's type from its key.
    assert event["contexts"]["cart"] == {"items": 3, "type": "cart"}
    assert event["context"] == {"attempt": 2}
