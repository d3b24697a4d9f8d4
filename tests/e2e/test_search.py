"""Sentry's issue search syntax on `GET /api/0/projects/{org}/{project}/issues/`, on issues
seeded with the real sentry-python SDK; malformed queries answer 400 with a message.

Each seeded issue is a message event with its own title, so a query's answer is compared as
the set of titles it lists.
"""

import json
from urllib.parse import quote

import pytest
import sentry_sdk


FLUSH_TIMEOUT_SECS = 10

# title: (level, release, environment, tags, user email, events)
SEED = {
    "checkout timeout in payments": ("error", "shop@1.0", "production", {"browser": "Firefox"}, "ann@example.com", 3),
    "cart widget failed to render": ("warning", "shop@1.0", "staging", {"browser": "Chrome"}, "bob@example.org", 1),
    "payments webhook signature mismatch": ("fatal", "shop@2.0", "production", {"browser": "Firefox", "region": "eu"}, None, 5),
    "search index unavailable": ("info", "shop@2.1", "production", {"region": "us east"}, "cy@example.com", 2),
}
ALL = set(SEED)


@pytest.fixture(scope="module")
def seeded(faultline):
    sentry_sdk.init(dsn=faultline.dsn, default_integrations=False, send_client_reports=False)
    try:
        for title, (level, release, environment, tags, email, count) in SEED.items():
            for _ in range(count):
                with sentry_sdk.new_scope() as scope:
                    scope.set_level(level)
                    for key, value in tags.items():
                        scope.set_tag(key, value)
                    if email:
                        scope.set_user({"email": email})
                    client = sentry_sdk.get_client()
                    client.options["release"] = release
                    client.options["environment"] = environment
                    sentry_sdk.capture_message(title)
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
    return faultline


def titles(faultline, query, **params):
    path = f"/api/0/projects/{faultline.org}/web/issues/?limit=100"
    if query is not None:
        path += f"&query={quote(query)}"
    for key, value in params.items():
        path += f"&{key}={quote(value)}"
    resp = faultline.web.api_get(path)
    status, body = resp.status, resp.body
    assert status == 200, body
    return {issue["title"] for issue in json.loads(body)}


CASES = [
    (None, ALL),
    ("", ALL),
    ("is:unresolved", ALL),
    ("is:resolved", set()),
    ("is:ignored", set()),
    ("is:archived", set()),
    ("is:for_review", ALL),
    ("level:error", {"checkout timeout in payments"}),
    ("level:fatal", {"payments webhook signature mismatch"}),
    ("!level:error", ALL - {"checkout timeout in payments"}),
    ("release:shop@1.0", {"checkout timeout in payments", "cart widget failed to render"}),
    ("release:shop@2.*", {"payments webhook signature mismatch", "search index unavailable"}),
    ("environment:staging", {"cart widget failed to render"}),
    ("browser:Firefox", {"checkout timeout in payments", "payments webhook signature mismatch"}),
    ("!browser:Firefox", ALL - {"checkout timeout in payments", "payments webhook signature mismatch"}),
    ('region:"us east"', {"search index unavailable"}),
    ("browser:Firefox region:eu", {"payments webhook signature mismatch"}),
    ("timesSeen:>2", {"checkout timeout in payments", "payments webhook signature mismatch"}),
    ("timesSeen:<=2", {"cart widget failed to render", "search index unavailable"}),
    ("timesSeen:5", {"payments webhook signature mismatch"}),
    ("age:-24h", ALL),
    ("age:+24h", set()),
    ("firstSeen:>2020-01-01", ALL),
    ("lastSeen:<2020-01-01T00:00:00", set()),
    ("lastSeen:-1h", ALL),
    ("user.email:ann@example.com", {"checkout timeout in payments"}),
    ("user.email:*@example.com", {"checkout timeout in payments", "search index unavailable"}),
    ("payments", {"checkout timeout in payments", "payments webhook signature mismatch"}),
    ("signature mismatch", {"payments webhook signature mismatch"}),
    ('"widget failed"', {"cart widget failed to render"}),
    ("payments level:fatal", {"payments webhook signature mismatch"}),
    ("100%", set()),
]


@pytest.mark.parametrize("query,expected", CASES, ids=[repr(q) for q, _ in CASES])
def test_search_operator(seeded, query, expected):
    assert titles(seeded, query) == expected


def test_environment_parameter(seeded):
    assert titles(seeded, "", environment="staging") == {"cart widget failed to render"}
    assert titles(seeded, "level:error", environment="staging") == set()


@pytest.mark.parametrize(
    "query,message",
    [
        ("is:bogus", "is:bogus is not a known status"),
        ("timesSeen:>many", "needs a whole number"),
        ("age:-3x", "is not a date"),
        ("lastSeen:yesterday", "is not a date"),
        ('release:"1.0', "not closed"),
        ("level:", "has no value"),
        (":x", "needs a key"),
    ],
)
def test_malformed_query_is_400(seeded, query, message):
    path = f"/api/0/projects/{seeded.org}/web/issues/?query={quote(query)}"
    resp = seeded.web.api_get(path)
    status, body = resp.status, resp.body
    assert status == 400, body
    assert message in json.loads(body)["detail"]


@pytest.mark.parametrize("params", ["sort=loudest", "limit=many", "statsPeriod=1y", "cursor=nonsense"])
def test_malformed_parameters_are_400(seeded, params):
    path = f"/api/0/projects/{seeded.org}/web/issues/?{params}"
    resp = seeded.web.api_get(path)
    status, body = resp.status, resp.body
    assert status == 400, body
    assert json.loads(body)["detail"]


@pytest.mark.parametrize(
    "sort,first",
    [("freq", "payments webhook signature mismatch"), ("new", "search index unavailable"), ("date", "search index unavailable")],
)
def test_sort_orders(seeded, sort, first):
    path = f"/api/0/projects/{seeded.org}/web/issues/?sort={sort}"
    resp = seeded.web.api_get(path)
    status, body = resp.status, resp.body
    assert status == 200, body
    assert json.loads(body)[0]["title"] == first


def test_organization_issue_list_searches_every_project(seeded):
    path = f"/api/0/organizations/{seeded.org}/issues/?query={quote('level:fatal')}"
    resp = seeded.web.api_get(path)
    status, body = resp.status, resp.body
    assert status == 200, body
    assert {i["title"] for i in json.loads(body)} == {"payments webhook signature mismatch"}
