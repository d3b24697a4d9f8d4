"""The real sentry-python SDK against faultline, read back through `/api/0/`.

Clients send through a recording TCP proxy (`harness.RecordingProxy`), so the tests also see
which body encoding the SDK really used: brotli (the SDK's choice when the `brotli` module is
importable, as it is in the venv), gzip, or none.
"""

import inspect
import logging
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration

from harness import CLI_TIMEOUT_SECS, REPO_ROOT, entry, tag_value

FLUSH_TIMEOUT_SECS = 10
# `_experiments` that make the SDK send each body encoding; the value is the Content-Encoding seen.
ENCODINGS = {
    "br": ({}, "br"),
    "gzip": ({"transport_compression_algo": "gzip"}, "gzip"),
    "identity": ({"transport_compression_level": 0}, None),
}


@pytest.fixture
def sdk(faultline, proxy):
    """Returns `init(encoding="br", **options)`, which points a fresh SDK client at the proxy.

    Default integrations stay off so nothing but what a test captures is sent; client reports
    are off for the same reason. The client is flushed and closed after the test.
    """

    def init(encoding: str = "br", **options):
        experiments, _ = ENCODINGS[encoding]
        options.setdefault("default_integrations", False)
        # The SDK marks frames under `project_root` (default: the working directory) in-app;
        # pinning it to the checkout keeps that true when pytest runs from elsewhere.
        options.setdefault("project_root", str(REPO_ROOT))
        sentry_sdk.init(
            dsn=proxy.dsn_for(faultline.web), send_client_reports=False, _experiments=experiments, **options
        )

    yield init
    sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)


def flush():
    sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)


def sent_encodings(proxy, project) -> Counter:
    """Counts envelope requests seen by the proxy, by their Content-Encoding."""
    path = f"/api/{project.project_id}/envelope/"
    return Counter(h.get("content-encoding") for m, t, h in proxy.request_heads() if m == "POST" and t.startswith(path))


def divide(a, b):
    return a / b


def charge(amount):
    return amount / 0


def parse_amount(raw):
    return int(raw)


def load_order(orders):
    try:
        return orders["order-1"]
    except KeyError as e:
        raise ValueError("order could not be loaded") from e


def capture_raised(fn, *args):
    """Calls `fn`, captures the exception it raises, returns the event id."""
    try:
        fn(*args)
    except Exception:
        return sentry_sdk.capture_exception()
    raise AssertionError(f"{fn.__name__} did not raise")


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_handled_exception_in_each_body_encoding(faultline, proxy, sdk, encoding):
    sdk(encoding)
    before = sent_encodings(proxy, faultline.web)
    event_id = capture_raised(divide, 1, 0)
    flush()
    assert sent_encodings(proxy, faultline.web) - before == Counter({ENCODINGS[encoding][1]: 1})

    event = faultline.get_event(event_id)
    assert event["title"] == "ZeroDivisionError: division by zero"
    assert event["culprit"] == f"{__name__} in divide"
    assert event["platform"] == "python"
    (exception,) = entry(event, "exception")["values"]
    assert (exception["type"], exception["value"]) == ("ZeroDivisionError", "division by zero")
    assert exception["mechanism"]["handled"] is True
    top = exception["stacktrace"]["frames"][-1]
    assert top["function"] == "divide"
    assert top["module"] == __name__
    assert top["inApp"] is True
    assert top["lineNo"] == inspect.getsourcelines(divide)[1] + 1
    assert top["filename"].endswith("test_python_sdk.py")


