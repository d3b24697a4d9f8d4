"""The issue workflow through Sentry's web API, on issues made by the real sentry-python SDK:
resolve (now, in a release, in the next release), regression after the 5 s grace period,
ignore (forever, for a time, until N more events or users; `muted` is `ignored`), assign to a
user or team, bookmark, merge and unmerge by hash, delete, the activity log, and clear 400s for
bad bodies.
"""

import json
import subprocess
import time
from urllib.parse import quote

import pytest
import sentry_sdk

from harness import CLI_TIMEOUT_SECS, faultline_bin

FLUSH_TIMEOUT_SECS = 10
# An event received later than this after a resolution regresses the issue (server: 5 s).
PAST_GRACE_SECS = 6


@pytest.fixture(scope="module")
def sdk(faultline):
    sentry_sdk.init(dsn=faultline.dsn, release="app@1", default_integrations=False, send_client_reports=False)
    yield sentry_sdk
    sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)


def send(faultline, message, release="app@1", user=None):
    """Captures `message` with the SDK (flushed) and returns its issue id once it is stored."""
    with sentry_sdk.new_scope() as scope:
        if user:
            scope.set_user({"id": user})
        sentry_sdk.get_client().options["release"] = release
        event_id = sentry_sdk.capture_message(message)
    sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    return faultline.get_event(event_id)["groupID"]


def bulk(faultline, body, *ids, expect=200, **params):
    query = "&".join([f"id={i}" for i in ids] + [f"{k}={quote(v)}" for k, v in params.items()])
    resp = faultline.web.api_send("PUT", f"/api/0/projects/{faultline.org}/web/issues/?{query}", body)
    assert resp.status == expect, resp.describe()
    return resp.json() if resp.body else None


def issue(faultline, issue_id):
    return faultline.issue(issue_id)


def status_of(faultline, issue_id):
    found = issue(faultline, issue_id)
    return found["status"], found["substatus"]


def admin_user(faultline):
    resp = faultline.web.api_get("/api/0/")
    assert resp.status == 200, resp.describe()
    return resp.json()["user"]


def test_resolve_then_regress_after_the_grace_period(faultline, sdk):
    issue_id = send(faultline, "resolve me")
    answer = bulk(faultline, {"status": "resolved"}, issue_id)
    assert answer["status"] == "resolved" and answer["statusDetails"] == {}
    assert status_of(faultline, issue_id) == ("resolved", None)
    # Stragglers within the grace period leave it resolved.
    send(faultline, "resolve me")
    assert status_of(faultline, issue_id)[0] == "resolved"
    time.sleep(PAST_GRACE_SECS)
    send(faultline, "resolve me")
    assert status_of(faultline, issue_id) == ("unresolved", "regressed")
    detail = issue(faultline, issue_id)
    kinds = [a["type"] for a in detail["activity"]]
    assert kinds == ["set_regression", "set_resolved", "first_seen"]
    # The issue page's series: the last day by hour, the last month by day.
    assert [len(detail["stats"]["24h"]), len(detail["stats"]["30d"])] == [24, 30]
    assert sum(n for _, n in detail["stats"]["30d"]) == 3


def test_resolved_in_a_release_regresses_only_on_newer_releases(faultline, sdk):
    in_release = send(faultline, "fixed in app@2", release="app@1")
    send(faultline, "fixed in app@2", release="app@2")
    next_release = send(faultline, "fixed in the next release", release="app@2")
    answer = bulk(faultline, {"status": "resolved", "statusDetails": {"inRelease": "app@2"}}, in_release)
    assert answer["statusDetails"] == {"inRelease": "app@2"}
    answer = bulk(faultline, {"status": "resolvedInNextRelease"}, next_release)
    assert answer["statusDetails"] == {"inNextRelease": True}
    assert issue(faultline, in_release)["statusDetails"] == {"inRelease": "app@2"}
    assert issue(faultline, next_release)["statusDetails"] == {"inNextRelease": True}
    time.sleep(PAST_GRACE_SECS)
    send(faultline, "fixed in app@2", release="app@1")
    send(faultline, "fixed in app@2", release="app@2")
    send(faultline, "fixed in the next release", release="app@2")
    assert status_of(faultline, in_release)[0] == "resolved"
    assert status_of(faultline, next_release)[0] == "resolved"
    send(faultline, "fixed in app@2", release="app@3")
    send(faultline, "fixed in the next release", release="app@3")
    assert status_of(faultline, in_release) == ("unresolved", "regressed")
    assert status_of(faultline, next_release) == ("unresolved", "regressed")


