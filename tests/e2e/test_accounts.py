"""Accounts end to end: the `faultline user|org|member|team|project|key|token` subcommands
against the running server's data directory, and the organization, team, project and key
routes of `/api/0/`. Events go through the real sentry-python SDK with the DSNs the commands
print.

A key change made by the CLI reaches the server through its key cache (5 s lifetime), so those
checks poll; a change made through the API drops the key from the cache at once.
"""

import json
import os
import subprocess
from urllib.parse import urlsplit

import pytest
import sentry_sdk

from harness import CLI_TIMEOUT_SECS, assert_error_response, event_envelope, faultline_bin, new_event_id, request, wait_until

FLUSH_TIMEOUT_SECS = 10
# Longer than the server's key cache lifetime.
KEY_CACHE_POLL_SECS = 15
ORG = "initech"
FILTERED = "[Filtered]"


def run_cli(faultline, *args, json_output: bool = True) -> subprocess.CompletedProcess:
    cmd = [str(faultline_bin()), *args, "--data-dir", str(faultline.server.data_dir)]
    if json_output:
        cmd.append("--json")
    # DSNs name the test server; errors stay one message (no backtrace) whatever the caller set.
    env = {**os.environ, "FAULTLINE_PUBLIC_URL": faultline.url, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS, stdin=subprocess.DEVNULL, env=env)


def cli(faultline, *args) -> dict:
    out = run_cli(faultline, *args)
    assert out.returncode == 0, f"{' '.join(args)} failed (rc={out.returncode}):\n{out.stdout}\n{out.stderr}"
    return json.loads(out.stdout)


def cli_fails(faultline, *args) -> str:
    """Runs a command that must fail; returns its error output."""
    out = run_cli(faultline, *args)
    assert out.returncode != 0, f"{' '.join(args)} succeeded:\n{out.stdout}"
    assert out.stdout == "", out.stdout
    assert out.stderr.startswith("Error: ") and len(out.stderr.splitlines()) <= 3, out.stderr
    return out.stderr


