"""Releases and deploys through `/api/0/`, and releases that events of the real sentry-python
SDK bring into existence with `release=`."""

import json
from urllib.parse import quote

import pytest
import sentry_sdk

from harness import request

FLUSH_TIMEOUT_SECS = 10


def api(faultline, method: str, path: str, body=None, token=None):
    headers = {"Authorization": f"Bearer {token or faultline.token}"}
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    return request(method, f"{faultline.url}{path}", data, headers)


def releases_path(faultline, version: str = "") -> str:
    base = f"/api/0/organizations/{faultline.org}/releases/"
    return base + (quote(version, safe="") + "/" if version else "")


def test_create_get_update_finalize_delete(faultline):
    version = "backend@1.0.0+build.7"
    resp = api(faultline, "POST", releases_path(faultline), {"version": version, "projects": ["web"], "ref": "abc123"})
    assert resp.status == 201, resp.describe()
    created = resp.json()
    assert created["version"] == version
    assert created["shortVersion"] == "1.0.0+build.7"
    assert created["ref"] == "abc123"
    assert created["dateReleased"] is None
    assert created["newGroups"] == 0 and created["deployCount"] == 0 and created["lastDeploy"] is None
    assert created["commitCount"] == 0 and created["lastCommit"] is None and created["authors"] == []
    assert created["status"] == "open" and created["data"] == {}
    assert [p["slug"] for p in created["projects"]] == ["web"]

    # Creating it again answers 208, as Sentry does for an existing release; projects are added.
    again = api(faultline, "POST", releases_path(faultline), {"version": version, "projects": ["other"]})
    assert again.status == 208, again.describe()
    assert [p["slug"] for p in again.json()["projects"]] == ["other", "web"]

    got = api(faultline, "GET", releases_path(faultline, version))
    assert got.status == 200, got.describe()
    assert got.json()["version"] == version

    # `sentry-cli releases finalize` sends dateReleased.
    final = api(faultline, "PUT", releases_path(faultline, version), {"dateReleased": "2026-01-02T03:04:05.678Z"})
    assert final.status == 200, final.describe()
    assert final.json()["dateReleased"] == "2026-01-02T03:04:05.678Z"
    assert final.json()["ref"] == "abc123", "fields not sent stay as they were"
    updated = api(faultline, "PUT", releases_path(faultline, version), {"url": "https://example.com/r/1"})
    assert updated.json()["url"] == "https://example.com/r/1"
    assert updated.json()["dateReleased"] == "2026-01-02T03:04:05.678Z"

    deleted = api(faultline, "DELETE", releases_path(faultline, version))
    assert deleted.status == 204, deleted.describe()
    assert api(faultline, "GET", releases_path(faultline, version)).status == 404
    assert api(faultline, "DELETE", releases_path(faultline, version)).status == 404


def test_bad_requests_are_4xx(faultline):
    path = releases_path(faultline)
    assert api(faultline, "POST", path, {"projects": ["web"]}).status == 400
    assert api(faultline, "POST", path, {"version": "1.0"}).status == 400
    assert api(faultline, "POST", path, {"version": "1.0", "projects": ["nope"]}).status == 400
    assert api(faultline, "POST", path, {"version": "latest", "projects": ["web"]}).status == 400
    assert api(faultline, "POST", path, {"version": "v" * 201, "projects": ["web"]}).status == 400
    bad_body = request("POST", f"{faultline.url}{path}", b"{not json", {"Authorization": f"Bearer {faultline.token}"})
    assert bad_body.status == 400 and "detail" in bad_body.json()
    assert api(faultline, "GET", path + "?cursor=garbage").status == 400
    assert api(faultline, "GET", path, token="not-a-token").status == 401
    missing = api(faultline, "PUT", releases_path(faultline, "never-created"), {"dateReleased": "2026-01-01T00:00:00Z"})
    assert missing.status == 404
    assert api(faultline, "GET", "/api/0/organizations/no-such-org/releases/").status == 404