def test_unhandled_exception_is_sent_by_excepthook(faultline):
    script = textwrap.dedent(
        """
        import sys
        import sentry_sdk

        def before_send(event, hint):
            print("EVENT_ID", event["event_id"], flush=True)
            return event

        sentry_sdk.init(dsn=sys.argv[1], before_send=before_send)

        def crash():
            raise RuntimeError("unhandled in a child process")

        crash()
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script, faultline.dsn], capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS
    )
    assert run.returncode == 1, run.stderr
    ids = [line.split()[1] for line in run.stdout.splitlines() if line.startswith("EVENT_ID ")]
    assert len(ids) == 1, (run.stdout, run.stderr)

    event = faultline.get_event(ids[0])
    assert event["title"] == "RuntimeError: unhandled in a child process"
    (exception,) = entry(event, "exception")["values"]
    assert exception["mechanism"]["type"] == "excepthook"
    assert exception["mechanism"]["handled"] is False
    assert exception["stacktrace"]["frames"][-1]["function"] == "crash"


def test_chained_exception_oldest_first(faultline, sdk):
    sdk()
    event_id = capture_raised(load_order, {})
    flush()
    event = faultline.get_event(event_id)
    assert event["title"] == "ValueError: order could not be loaded"
    values = entry(event, "exception")["values"]
    assert [(v["type"], v["value"]) for v in values] == [
        ("KeyError", "'order-1'"),
        ("ValueError", "order could not be loaded"),
    ]
    assert event["culprit"] == f"{__name__} in load_order"


def test_logging_error_with_parameters(faultline, sdk):
    sent = []
    sdk(
        integrations=[LoggingIntegration(level=None, event_level=logging.ERROR)],
        before_send=lambda event, hint: sent.append(event["event_id"]) or event,
    )
    logging.getLogger("shop.auth").error("user %s failed to log in", "bob")
    flush()
    assert len(sent) == 1
    event = faultline.get_event(sent[0])
    message = entry(event, "message")
    assert message["formatted"] == "user bob failed to log in"
    assert message["message"] == "user %s failed to log in"
    assert message["params"] == ["bob"]
    assert event["title"] == "user bob failed to log in"


def test_custom_fingerprint_overrides_grouping(faultline, sdk):
    sdk()
    with sentry_sdk.new_scope() as scope:
        scope.fingerprint = ["payment-gateway-down"]
        declined = capture_raised(parse_amount, "declined")
        timeout = sentry_sdk.capture_message("gateway timed out")
    plain = sentry_sdk.capture_message("gateway timed out")
    flush()
    groups = [faultline.get_event(i)["groupID"] for i in (declined, timeout, plain)]
    assert groups[0] == groups[1], "same fingerprint, different errors: one issue"
    assert groups[2] != groups[0], "without the fingerprint the message groups on its own"
    assert all(isinstance(g, str) for g in groups)


def test_tags_user_release_environment_breadcrumbs(faultline, sdk):
    sdk(release="shop@1.4.2", environment="staging")
    with sentry_sdk.isolation_scope() as scope:
        scope.set_tag("feature", "checkout")
        scope.set_user({"id": "42", "email": "jane@example.com", "username": "jane"})
        sentry_sdk.add_breadcrumb(category="auth", message="user logged in", level="info")
        sentry_sdk.add_breadcrumb(category="cart", message="added item", data={"sku": "A-1"})
        event_id = sentry_sdk.capture_message("checkout failed", level="warning")
    flush()
    event = faultline.get_event(event_id)
    assert event["title"] == "checkout failed"
    assert tag_value(event, "feature") == "checkout"
    assert tag_value(event, "environment") == "staging"
    assert (event.get("level") or tag_value(event, "level")) == "warning"
    assert event["release"]["version"] == "shop@1.4.2"
    user = event["user"]
    assert (user["id"], user["email"], user["username"]) == ("42", "jane@example.com", "jane")
    crumbs = entry(event, "breadcrumbs")["values"]
    assert [(c["category"], c["message"]) for c in crumbs] == [("auth", "user logged in"), ("cart", "added item")]
    assert crumbs[1]["data"] == {"sku": "A-1"}


def test_same_error_twice_is_one_issue_and_another_error_is_another(faultline, sdk):
    sdk()
    twice = [capture_raised(charge, 10) for _ in range(2)]
    different = capture_raised(parse_amount, "ten")
    flush()
    first, second, third = (faultline.get_event(i) for i in (*twice, different))
    assert first["groupID"] == second["groupID"]
    assert third["groupID"] != first["groupID"]

    issue = faultline.issue(first["groupID"])
    assert issue["id"] == first["groupID"]
    assert issue["count"] == "2"
    assert issue["title"] == "ZeroDivisionError: division by zero"
    assert issue["culprit"] == f"{__name__} in charge"
    assert issue["level"] == "error"
    assert issue["status"] == "unresolved"
    other = faultline.issue(third["groupID"])
    assert other["count"] == "1"
    assert other["title"] == "ValueError: invalid literal for int() with base 10: 'ten'"

    listed = {i["id"]: i for i in faultline.issues()}
    assert listed[first["groupID"]]["count"] == "2"
    assert listed[third["groupID"]]["count"] == "1"


def test_culprit_is_the_transaction_when_set(faultline, sdk):
    sdk()
    with sentry_sdk.new_scope() as scope:
        scope.set_transaction_name("/api/orders/{order_id}")
        event_id = capture_raised(divide, 2, 0)
    flush()
    event = faultline.get_event(event_id)
    assert event["culprit"] == "/api/orders/{order_id}"
    assert event["title"] == "ZeroDivisionError: division by zero"