def test_resolving_in_an_unknown_release_is_400(faultline, sdk):
    issue_id = send(faultline, "no such release")
    resp = faultline.web.api_send(
        "PUT",
        f"/api/0/projects/{faultline.org}/web/issues/?id={issue_id}",
        {"status": "resolved", "statusDetails": {"inRelease": "never@0"}},
    )
    assert resp.status == 400 and "never@0" in resp.json()["detail"]
    assert status_of(faultline, issue_id)[0] == "unresolved"


def test_ignore_forever_and_muted_alias(faultline, sdk):
    issue_id = send(faultline, "ignore me forever")
    answer = bulk(faultline, {"status": "muted", "snoozeDuration": None}, issue_id)
    assert (answer["status"], answer["substatus"]) == ("ignored", "archived_forever")
    for _ in range(3):
        send(faultline, "ignore me forever")
    assert status_of(faultline, issue_id) == ("ignored", "archived_forever")
    assert bulk(faultline, {"status": "unresolved"}, issue_id)["status"] == "unresolved"
    assert status_of(faultline, issue_id) == ("unresolved", "ongoing")


def test_ignore_until_n_more_events(faultline, sdk):
    issue_id = send(faultline, "ignore me for two events")
    answer = bulk(faultline, {"status": "ignored", "statusDetails": {"ignoreCount": 2}}, issue_id)
    assert answer["substatus"] == "archived_until_condition_met"
    assert answer["statusDetails"] == {"ignoreCount": 2}
    assert issue(faultline, issue_id)["statusDetails"] == {"ignoreCount": 2}
    send(faultline, "ignore me for two events")
    assert status_of(faultline, issue_id)[0] == "ignored"
    send(faultline, "ignore me for two events")
    assert status_of(faultline, issue_id) == ("unresolved", "escalating")
    assert issue(faultline, issue_id)["statusDetails"] == {}


def test_ignore_until_n_more_users(faultline, sdk):
    issue_id = send(faultline, "ignore me for two users", user="u0")
    bulk(faultline, {"status": "ignored", "statusDetails": {"ignoreUserCount": 2, "ignoreUserWindow": 60}}, issue_id)
    send(faultline, "ignore me for two users", user="u1")
    send(faultline, "ignore me for two users", user="u1")
    assert status_of(faultline, issue_id)[0] == "ignored"
    send(faultline, "ignore me for two users", user="u2")
    assert status_of(faultline, issue_id) == ("unresolved", "escalating")


def test_ignore_for_a_duration(faultline, sdk):
    issue_id = send(faultline, "ignore me for an hour")
    answer = bulk(faultline, {"status": "ignored", "statusDetails": {"ignoreDuration": 60}}, issue_id)
    until = answer["statusDetails"]["ignoreUntil"]
    assert until.endswith("Z")
    assert issue(faultline, issue_id)["statusDetails"]["ignoreUntil"] == until
    send(faultline, "ignore me for an hour")
    assert status_of(faultline, issue_id) == ("ignored", "archived_until_condition_met")
    # An until-time already past: the next event brings it back.
    bulk(faultline, {"status": "ignored", "statusDetails": {"ignoreUntil": "2020-01-01T00:00:00Z"}}, issue_id)
    send(faultline, "ignore me for an hour")
    assert status_of(faultline, issue_id) == ("unresolved", "escalating")


def test_assign_to_a_user_and_a_team_and_search_by_assignee(faultline, sdk):
    user = admin_user(faultline)
    mine = send(faultline, "assign me to a user")
    theirs = send(faultline, "assign me to a team")
    teams = faultline.web.api_get(f"/api/0/organizations/{faultline.org}/teams/").json()
    team = teams[0]
    answer = bulk(faultline, {"assignedTo": f"user:{user['id']}"}, mine)
    assert answer["assignedTo"]["type"] == "user" and answer["assignedTo"]["id"] == user["id"]
    answer = bulk(faultline, {"assignedTo": f"team:{team['id']}"}, theirs)
    assert answer["assignedTo"] == {"type": "team", "id": team["id"], "name": team["slug"]}
    assert issue(faultline, mine)["assignedTo"]["email"] == user["email"]

    def listed(query):
        resp = faultline.web.api_get(f"/api/0/projects/{faultline.org}/web/issues/?query={quote(query)}&limit=100")
        assert resp.status == 200, resp.describe()
        return {i["id"] for i in resp.json()}

    assert mine in listed("is:assigned") and theirs in listed("is:assigned")
    assert mine not in listed("is:unassigned")
    assert listed("assigned:me") == {mine}
    assert listed(f"assigned:{user['email']}") == {mine}
    assert listed(f"assigned:#{team['slug']}") == {theirs}
    bulk(faultline, {"assignedTo": ""}, mine)
    assert issue(faultline, mine)["assignedTo"] is None
    assert mine in listed("is:unassigned")
    kinds = [a["type"] for a in issue(faultline, mine)["activity"]]
    assert kinds[:2] == ["unassigned", "assigned"]
    assert issue(faultline, mine)["activity"][1]["user"]["email"] == user["email"]