def test_list_newest_first_with_cursor_and_query(faultline):
    versions = [f"list-{n:02}" for n in range(7)]
    for version in versions:
        assert api(faultline, "POST", releases_path(faultline), {"version": version, "projects": ["web"]}).status == 201
    assert api(faultline, "POST", releases_path(faultline), {"version": "unrelated-1", "projects": ["other"]}).status == 201

    seen, cursor = [], None
    while True:
        path = releases_path(faultline) + "?query=list-&per_page=3" + (f"&cursor={cursor}" if cursor else "")
        resp = api(faultline, "GET", path)
        assert resp.status == 200, resp.describe()
        seen += [r["version"] for r in resp.json()]
        link = resp.header("Link")
        assert link and 'rel="next"' in link
        next_part = link.split(", ")[1]
        if 'results="true"' not in next_part:
            break
        cursor = next_part.split('cursor="')[1].rstrip('"')
    assert seen == list(reversed(versions))

    project = api(faultline, "GET", f"/api/0/projects/{faultline.org}/other/releases/")
    assert project.status == 200
    assert [r["version"] for r in project.json()] == ["unrelated-1"]


def test_project_endpoint_creates_releases(faultline):
    path = f"/api/0/projects/{faultline.org}/web/releases/"
    resp = api(faultline, "POST", path, {"version": "proj-created-1"})
    assert resp.status == 201, resp.describe()
    assert [p["slug"] for p in resp.json()["projects"]] == ["web"]
    assert api(faultline, "POST", path, {"version": "proj-created-1"}).status == 208


def test_deploys(faultline):
    version = "deployed@2.0"
    assert api(faultline, "POST", releases_path(faultline), {"version": version, "projects": ["web"]}).status == 201
    deploys = releases_path(faultline, version) + "deploys/"
    assert api(faultline, "POST", deploys, {"name": "no env"}).status == 400
    first = api(faultline, "POST", deploys, {"environment": "staging", "dateFinished": "2026-01-01T00:00:00Z"})
    assert first.status == 201, first.describe()
    assert first.json()["environment"] == "staging"
    assert first.json()["dateFinished"] == "2026-01-01T00:00:00.000Z"
    second = api(faultline, "POST", deploys, {"environment": "production", "name": "v2 rollout", "url": "https://ci/1"})
    assert second.status == 201
    listed = api(faultline, "GET", deploys).json()
    assert [d["environment"] for d in listed] == ["production", "staging"]
    release = api(faultline, "GET", releases_path(faultline, version)).json()
    assert release["deployCount"] == 2
    assert release["lastDeploy"]["environment"] == "production"
    assert release["lastDeploy"]["name"] == "v2 rollout"
    assert api(faultline, "POST", releases_path(faultline, "no-such") + "deploys/", {"environment": "x"}).status == 404


def test_events_from_the_sdk_create_and_count_releases(faultline):
    version = "sdk-app@3.1.4"
    sentry_sdk.init(dsn=faultline.dsn, release=version, default_integrations=False, send_client_reports=False)
    try:
        for n in range(3):
            try:
                raise ValueError(f"release bug {n}")
            except ValueError:
                sentry_sdk.capture_exception()
        sentry_sdk.capture_message("release message one")
        sentry_sdk.capture_message("release message two")
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)

    resp = api(faultline, "GET", releases_path(faultline, version))
    assert resp.status == 200, resp.describe()
    release = resp.json()
    assert [p["slug"] for p in release["projects"]] == ["web"]
    issues = [i for i in faultline.issues() if (i.get("firstRelease") or {}).get("version") == version]
    assert issues, "the SDK's events opened issues under the release"
    assert release["newGroups"] == len(issues)
    assert release["projects"][0]["newGroups"] == len(issues)
    assert release["firstEvent"] and release["lastEvent"]
    assert release["firstEvent"] <= release["lastEvent"]

    # Creating it through the API afterwards finds the event-made release.
    again = api(faultline, "POST", releases_path(faultline), {"version": version, "projects": ["web"]})
    assert again.status == 208, again.describe()
    assert again.json()["newGroups"] == len(issues)