def api(faultline, method: str, path: str, token: str, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    return request(method, f"{faultline.url}{path}", data, headers)


def capture(dsn: str, message: str, **scope_data) -> str:
    """Sends one message with the real SDK; returns its event id."""
    sentry_sdk.init(dsn=dsn, default_integrations=False, send_client_reports=False, send_default_pii=True)
    try:
        with sentry_sdk.new_scope() as scope:
            if "user" in scope_data:
                scope.set_user(scope_data["user"])
            for key, value in (scope_data.get("extra") or {}).items():
                scope.set_extra(key, value)
            event_id = sentry_sdk.capture_message(message)
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
    return event_id


def ingest_status(faultline, dsn: str) -> int:
    """Posts one raw event envelope with the DSN's key; returns the status."""
    parts = urlsplit(dsn)
    auth = f"Sentry sentry_key={parts.username}, sentry_version=7, sentry_client=faultline-e2e/1.0"
    body = event_envelope({"message": "probe"}, event_id=new_event_id())
    headers = {"Content-Type": "application/x-sentry-envelope", "X-Sentry-Auth": auth}
    return request("POST", f"{faultline.url}/api{parts.path}/envelope/", body, headers).status


def event_of(faultline, token: str, org: str, project: str, event_id: str) -> dict:
    def fetch():
        resp = api(faultline, "GET", f"/api/0/projects/{org}/{project}/events/{event_id}/", token)
        assert resp.status in (200, 404), resp.describe()
        return resp.json() if resp.status == 200 else None

    return wait_until(fetch, KEY_CACHE_POLL_SECS, interval=0.1, what=f"event {event_id}")


class Tenant:
    """Organization `initech` made with the CLI: an owner, an admin and a member (tokens with
    every scope they need), team `backend` and project `api`."""

    def __init__(self, faultline):
        self.faultline = faultline
        cli(faultline, "org", "create", "--slug", ORG, "--name", "Initech")
        self.tokens = {}
        for role in ("owner", "admin", "member"):
            email = f"{role}@initech.test"
            user = cli(faultline, "user", "create", "--email", email)
            assert user["email"] == email and user["isSuperuser"] is False
            assert len(user["password"]) >= 16, "a generated password is printed once"
            assert cli(faultline, "member", "add", "--org", ORG, "--email", email, "--role", role)["role"] == role
            scopes = "org:read team:read team:write project:read project:write project:admin event:read"
            self.tokens[role] = cli(faultline, "token", "create", "--email", email, "--scopes", scopes)["token"]
        team = cli(faultline, "team", "create", "--org", ORG, "--slug", "backend")
        assert team["slug"] == "backend"
        project = cli(faultline, "project", "create", "--org", ORG, "--team", "backend", "--slug", "api", "--platform", "python")
        assert project["platform"] == "python" and project["team"] == "backend"
        self.dsn = project["dsn"]


@pytest.fixture(scope="module")
def tenant(faultline):
    return Tenant(faultline)


def test_cli_made_accounts_are_what_the_api_shows(faultline, tenant):
    root = api(faultline, "GET", "/api/0/", tenant.tokens["admin"]).json()
    assert root["user"]["email"] == "admin@initech.test" and root["user"]["isSuperuser"] is False
    assert "project:admin" in root["auth"]["scopes"]
    org = api(faultline, "GET", f"/api/0/organizations/{ORG}/", tenant.tokens["admin"])
    assert org.status == 200, org.describe()
    assert org.json()["slug"] == ORG and org.json()["name"] == "Initech" and org.json()["role"] == "admin"
    teams = api(faultline, "GET", f"/api/0/organizations/{ORG}/teams/", tenant.tokens["member"]).json()
    assert sorted(t["slug"] for t in teams) == ["backend", ORG], "an organization comes with a team of its slug"
    projects = api(faultline, "GET", "/api/0/projects/", tenant.tokens["member"]).json()
    assert [(p["slug"], p["organization"]["slug"]) for p in projects] == [("api", ORG)], "only its own organization"
    assert urlsplit(tenant.dsn).hostname == "127.0.0.1" and urlsplit(tenant.dsn).path.strip("/").isdigit()


def test_cli_errors_are_messages_and_a_nonzero_exit(faultline, tenant):
    assert "already exists" in cli_fails(faultline, "user", "create", "--email", "owner@initech.test")
    assert "already exists" in cli_fails(faultline, "org", "create", "--slug", ORG)
    assert "no organization nope" in cli_fails(faultline, "team", "create", "--org", "nope", "--slug", "x")
    assert "no team nope" in cli_fails(faultline, "project", "create", "--org", ORG, "--team", "nope", "--slug", "x")
    assert "no user" in cli_fails(faultline, "member", "add", "--org", ORG, "--email", "ghost@initech.test", "--role", "member")
    assert "unknown scope" in cli_fails(faultline, "token", "create", "--email", "owner@initech.test", "--scopes", "project:everything")
    assert "no key" in cli_fails(faultline, "key", "disable", "--org", ORG, "--project", "api", "--key", "0" * 32)
    assert "no project" in cli_fails(faultline, "key", "list", "--org", ORG, "--project", "nope")
    assert run_cli(faultline, "member", "add", "--org", ORG, "--email", "x@y.z", "--role", "king").returncode != 0


def test_cli_text_output_names_each_field(faultline, tenant):
    out = run_cli(faultline, "key", "list", "--org", ORG, "--project", "api", json_output=False)
    assert out.returncode == 0, out.stderr
    assert f"dsn:       {tenant.dsn}" in out.stdout.splitlines(), out.stdout
    assert "name:      Default" in out.stdout.splitlines(), out.stdout


def test_project_created_through_the_api_ingests_with_its_key(faultline, tenant):
    resp = api(faultline, "POST", f"/api/0/teams/{ORG}/backend/projects/", tenant.tokens["admin"], {"name": "Mobile App", "platform": "android"})
    assert resp.status == 201, resp.describe()
    project = resp.json()
    assert (project["slug"], project["name"], project["platform"]) == ("mobile-app", "Mobile App", "android")
    assert [t["slug"] for t in project["teams"]] == ["backend"]
    again = api(faultline, "POST", f"/api/0/teams/{ORG}/backend/projects/", tenant.tokens["admin"], {"slug": "mobile-app"})
    assert again.status == 409, again.describe()
    member = api(faultline, "POST", f"/api/0/teams/{ORG}/backend/projects/", tenant.tokens["member"], {"slug": "nope"})
    assert member.status == 403, member.describe()

    keys = api(faultline, "GET", f"/api/0/projects/{ORG}/mobile-app/keys/", tenant.tokens["member"]).json()
    assert [k["name"] for k in keys] == ["Default"]
    event_id = capture(keys[0]["dsn"]["public"], "from the api project")
    assert event_of(faultline, tenant.tokens["member"], ORG, "mobile-app", event_id)["message"] == "from the api project"


def test_key_create_disable_enable_delete(faultline, tenant):
    key = cli(faultline, "key", "create", "--org", ORG, "--project", "api", "--name", "ci")
    assert key["name"] == "ci" and key["isActive"] is True and key["rateLimit"] is None
    listed = cli(faultline, "key", "list", "--org", ORG, "--project", "api")
    assert {k["name"]: k["dsn"] for k in listed} == {"Default": tenant.dsn, "ci": key["dsn"]}

    event_id = capture(key["dsn"], "sent with the ci key")
    assert event_of(faultline, tenant.tokens["member"], ORG, "api", event_id)["message"] == "sent with the ci key"

    key_args = ["--org", ORG, "--project", "api", "--key", key["id"]]
    assert cli(faultline, "key", "disable", *key_args)["isActive"] is False
    wait_until(lambda: ingest_status(faultline, key["dsn"]) == 403, KEY_CACHE_POLL_SECS, 0.2, "disabled key refused")
    assert ingest_status(faultline, tenant.dsn) == 200, "the project's other key still works"
    assert cli(faultline, "key", "enable", *key_args)["isActive"] is True
    wait_until(lambda: ingest_status(faultline, key["dsn"]) == 200, KEY_CACHE_POLL_SECS, 0.2, "enabled key accepted")
    assert cli(faultline, "key", "delete", *key_args)["deleted"] is True
    wait_until(lambda: ingest_status(faultline, key["dsn"]) == 403, KEY_CACHE_POLL_SECS, 0.2, "deleted key refused")
    assert [k["name"] for k in cli(faultline, "key", "list", "--org", ORG, "--project", "api")] == ["Default"]


def test_key_created_with_a_rate_limit_answers_429_past_it(faultline, tenant):
    key = cli(faultline, "key", "create", "--org", ORG, "--project", "api", "--name", "burst", "--rate-limit", "1/60")
    assert key["rateLimit"] == {"count": 1, "window": 60}
    assert [ingest_status(faultline, key["dsn"]) for _ in range(2)] == [200, 429]


def test_key_changes_through_the_api_apply_at_once(faultline, tenant):
    base = f"/api/0/projects/{ORG}/api/keys/"
    created = api(faultline, "POST", base, tenant.tokens["admin"], {"name": "limited"})
    assert created.status == 201, created.describe()
    key = created.json()
    dsn = key["dsn"]["public"]
    limited = api(faultline, "PUT", f"{base}{key['id']}/", tenant.tokens["admin"], {"rateLimit": {"count": 2, "window": 60}})
    assert limited.status == 200 and limited.json()["rateLimit"] == {"count": 2, "window": 60}, limited.describe()
    assert [ingest_status(faultline, dsn) for _ in range(3)] == [200, 200, 429]
    assert ingest_status(faultline, tenant.dsn) == 200, "the limit is the key's, not the project's"

    off = api(faultline, "PUT", f"{base}{key['id']}/", tenant.tokens["admin"], {"isActive": False})
    assert off.status == 200 and off.json()["isActive"] is False
    assert ingest_status(faultline, dsn) == 403
    assert api(faultline, "PUT", f"{base}{key['id']}/", tenant.tokens["member"], {"isActive": True}).status == 403
    assert api(faultline, "DELETE", f"{base}{key['id']}/", tenant.tokens["admin"]).status == 204
    assert api(faultline, "DELETE", f"{base}{key['id']}/", tenant.tokens["admin"]).status == 404


def test_token_scopes_limit_what_it_may_do(faultline, tenant):
    reader = cli(faultline, "token", "create", "--email", "owner@initech.test", "--scopes", "event:read", "--name", "reader")
    assert reader["scopes"] == ["event:read"] and reader["name"] == "reader"
    token = reader["token"]
    assert api(faultline, "GET", f"/api/0/projects/{ORG}/api/issues/", token).status == 200
    assert api(faultline, "GET", f"/api/0/projects/{ORG}/api/", token).status == 403, "project:read is not granted"
    assert api(faultline, "POST", f"/api/0/projects/{ORG}/api/keys/", token, {"name": "x"}).status == 403
    writer = cli(faultline, "token", "create", "--email", "owner@initech.test", "--scopes", "project:write,org:read")["token"]
    assert api(faultline, "GET", f"/api/0/projects/{ORG}/api/", writer).status == 200, "project:write implies read"
    assert api(faultline, "DELETE", f"/api/0/projects/{ORG}/api/", writer).status == 403, "deleting needs project:admin"
    assert api(faultline, "GET", f"/api/0/organizations/{ORG}/issues/", writer).status == 403


def test_roles_decide_who_changes_and_deletes_a_project(faultline, tenant):
    made = cli(faultline, "project", "create", "--org", ORG, "--team", "backend", "--slug", "legacy")
    path = f"/api/0/projects/{ORG}/legacy/"
    assert api(faultline, "PUT", path, tenant.tokens["member"], {"name": "Old"}).status == 403
    assert api(faultline, "DELETE", path, tenant.tokens["member"]).status == 403
    renamed = api(faultline, "PUT", path, tenant.tokens["admin"], {"name": "Legacy App", "platform": "php"})
    assert renamed.status == 200, renamed.describe()
    assert (renamed.json()["name"], renamed.json()["platform"], renamed.json()["slug"]) == ("Legacy App", "php", "legacy")
    assert api(faultline, "PUT", path, tenant.tokens["admin"], {"slug": "api"}).status == 409, "slugs are unique"
    moved = api(faultline, "PUT", path, tenant.tokens["admin"], {"slug": "legacy-2"})
    assert moved.status == 200 and moved.json()["slug"] == "legacy-2", moved.describe()
    assert api(faultline, "GET", path, tenant.tokens["member"]).status == 404

    event_id = capture(made["dsn"], "before the deletion")
    event_of(faultline, tenant.tokens["member"], ORG, "legacy-2", event_id)
    deleted = api(faultline, "DELETE", f"/api/0/projects/{ORG}/legacy-2/", tenant.tokens["admin"])
    assert deleted.status == 204, deleted.describe()
    assert api(faultline, "GET", f"/api/0/projects/{ORG}/legacy-2/", tenant.tokens["admin"]).status == 404
    assert ingest_status(faultline, made["dsn"]) == 403, "a deleted project's keys go with it"


def test_membership_role_changes_and_superusers(faultline, tenant):
    email = "promoted@initech.test"
    cli(faultline, "user", "create", "--email", email, "--password", "correct horse")
    cli(faultline, "member", "add", "--org", ORG, "--email", email, "--role", "member")
    token = cli(faultline, "token", "create", "--email", email, "--scopes", "org:read team:write")["token"]
    teams = f"/api/0/organizations/{ORG}/teams/"
    assert api(faultline, "POST", teams, token, {"slug": "frontend"}).status == 403
    assert cli(faultline, "member", "add", "--org", ORG, "--email", email, "--role", "admin")["role"] == "admin"
    assert api(faultline, "GET", f"/api/0/organizations/{ORG}/", token).json()["role"] == "admin"
    made = api(faultline, "POST", teams, token, {"slug": "frontend"})
    assert made.status == 201 and made.json()["slug"] == "frontend", made.describe()
    assert api(faultline, "POST", teams, token, {"slug": "frontend"}).status == 409

    # A superuser is a member of nothing and still sees and manages every organization.
    root = cli(faultline, "user", "create", "--email", "root@initech.test", "--superuser")
    assert root["isSuperuser"] is True
    su = cli(faultline, "token", "create", "--email", "root@initech.test", "--scopes", "org:read project:read project:admin")["token"]
    orgs = {o["slug"] for o in api(faultline, "GET", "/api/0/organizations/", su).json()}
    assert {ORG, "acme"} <= orgs
    assert api(faultline, "GET", f"/api/0/projects/{ORG}/api/", su).status == 200
    cli(faultline, "project", "create", "--org", ORG, "--team", "backend", "--slug", "su-doomed")
    assert api(faultline, "DELETE", f"/api/0/projects/{ORG}/su-doomed/", su).status == 204


def test_bad_bodies_are_400_with_a_detail(faultline, tenant):
    admin = {"Authorization": f"Bearer {tenant.tokens['admin']}"}
    for method, path in [
        ("PUT", f"/api/0/projects/{ORG}/api/"),
        ("POST", f"/api/0/projects/{ORG}/api/keys/"),
        ("POST", f"/api/0/organizations/{ORG}/teams/"),
        ("POST", f"/api/0/teams/{ORG}/backend/projects/"),
    ]:
        for body in [b"{not json", b"[1]", b'{"name": 5}']:
            resp = request(method, f"{faultline.url}{path}", body, {**admin, "Content-Type": "application/json"})
            assert_error_response(resp, 400)
    # Like Sentry, the routes read JSON whatever the Content-Type says.
    resp = request("PUT", f"{faultline.url}/api/0/projects/{ORG}/api/", b'{"platform": "python"}', admin)
    assert resp.status == 200, resp.describe()


def test_project_put_changes_data_scrubbing(faultline, tenant):
    cli(faultline, "project", "create", "--org", ORG, "--team", "backend", "--slug", "scrubbed")
    path = f"/api/0/projects/{ORG}/scrubbed/"
    admin = tenant.tokens["admin"]
    before = api(faultline, "GET", path, admin).json()
    assert (before["dataScrubber"], before["dataScrubberDefaults"], before["scrubIPAddresses"]) == (True, True, False)
    assert before["sensitiveFields"] == [] and before["safeFields"] == []

    change = {"scrubIPAddresses": True, "sensitiveFields": ["pin"], "safeFields": ["session_id"]}
    resp = api(faultline, "PUT", path, admin, change)
    assert resp.status == 200, resp.describe()
    assert {k: resp.json()[k] for k in change} == change
    assert {k: api(faultline, "GET", path, admin).json()[k] for k in change} == change

    bad = api(faultline, "PUT", path, admin, {"name": "Renamed", "sensitiveFields": "pin"})
    assert bad.status == 400, bad.describe()
    assert api(faultline, "GET", path, admin).json()["name"] == "scrubbed", "a rejected PUT changes nothing"
    assert api(faultline, "PUT", path, tenant.tokens["member"], {"dataScrubber": False}).status == 403

    dsn = cli(faultline, "key", "list", "--org", ORG, "--project", "scrubbed")[0]["dsn"]
    extra = {"account_pin": "4321", "session_id": "sess-1", "db_password": "pw-1"}

    def scrubbed_event():
        event_id = capture(dsn, "scrub me", user={"id": "u-1", "ip_address": "203.0.113.9"}, extra=extra)
        event = event_of(faultline, admin, ORG, "scrubbed", event_id)
        return event if event["context"]["account_pin"] == FILTERED else None

    event = wait_until(scrubbed_event, KEY_CACHE_POLL_SECS, 0.5, "the new settings in force")
    assert event["context"]["session_id"] == "sess-1", "a safe field is kept"
    assert event["context"]["db_password"] == FILTERED, "the defaults still apply"
    assert "203.0.113.9" not in json.dumps(event)

    off = api(faultline, "PUT", path, admin, {"dataScrubber": False})
    assert off.status == 200 and off.json()["dataScrubber"] is False

    def unscrubbed_event():
        event_id = capture(dsn, "keep me", extra=extra)
        event = event_of(faultline, admin, ORG, "scrubbed", event_id)
        return event if event["context"]["db_password"] == "pw-1" else None

    wait_until(unscrubbed_event, KEY_CACHE_POLL_SECS, 0.5, "scrubbing off in force")