def test_unknown_assignee_is_400(faultline, sdk):
    issue_id = send(faultline, "assign me to nobody")
    for who in ["user:99999", "nobody@example.com", "team:99999"]:
        resp = faultline.web.api_send(
            "PUT", f"/api/0/projects/{faultline.org}/web/issues/?id={issue_id}", {"assignedTo": who}
        )
        assert resp.status == 400, resp.describe()
        assert "unknown actor" in resp.json()["detail"]


def test_bookmark(faultline, sdk):
    issue_id = send(faultline, "bookmark me")
    assert bulk(faultline, {"isBookmarked": True}, issue_id) == {"isBookmarked": True}
    assert issue(faultline, issue_id)["isBookmarked"] is True
    listed = {i["id"]: i for i in faultline.issues()}
    assert listed[issue_id]["isBookmarked"] is True
    bulk(faultline, {"isBookmarked": "false"}, issue_id)
    assert issue(faultline, issue_id)["isBookmarked"] is False


def test_merge_and_unmerge_by_hash(faultline, sdk):
    big = send(faultline, "merge parent")
    send(faultline, "merge parent")
    small = send(faultline, "merge child")
    answer = bulk(faultline, {"merge": 1}, small, big)
    assert answer["merge"] == {"parent": big, "children": [small]}
    resp = faultline.web.api_get(f"/api/0/organizations/{faultline.org}/issues/{small}/")
    assert resp.status == 404
    parent = issue(faultline, big)
    assert parent["count"] == "3"
    assert parent["activity"][0]["type"] == "merge"
    hashes = faultline.web.api_get(f"/api/0/organizations/{faultline.org}/issues/{big}/hashes/").json()
    assert len(hashes) == 2
    # New events of the child's hash land on the parent.
    assert send(faultline, "merge child") == big

    child_hash = next(h["id"] for h in hashes if h["latestEvent"]["message"] == "merge child")
    resp = faultline.web.api_send("DELETE", f"/api/0/issues/{big}/hashes/?id={child_hash}")
    assert resp.status == 202, resp.describe()
    split = resp.json()["issue"]["id"]
    assert issue(faultline, big)["count"] == "2"
    assert issue(faultline, split)["count"] == "2"
    assert issue(faultline, split)["title"] == "merge child"
    assert send(faultline, "merge child") == split


def test_merge_needs_two_issues(faultline, sdk):
    issue_id = send(faultline, "merge me alone")
    resp = faultline.web.api_send("PUT", f"/api/0/projects/{faultline.org}/web/issues/?id={issue_id}", {"merge": True})
    assert resp.status == 400 and "two" in resp.json()["detail"]


def test_delete_one_and_in_bulk(faultline, sdk):
    one = send(faultline, "delete me alone")
    event = faultline.web.api_get(f"/api/0/organizations/{faultline.org}/issues/{one}/events/latest/").json()
    resp = faultline.web.api_send("DELETE", f"/api/0/organizations/{faultline.org}/issues/{one}/")
    assert resp.status == 202, resp.describe()
    assert faultline.web.api_get(f"/api/0/organizations/{faultline.org}/issues/{one}/").status == 404
    assert faultline.web.event_status(event["eventID"]) == 404
    a, b = send(faultline, "bulk delete a"), send(faultline, "bulk delete b")
    resp = faultline.web.api_send("DELETE", f"/api/0/projects/{faultline.org}/web/issues/?id={a}&id={b}")
    assert resp.status == 204, resp.describe()
    for issue_id in (a, b):
        assert faultline.web.api_get(f"/api/0/issues/{issue_id}/").status == 404
    resp = faultline.web.api_send("DELETE", f"/api/0/projects/{faultline.org}/web/issues/")
    assert resp.status == 400 and "id" in resp.json()["detail"]


def test_single_issue_put_and_legacy_route(faultline, sdk):
    issue_id = send(faultline, "one issue put")
    resp = faultline.web.api_send("PUT", f"/api/0/issues/{issue_id}/", {"status": "resolved"})
    assert resp.status == 200, resp.describe()
    body = resp.json()
    assert body["id"] == issue_id and body["status"] == "resolved"
    assert faultline.web.api_get(f"/api/0/issues/{issue_id}/").json()["status"] == "resolved"
    activity = faultline.web.api_get(f"/api/0/issues/{issue_id}/activities/").json()["activity"]
    assert activity[0]["type"] == "set_resolved"
    assert activity[0]["user"]["email"] == admin_user(faultline)["email"]


