"""Server-side data scrubbing with the default project settings, with the real sentry-python SDK.

The SDK is told to send everything it can (`send_default_pii`; its own scrubber still filters
a few exact key names, so the keys here are ones only a substring match catches), and the
event carries secrets in every place Sentry's default scrubber looks: extra, frame variables, request headers,
cookies, query string and body, tags, breadcrumbs and a card number in the message. The test
checks the SDK really sent every secret, reads the event back through the API and then searches the database file itself (WAL
included, payloads decompressed) for every secret: scrubbed data must never be stored.
"""

import sqlite3

import sentry_sdk
import zstandard

from harness import REPO_ROOT

FILTERED = "[Filtered]"
FLUSH_TIMEOUT_SECS = 10
# Each secret is unique, so finding it anywhere in the database means it was stored.
PASSWORD = "pw-Zq81-hunter2"
API_KEY = "key-Zq81-7f3c9a"
BEARER = "tok-Zq81-bearer"
COOKIE = "cookie-Zq81-sid"
QUERY_TOKEN = "qs-Zq81-token"
BODY_SECRET = "body-Zq81-secret"
TAG_SESSION = "sess-Zq81-tag"
CRUMB_CREDENTIALS = "crumb-Zq81-cred"
FRAME_SECRET = "var-Zq81-local"
CARD = "4111 1111 1111 1111"
SECRETS = [PASSWORD, API_KEY, FRAME_SECRET, BEARER, COOKIE, QUERY_TOKEN, BODY_SECRET, TAG_SESSION, CRUMB_CREDENTIALS, CARD]


def add_request(event, hint):
    event["request"] = {
        "method": "POST",
        "url": f"https://shop.example.com/checkout?step=2&access_token={QUERY_TOKEN}",
        "headers": {
            "Authorization": f"Bearer {BEARER}",
            "Cookie": f"sessionid={COOKIE}; theme=dark",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0",
            "X-Request-Id": "req-1",
        },
        "data": {"username": "bob", "client_secret": BODY_SECRET},
    }
    return event


def checkout(card):
    user_password = FRAME_SECRET  # noqa: F841 — a frame variable the scrubber must filter
    raise ValueError(f"card {card} was declined")


def test_secrets_are_scrubbed_before_they_are_stored(faultline, proxy):
    sentry_sdk.init(
        # Uncompressed through the recording proxy, so the test can see the SDK sent every secret.
        dsn=proxy.dsn_for(faultline.web),
        _experiments={"transport_compression_level": 0},
        default_integrations=False,
        send_default_pii=True,
        send_client_reports=False,
        project_root=str(REPO_ROOT),
        before_send=add_request,
    )
    try:
        sentry_sdk.set_tag("session", TAG_SESSION)
        sentry_sdk.set_tag("plan", "pro")
        sentry_sdk.set_extra("db_password", PASSWORD)
        sentry_sdk.set_extra("order", {"id": 17, "stripe_api_key": API_KEY})
        sentry_sdk.set_user({"id": "u-1", "email": "bob@example.com"})
        sentry_sdk.add_breadcrumb(category="auth", message="login", data={"db_credentials": CRUMB_CREDENTIALS})
        try:
            checkout(CARD)
        except ValueError:
            event_id = sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
        # The user, tags and extras above live on the process-wide isolation scope: later
        # modules' events would carry them (bob's e-mail would match their user.email: search).
        sentry_sdk.get_current_scope().clear()
        sentry_sdk.get_isolation_scope().clear()

    sent = proxy.sent_bytes()
    for secret in SECRETS:
        assert secret.encode() in sent, f"the SDK did not send {secret!r}: the test proves nothing"

    event = faultline.get_event(event_id)
    text = repr(event)
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} came back through the API"

    assert event["context"]["db_password"] == FILTERED
    assert event["context"]["order"] == {"id": 17, "stripe_api_key": FILTERED}
    tags = {t["key"]: t["value"] for t in event["tags"]}
    assert tags["session"] == FILTERED
    assert tags["plan"] == "pro"
    (exception,) = [e for e in event["entries"] if e["type"] == "exception"]
    (value,) = exception["data"]["values"]
    assert value["value"] == f"card {FILTERED} was declined"
    frame = value["stacktrace"]["frames"][-1]
    assert frame["function"] == "checkout"
    assert frame["vars"]["user_password"] == FILTERED
    assert frame["vars"]["card"] == f"'{FILTERED}'" or frame["vars"]["card"] == FILTERED
    (request,) = [e for e in event["entries"] if e["type"] == "request"]
    headers = dict(request["data"]["headers"])
    assert headers["Authorization"] == FILTERED
    assert headers["X-Request-Id"] == "req-1"
    assert dict(request["data"]["cookies"]) == {"sessionid": FILTERED, "theme": FILTERED}
    assert dict(request["data"]["query"]) == {"step": "2", "access_token": FILTERED}
    assert request["data"]["data"] == {"username": "bob", "client_secret": FILTERED}
    (crumbs,) = [e for e in event["entries"] if e["type"] == "breadcrumbs"]
    assert crumbs["data"]["values"][-1]["data"] == {"db_credentials": FILTERED}
    # The title is derived after scrubbing.
    assert CARD not in faultline.issues()[0]["title"]

    # Nothing of it reached the database: not the pages, not the WAL, not a payload.
    data_dir = faultline.server.data_dir
    for path in data_dir.glob("faultline.db*"):
        raw = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in raw, f"{secret!r} is in {path.name}"
    db = sqlite3.connect(f"file:{data_dir / 'faultline.db'}?mode=ro", uri=True)
    try:
        payloads = [row[0] for row in db.execute("SELECT payload FROM events")]
        tag_values = [row[0] for row in db.execute("SELECT value FROM issue_tag_values")]
    finally:
        db.close()
    assert payloads, "the event is stored"
    for payload in payloads:
        stored = zstandard.ZstdDecompressor().decompressobj().decompress(payload).decode()
        for secret in SECRETS:
            assert secret not in stored, f"{secret!r} is in a stored payload"
    assert TAG_SESSION not in tag_values
