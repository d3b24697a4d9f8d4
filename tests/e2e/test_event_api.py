"""The event read routes with events sent by the real sentry-python SDK: a project's event
list and its cursor pages, event id lookups, an issue's events (list, latest, oldest, by id),
its tags and their values, and its grouphashes."""

import pytest
import sentry_sdk

from harness import request

FLUSH_TIMEOUT_SECS = 10
EVENTS = 7


def get(faultline, path: str):
    resp = request("GET", f"{faultline.url}{path}", headers={"Authorization": f"Bearer {faultline.token}"})
    return resp


def next_cursor(resp):
    """Returns the `next` cursor of a Link header, or None when there are no more results."""
    link = resp.header("Link")
    assert link, resp.describe()
    next_part = [p for p in link.split(", ") if 'rel="next"' in p][0]
    if 'results="true"' not in next_part:
        return None
    return next_part.split('cursor="')[1].rstrip('"')


def walk(faultline, path: str, per_page: int) -> list:
    items, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        page = get(faultline, f"{path}{sep}per_page={per_page}" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200, page.describe()
        items += page.json()
        cursor = next_cursor(page)
        if cursor is None:
            return items


@pytest.fixture(scope="module")
def sent(faultline):
    """Sends EVENTS exceptions of one issue, with a `color` tag (red 4x, blue 2x, green 1x) and
    alternating users, plus one message event; returns (event ids oldest first, message id)."""
    sentry_sdk.init(dsn=faultline.dsn, release="events@1", default_integrations=False, send_client_reports=False)
    colors = ["red", "blue", "red", "green", "red", "blue", "red"]
    ids = []
    try:
        for n in range(EVENTS):
            with sentry_sdk.new_scope() as scope:
                scope.set_tag("color", colors[n])
                scope.set_user({"id": f"user-{n % 2}"})
                try:
                    raise KeyError("the same bug")
                except KeyError:
                    ids.append(sentry_sdk.capture_exception())
            sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)  # one at a time: distinct timestamps in order
        message_id = sentry_sdk.capture_message("a lone message")
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
    return ids, message_id


def issue_id_of(faultline, event_id: str) -> str:
    return faultline.get_event(event_id)["groupID"]


def test_project_events_list_and_pages(faultline, sent):
    ids, message_id = sent
    path = f"/api/0/projects/{faultline.org}/web/events/"
    first = get(faultline, path)
    assert first.status == 200, first.describe()
    listed = first.json()
    assert [e["eventID"] for e in listed[: EVENTS + 1]] == [message_id] + list(reversed(ids))
    summary = listed[1]
    assert summary["id"] == ids[-1]
    assert summary["groupID"] and summary["title"].startswith("KeyError")
    assert summary["event.type"] == "error"
    assert summary["platform"] == "python"
    assert {"key": "color", "value": "red"} in summary["tags"]
    assert "entries" not in summary
    full = get(faultline, path + "?full=true").json()
    assert "entries" in full[1] and full[1]["eventID"] == ids[-1]

    paged = walk(faultline, path, per_page=3)
    assert [e["eventID"] for e in paged] == [e["eventID"] for e in listed]
    assert get(faultline, path + "?cursor=nonsense").status == 400
    assert get(faultline, f"/api/0/projects/{faultline.org}/nope/events/").status == 404


def test_eventids_lookup(faultline, sent):
    ids, _ = sent
    resp = get(faultline, f"/api/0/organizations/{faultline.org}/eventids/{ids[0]}/")
    assert resp.status == 200, resp.describe()
    body = resp.json()
    assert body["organizationSlug"] == faultline.org
    assert body["projectSlug"] == "web"
    assert body["eventId"] == ids[0]
    assert body["groupId"] == issue_id_of(faultline, ids[0])
    assert body["event"]["eventID"] == ids[0]
    missing = get(faultline, f"/api/0/organizations/{faultline.org}/eventids/{'0' * 32}/")
    assert missing.status == 404


@pytest.mark.parametrize("prefix", ["org", "legacy"])
def test_issue_events(faultline, sent, prefix):
    ids, message_id = sent
    issue_id = issue_id_of(faultline, ids[0])
    base = f"/api/0/organizations/{faultline.org}/issues/{issue_id}" if prefix == "org" else f"/api/0/issues/{issue_id}"
    events = walk(faultline, f"{base}/events/", per_page=2)
    assert [e["eventID"] for e in events] == list(reversed(ids))
    latest = get(faultline, f"{base}/events/latest/")
    assert latest.status == 200 and latest.json()["eventID"] == ids[-1]
    oldest = get(faultline, f"{base}/events/oldest/")
    assert oldest.status == 200 and oldest.json()["eventID"] == ids[0]
    one = get(faultline, f"{base}/events/{ids[3]}/")
    assert one.status == 200 and one.json()["eventID"] == ids[3]
    # An event of another issue is not found under this one.
    assert get(faultline, f"{base}/events/{message_id}/").status == 404
    assert get(faultline, f"/api/0/issues/999999/events/").status == 404
    assert get(faultline, f"/api/0/organizations/no-such-org/issues/{issue_id}/events/").status == 404


def test_issue_tags_and_values(faultline, sent):
    ids, _ = sent
    issue_id = issue_id_of(faultline, ids[0])
    base = f"/api/0/organizations/{faultline.org}/issues/{issue_id}"
    tags = get(faultline, f"{base}/tags/")
    assert tags.status == 200, tags.describe()
    by_key = {t["key"]: t for t in tags.json()}
    color = by_key["color"]
    assert color["name"] == "Color"
    assert color["totalValues"] == EVENTS
    assert [(v["value"], v["count"]) for v in color["topValues"]] == [("red", 4), ("blue", 2), ("green", 1)]
    assert all(v["key"] == "color" and v["firstSeen"] <= v["lastSeen"] for v in color["topValues"])
    assert by_key["release"]["topValues"][0]["value"] == "events@1"

    one = get(faultline, f"{base}/tags/color/")
    assert one.status == 200 and one.json()["totalValues"] == EVENTS
    assert get(faultline, f"{base}/tags/no-such-key/").status == 404

    values = walk(faultline, f"{base}/tags/color/values/", per_page=1)
    assert [(v["value"], v["count"]) for v in values] == [("red", 4), ("blue", 2), ("green", 1)]
    legacy = get(faultline, f"/api/0/issues/{issue_id}/tags/color/values/")
    assert [v["value"] for v in legacy.json()] == ["red", "blue", "green"]


def test_issue_hashes(faultline, sent):
    ids, _ = sent
    issue_id = issue_id_of(faultline, ids[0])
    resp = get(faultline, f"/api/0/organizations/{faultline.org}/issues/{issue_id}/hashes/")
    assert resp.status == 200, resp.describe()
    hashes = resp.json()
    assert hashes, "an issue has at least its primary hash"
    primary = [h for h in hashes if h["latestEvent"] is not None]
    assert len(primary) == 1
    assert primary[0]["latestEvent"]["eventID"] == ids[-1]
    assert all(len(h["id"]) == 32 for h in hashes)
