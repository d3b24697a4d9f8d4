"""Tag facets across a project's issues (`/api/0/projects/{org}/{project}/tags/`, its values,
`/api/0/organizations/{org}/tags/`), the issue list's `stats` series, and `user.email:`
search for users identified by id, on events sent with the real sentry-python SDK.
"""

import re
import time
from urllib.parse import quote

import pytest
import sentry_sdk


FLUSH_TIMEOUT_SECS = 10
LINK_RE = re.compile(r'<([^>]+)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]*)"')

# message: (browser, user, events); each message is an issue of its own.
SEED = {
    "facet checkout failed": ("Firefox", {"id": "u-1", "email": "dana@example.com"}, 3),
    "facet cart failed": ("Chrome", {"id": "u-2"}, 2),
    "facet search failed": ("Firefox", {"email": "eve@example.com"}, 1),
    "facet login failed": ("Safari", None, 1),
}
EVENTS = sum(count for _, _, count in SEED.values())
# Distinct values of the `region` tag, one event each on the checkout issue, to page through.
REGIONS = [f"region-{i:02}" for i in range(7)]


@pytest.fixture(scope="module")
def seeded(faultline):
    project = faultline.server.bootstrap("facets")
    # Whatever an earlier module left on the process-wide scopes would ride on every event.
    sentry_sdk.get_current_scope().clear()
    sentry_sdk.get_isolation_scope().clear()
    sentry_sdk.init(dsn=project.dsn, default_integrations=False, send_client_reports=False)
    try:
        for message, (browser, user, count) in SEED.items():
            for _ in range(count):
                with sentry_sdk.new_scope() as scope:
                    scope.set_tag("browser", browser)
                    if user:
                        scope.set_user(user)
                    sentry_sdk.capture_message(message)
        for region in REGIONS:
            with sentry_sdk.new_scope() as scope:
                scope.set_tag("region", region)
                sentry_sdk.capture_message("facet regions")
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
    return project


def get_json(project, path):
    resp = project.api_get(path)
    assert resp.status == 200, resp.describe()
    return resp


def links(resp) -> dict:
    header = resp.header("Link")
    assert header, "a paged answer carries a Link header"
    return {rel: (url, results == "true", cursor) for url, rel, results, cursor in LINK_RE.findall(header)}


def test_project_tags_count_values_and_events(seeded):
    keys = {k["key"]: k for k in get_json(seeded, f"/api/0/projects/{seeded.org}/facets/tags/").json()}
    browser = keys["browser"]
    assert browser["name"] == "Browser"
    assert browser["uniqueValues"] == 3
    assert browser["totalValues"] == EVENTS
    assert keys["region"]["uniqueValues"] == len(REGIONS)
    assert keys["level"]["totalValues"] == EVENTS + len(REGIONS)
    assert keys["user"]["uniqueValues"] == 3


def test_project_tag_values_are_counted_and_paged(seeded):
    path = f"/api/0/projects/{seeded.org}/facets/tags/browser/values/"
    values = get_json(seeded, path).json()
    assert [(v["value"], v["count"]) for v in values] == [("Firefox", 4), ("Chrome", 2), ("Safari", 1)]
    first = values[0]
    assert first["key"] == "browser" and first["name"] == "Firefox"
    assert first["firstSeen"] <= first["lastSeen"]

    seen, cursor, pages = [], None, 0
    while True:
        page_path = f"/api/0/projects/{seeded.org}/facets/tags/region/values/?per_page=3"
        if cursor:
            page_path += f"&cursor={quote(cursor)}"
        resp = get_json(seeded, page_path)
        page = resp.json()
        assert len(page) <= 3
        seen += [v["value"] for v in page]
        pages += 1
        _, more, cursor = links(resp)["next"]
        if not more:
            break
        assert pages < 10, "paging ends"
    assert seen == REGIONS, "each value once, ties in value order"
    assert pages == 3

    filtered = get_json(seeded, f"{path}?query=fire").json()
    assert [v["value"] for v in filtered] == ["Firefox"]
    assert get_json(seeded, f"{path}?query=opera").json() == []
    missing = seeded.api_get(f"/api/0/projects/{seeded.org}/facets/tags/nosuchkey/values/")
    assert missing.status == 404, missing.describe()
    assert missing.json()["detail"] == "Tag key not found."


def test_organization_tags_span_projects(seeded, faultline):
    path = f"/api/0/organizations/{seeded.org}/tags/"
    keys = {k["key"]: k for k in get_json(seeded, path).json()}
    assert keys["region"]["uniqueValues"] == len(REGIONS)
    only = {k["key"]: k for k in get_json(seeded, f"{path}?project={seeded.project_id}").json()}
    assert only["browser"]["totalValues"] == EVENTS
    other = get_json(seeded, f"{path}?project={faultline.other.project_id}").json()
    assert "region" not in {k["key"] for k in other}


def test_facets_need_a_token(seeded):
    resp = seeded.api_get(f"/api/0/projects/{seeded.org}/facets/tags/", token="not-a-token")
    assert resp.status == 401, resp.describe()


def issues_by_title(project, params=""):
    resp = get_json(project, f"/api/0/projects/{project.org}/facets/issues/?limit=100{params}")
    return {issue["title"]: issue for issue in resp.json()}


@pytest.mark.parametrize("params,period,points,step", [("", "24h", 24, 3600), ("&statsPeriod=24h", "24h", 24, 3600), ("&statsPeriod=14d", "14d", 14, 86400), ("&groupStatsPeriod=14d&statsPeriod=24h", "14d", 14, 86400)])
def test_issue_list_stats_count_the_events_just_sent(seeded, params, period, points, step):
    issues = issues_by_title(seeded, params)
    now = time.time()
    for message, (_, _, count) in SEED.items():
        stats = issues[message]["stats"]
        assert list(stats) == [period]
        series = stats[period]
        assert len(series) == points
        times = [at for at, _ in series]
        assert all(at % step == 0 for at in times)
        assert times == sorted(times) and times[-1] <= now < times[-1] + step + 60
        assert sum(n for _, n in series) == count, (message, series)


def test_issue_list_without_stats(seeded):
    issues = issues_by_title(seeded, "&statsPeriod=")
    assert issues and all("stats" not in issue for issue in issues.values())


@pytest.mark.parametrize(
    "query,expected",
    [
        ("user.email:dana@example.com", {"facet checkout failed"}),
        ("user.email:eve@example.com", {"facet search failed"}),
        ("user.email:*@example.com", {"facet checkout failed", "facet search failed"}),
        ("!user.email:dana@example.com", set(SEED) - {"facet checkout failed"} | {"facet regions"}),
        ("user.email:nobody@example.com", set()),
    ],
)
def test_user_email_matches_users_identified_by_id(seeded, query, expected):
    assert set(issues_by_title(seeded, f"&query={quote(query)}")) == expected