def test_bulk_status_without_ids_applies_to_the_query(faultline, sdk):
    issue_id = send(faultline, "bulk by query zebra")
    other = send(faultline, "bulk by query giraffe")
    answer = bulk(faultline, {"status": "ignored"}, query="zebra")
    assert answer["status"] == "ignored"
    assert status_of(faultline, issue_id)[0] == "ignored"
    assert status_of(faultline, other)[0] == "unresolved"
    resp = faultline.web.api_send("PUT", f"/api/0/projects/{faultline.org}/web/issues/", {"isBookmarked": True})
    assert resp.status == 400 and "id" in resp.json()["detail"]


def test_ids_of_other_projects_change_nothing(faultline, sdk):
    issue_id = send(faultline, "stays in web")
    resp = faultline.web.api_send(
        "PUT", f"/api/0/projects/{faultline.org}/other/issues/?id={issue_id}", {"status": "resolved"}
    )
    assert resp.status == 204, resp.describe()
    assert status_of(faultline, issue_id)[0] == "unresolved"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "not JSON"),
        (b"[]", "JSON object"),
        ({}, "nothing to change"),
        ({"status": "fixed"}, "status must be one of"),
        ({"status": "ignored", "statusDetails": {"ignoreCount": -1}}, "ignoreCount"),
        ({"status": "ignored", "statusDetails": {"ignoreUntil": "tomorrow"}}, "ignoreUntil"),
        ({"status": "resolved", "statusDetails": {"inCommit": {"commit": "abc"}}}, "commit"),
        ({"isBookmarked": "maybe"}, "isBookmarked"),
    ],
)
def test_bad_bodies_are_400(faultline, sdk, body, message):
    issue_id = send(faultline, "bad bodies")
    resp = faultline.web.api_send("PUT", f"/api/0/projects/{faultline.org}/web/issues/?id={issue_id}", body)
    assert resp.status == 400, resp.describe()
    assert message in resp.json()["detail"]
    assert status_of(faultline, issue_id)[0] == "unresolved"


def test_short_ids_are_sentry_shaped_and_resolve(faultline, sdk):
    issue_id = send(faultline, "find me by short id")
    short_id = issue(faultline, issue_id)["shortId"]
    slug, number = short_id.rsplit("-", 1)
    assert slug == "WEB" and number.isalnum() and number.upper() == number
    found = faultline.web.api_get(f"/api/0/organizations/{faultline.org}/issues/{short_id}/")
    assert found.status == 200, found.describe()
    assert found.json()["id"] == issue_id
    resp = faultline.web.api_send("PUT", f"/api/0/organizations/{faultline.org}/issues/{short_id}/", {"status": "resolved"})
    assert resp.status == 200 and resp.json()["status"] == "resolved"
    assert faultline.web.api_get(f"/api/0/organizations/{faultline.org}/issues/WEB-UUUU/").status == 404


def issue_status_cli(faultline, *args):
    cmd = [str(faultline_bin()), "issue-status", "--data-dir", str(faultline.server.data_dir),
           "--org", faultline.org, "--project", "web", "--json", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS, stdin=subprocess.DEVNULL)


def test_the_cli_changes_status_through_the_same_path(faultline, sdk):
    """`faultline issue-status` beside the running server: the API shows the change and the
    activity log names the actor, as for an API change."""
    issue_id = send(faultline, "triaged from the command line")
    email = admin_user(faultline)["email"]
    out = issue_status_cli(faultline, "--status", "muted", "--ignore-count", "2", "--actor", email, issue_id)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"status": "ignored", "updated": [int(issue_id)]}
    found = issue(faultline, issue_id)
    assert (found["status"], found["statusDetails"]) == ("ignored", {"ignoreCount": 2})
    assert found["activity"][0]["type"] == "set_ignored"
    assert found["activity"][0]["user"]["email"] == email
    out = issue_status_cli(faultline, "--status", "resolved", "--next-release", issue_id)
    assert out.returncode == 0, out.stderr
    assert issue(faultline, issue_id)["statusDetails"] == {"inNextRelease": True}
    out = issue_status_cli(faultline, "--status", "unresolved", "--ignore-count", "2", issue_id)
    assert out.returncode != 0 and "--status ignored" in out.stderr
    out = issue_status_cli(faultline, "--status", "resolved", "999999")
    assert out.returncode != 0 and "none of the issues" in out.stderr
