"""The authorization matrix of `/api/0/`: every route family, checked with no token, a bad
token, a token of another organization's owner, a token of the organization's owner that lacks
the route's scope, a member's token (admin-only routes refuse members) and a good token.

What the server promises (crates/faultline-web/src/api/auth.rs): no token or an unknown one is
401; a missing scope, another organization's data or too weak a role is 403 (faultline answers
403 rather than hiding the organization behind 404, consistently); a good token is 2xx.

Users and tokens are made with the `faultline user|org|member|token` subcommands against the
running server's data directory (SQLite serializes their writes with the server's); none of
the test users is a superuser, so membership is what grants access. The table `ROUTES` is the
whole specification: a route added to `api/mod.rs` gets a row here.
"""

import itertools
import json
import re
import subprocess
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import quote

import pytest

from harness import CLI_TIMEOUT_SECS, ORG, REPO_ROOT, event_envelope, faultline_bin, new_event_id, request

# Every Sentry scope the store knows (faultline-store `ALL_SCOPES`).
ALL_SCOPES = (
    "org:read org:write org:admin org:integrations project:read project:write project:admin "
    "project:releases team:read team:write team:admin member:read member:write member:admin "
    "event:read event:write event:admin alerts:read alerts:write"
).split()

OUTSIDER_ORG = "elsewhere"
RELEASE = "authz@1.0.0"
TAG = ("color", "red")
_names = itertools.count(1)


# ------------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Route:
    """One route of the matrix.

    `path` is a template over the `World` fields (`{org}`, `{project}`, `{team}`, `{issue_id}`,
    `{event_id}`, `{key_id}`, `{version}`). `scopes` are the scopes any one of which grants the
    route (`()`: none needed). `admin`: only an admin or owner of the organization may call it.
    `setup` makes throwaway resources for one call and returns path fields to override; every
    destructive row has one, so each call works on its own resource.
    """

    method: str
    path: str
    scopes: tuple
    body: Optional[dict] = None
    admin: bool = False
    setup: Optional[Callable] = None
    ok: int = 200
    # What a request without a token gets (`GET /api/0/` answers nulls, as Sentry does).
    anonymous: int = 401
    # Routes that name no organization answer an outsider 200, without this organization's data.
    org_in_path: bool = True
    # What an outsider gets naming their own organization with this one's ids: 404, except for
    # the organization-wide bulk issue routes, where ids out of scope change nothing (204).
    foreign: int = 404

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def throwaway_project(world) -> dict:
    slug = f"doomed-{next(_names)}"
    resp = world.api("POST", f"/api/0/teams/{ORG}/{ORG}/projects/", {"slug": slug}, world.admin_token)
    assert resp.status == 201, resp.describe()
    return {"project": slug}


def throwaway_key(world) -> dict:
    resp = world.api("POST", f"/api/0/projects/{ORG}/web/keys/", {"name": "doomed"}, world.admin_token)
    assert resp.status == 201, resp.describe()
    return {"key_id": resp.json()["id"]}


def throwaway_release(world) -> dict:
    version = f"doomed@{next(_names)}"
    resp = world.api("POST", f"/api/0/organizations/{ORG}/releases/", {"version": version, "projects": ["web"]}, world.admin_token)
    assert resp.status == 201, resp.describe()
    return {"version": quote(version, safe="")}


def throwaway_issue(world) -> dict:
    """Makes a fresh issue (one event of its own) and returns it as `{issue_id}`."""
    event_id = new_event_id()
    # Letters, not digits: grouping parameterizes numbers, which would fold these together.
    word = "".join(chr(ord("a") + int(d)) for d in str(next(_names)))
    resp = world.faultline.post_envelope(event_envelope({"message": f"doomed issue {word}"}, event_id=event_id))
    assert resp.status == 200, resp.describe()
    return {"issue_id": world.faultline.get_event(event_id)["groupID"]}


def throwaway_merged_issue(world) -> dict:
    """Makes two issues, merges them, and returns the parent as `{issue_id}` and the merged-in
    hash as `{hash}` (unmerging needs a hash that is not the issue's last)."""
    first, second = throwaway_issue(world)["issue_id"], throwaway_issue(world)["issue_id"]
    path = f"/api/0/projects/{ORG}/web/issues/?id={first}&id={second}"
    resp = world.api("PUT", path, {"merge": True}, world.admin_token)
    assert resp.status == 200, resp.describe()
    parent = resp.json()["merge"]["parent"]
    hashes = world.api("GET", f"/api/0/organizations/{ORG}/issues/{parent}/hashes/", None, world.admin_token).json()
    return {"issue_id": parent, "hash": hashes[-1]["id"]}


def unique_slug(prefix: str) -> Callable:
    """Returns a setup giving each call a fresh `{slug}` (for creates with unique slugs)."""
    return lambda world: {"slug": f"{prefix}-{next(_names)}"}


READ = ("project:read",)
RELEASES_READ = ("project:read", "project:releases")
RELEASES_WRITE = ("project:releases", "project:write")
EVENTS = ("event:read",)
ISSUE = "/api/0/organizations/{org}/issues/{issue_id}"
LEGACY_ISSUE = "/api/0/issues/{issue_id}"
RELEASE_PATH = "/api/0/organizations/{org}/releases/{version}/"

ROUTES = [
    # Root: who the caller is. No scope needed; without a token it answers nulls.
    Route("GET", "/api/0/", (), anonymous=200, org_in_path=False),
    # Organizations and teams.
    Route("GET", "/api/0/organizations/", ("org:read",), org_in_path=False),
    Route("GET", "/api/0/organizations/{org}/", ("org:read",)),
    Route("GET", "/api/0/organizations/{org}/projects/", READ),
    Route("GET", "/api/0/organizations/{org}/teams/", ("team:read",)),
    Route("POST", "/api/0/organizations/{org}/teams/", ("team:write",), {"slug": "{slug}"}, admin=True, setup=unique_slug("team"), ok=201),
    Route("POST", "/api/0/teams/{org}/{team}/projects/", ("project:write",), {"slug": "{slug}"}, admin=True, setup=unique_slug("made"), ok=201),
    # Projects.
    Route("GET", "/api/0/projects/", READ, org_in_path=False),
    Route("GET", "/api/0/projects/{org}/{project}/", READ),
    Route("PUT", "/api/0/projects/{org}/{project}/", ("project:write",), {"name": "Web"}, admin=True),
    Route("DELETE", "/api/0/projects/{org}/{project}/", ("project:admin",), admin=True, setup=throwaway_project, ok=204),
    # DSN keys.
    Route("GET", "/api/0/projects/{org}/{project}/keys/", READ),
    Route("POST", "/api/0/projects/{org}/{project}/keys/", ("project:write",), {"name": "authz"}, admin=True, ok=201),
    Route("PUT", "/api/0/projects/{org}/{project}/keys/{key_id}/", ("project:write",), {"name": "renamed"}, admin=True, setup=throwaway_key),
    Route("DELETE", "/api/0/projects/{org}/{project}/keys/{key_id}/", ("project:write",), admin=True, setup=throwaway_key, ok=204),
    # Issues.
    Route("GET", "/api/0/projects/{org}/{project}/issues/", EVENTS),
    Route("GET", "/api/0/organizations/{org}/issues/", EVENTS),
    Route("GET", ISSUE + "/", EVENTS),
    # The issue workflow: bulk updates and deletes (`?id=` repeated), one issue's PUT/DELETE,
    # its activity, unmerging a hash.
    Route("PUT", "/api/0/projects/{org}/{project}/issues/?id={issue_id}", ("event:write",), {"isBookmarked": True}),
    Route("DELETE", "/api/0/projects/{org}/{project}/issues/?id={issue_id}", ("event:admin",), setup=throwaway_issue, ok=204),
    Route("PUT", "/api/0/organizations/{org}/issues/?id={issue_id}", ("event:write",), {"isBookmarked": True}, foreign=204),
    Route("DELETE", "/api/0/organizations/{org}/issues/?id={issue_id}", ("event:admin",), setup=throwaway_issue, ok=204, foreign=204),
    Route("PUT", ISSUE + "/", ("event:write",), {"isBookmarked": True}),
    Route("DELETE", ISSUE + "/", ("event:admin",), setup=throwaway_issue, ok=202),
    Route("GET", ISSUE + "/activities/", EVENTS),
    Route("DELETE", ISSUE + "/hashes/?id={hash}", ("event:write",), setup=throwaway_merged_issue, ok=202),
    Route("GET", LEGACY_ISSUE + "/", EVENTS),
    Route("PUT", LEGACY_ISSUE + "/", ("event:write",), {"isBookmarked": True}),
    # An issue's sub-resources, under the organization and under the legacy prefix.
    Route("GET", ISSUE + "/events/", EVENTS),
    Route("GET", ISSUE + "/events/latest/", EVENTS),
    Route("GET", ISSUE + "/events/{event_id}/", EVENTS),
    Route("GET", ISSUE + "/tags/", EVENTS),
    Route("GET", ISSUE + f"/tags/{TAG[0]}/", EVENTS),
    Route("GET", ISSUE + f"/tags/{TAG[0]}/values/", EVENTS),
    Route("GET", ISSUE + "/hashes/", EVENTS),
    Route("GET", LEGACY_ISSUE + "/events/", EVENTS),
    Route("GET", LEGACY_ISSUE + "/events/latest/", EVENTS),
    Route("GET", LEGACY_ISSUE + "/tags/", EVENTS),
    Route("GET", LEGACY_ISSUE + "/hashes/", EVENTS),
    # Tag facets over a project's or an organization's issues.
    Route("GET", "/api/0/projects/{org}/{project}/tags/", EVENTS),
    Route("GET", "/api/0/projects/{org}/{project}/tags/" + TAG[0] + "/values/", EVENTS),
    Route("GET", "/api/0/organizations/{org}/tags/", EVENTS),
    # Events.
    Route("GET", "/api/0/projects/{org}/{project}/events/", EVENTS),
    Route("GET", "/api/0/projects/{org}/{project}/events/{event_id}/", EVENTS),
    Route("GET", "/api/0/projects/{org}/{project}/events/{event_id}/grouping-info/", EVENTS),
    Route("GET", "/api/0/organizations/{org}/eventids/{event_id}/", EVENTS),
    # Releases and deploys.
    Route("GET", "/api/0/organizations/{org}/releases/", RELEASES_READ),
    Route("POST", "/api/0/organizations/{org}/releases/", RELEASES_WRITE, {"version": "{slug}", "projects": ["web"]}, setup=unique_slug("rel"), ok=201),
    Route("GET", RELEASE_PATH, RELEASES_READ),
    Route("PUT", RELEASE_PATH, RELEASES_WRITE, {"ref": "abc123"}),
    Route("DELETE", RELEASE_PATH, RELEASES_WRITE, setup=throwaway_release, ok=204),
    Route("GET", RELEASE_PATH + "deploys/", RELEASES_READ),
    Route("POST", RELEASE_PATH + "deploys/", RELEASES_WRITE, {"environment": "production"}, ok=201),
    Route("GET", "/api/0/projects/{org}/{project}/releases/", RELEASES_READ),
    Route("POST", "/api/0/projects/{org}/{project}/releases/", RELEASES_WRITE, {"version": "{slug}"}, setup=unique_slug("prel"), ok=201),
]


# ------------------------------------------------------------------------------------ the world


def cli(faultline, *args) -> dict:
    """Runs one `faultline` account subcommand on the server's data directory; returns its JSON."""
    cmd = [str(faultline_bin()), *args, "--data-dir", str(faultline.server.data_dir), "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, f"{' '.join(args)} failed (rc={out.returncode}):\n{out.stdout}\n{out.stderr}"
    return json.loads(out.stdout)


def granting(scopes: tuple) -> set:
    """Returns every scope that grants one of `scopes` (a family's admin grants all of it, its
    write grants its read)."""
    out = set()
    for scope in scopes:
        family, level = scope.split(":")
        out |= {scope, f"{family}:admin"}
        if level == "read":
            out.add(f"{family}:write")
    return out


class World:
    """The users, tokens and resources the matrix runs against.

    `owner` owns organization `acme`, `member` is a plain member of it, `outsider` owns
    another organization; each has a token with every scope. `admin_token` (the bootstrap
    superuser's) only makes throwaway resources.
    """

    def __init__(self, faultline):
        self.faultline = faultline
        self.admin_token = faultline.token
        self.fields = {"org": ORG, "project": "web", "team": ORG, "key_id": faultline.key}
        cli(faultline, "org", "create", "--slug", OUTSIDER_ORG)
        for name, org, role in [("owner", ORG, "owner"), ("member", ORG, "member"), ("outsider", OUTSIDER_ORG, "owner")]:
            email = f"{name}@authz.test"
            cli(faultline, "user", "create", "--email", email)
            cli(faultline, "member", "add", "--org", org, "--email", email, "--role", role)
            setattr(self, f"{name}_token", self.mint(email, ALL_SCOPES))
        self._lacking = {}
        self._add_event_and_release()

    def mint(self, email: str, scopes) -> str:
        return cli(self.faultline, "token", "create", "--email", email, "--scopes", " ".join(scopes))["token"]

    def lacking_token(self, scopes: tuple) -> str:
        """Returns a token of the owner with every scope except those granting `scopes`."""
        key = tuple(sorted(scopes))
        if key not in self._lacking:
            remaining = [s for s in ALL_SCOPES if s not in granting(scopes)]
            self._lacking[key] = self.mint("owner@authz.test", remaining)
        return self._lacking[key]

    def _add_event_and_release(self):
        event_id = new_event_id()
        event = {"message": "authz matrix", "tags": {TAG[0]: TAG[1]}, "release": RELEASE}
        resp = self.faultline.post_envelope(event_envelope(event, event_id=event_id))
        assert resp.status == 200, resp.describe()
        stored = self.faultline.get_event(event_id)
        self.fields |= {"event_id": event_id, "issue_id": stored["groupID"], "version": quote(RELEASE, safe="")}

    def api(self, method: str, path: str, body=None, token: Optional[str] = None):
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        data = b""
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        return request(method, f"{self.faultline.url}{path}", data, headers)

    def call(self, route: Route, token: Optional[str], **overrides):
        """Sends `route` (its throwaway resources made first) with `token`; `overrides`
        replace path fields."""
        fields = dict(self.fields)
        if route.setup is not None:
            fields |= route.setup(self)
        fields |= overrides
        body = route.body
        if body is not None:
            body = json.loads(json.dumps(body).replace("{slug}", fields.get("slug", "")))
        return self.api(route.method, route.path.format(**fields), body, token)


@pytest.fixture(scope="module")
def world(faultline):
    return World(faultline)


def each_route(predicate=lambda route: True):
    return pytest.mark.parametrize("route", [r for r in ROUTES if predicate(r)], ids=lambda r: r.id)


# ----------------------------------------------------------------------------------- the checks


@each_route()
def test_no_token(world, route):
    resp = world.call(route, None)
    assert resp.status == route.anonymous, resp.describe()


@each_route()
def test_unknown_token(world, route):
    resp = world.call(route, "sntryu_" + "0" * 64)
    assert resp.status == 401, resp.describe()


@each_route()
def test_another_organizations_owner(world, route):
    resp = world.call(route, world.outsider_token)
    if route.org_in_path:
        assert resp.status == 403, resp.describe()
    else:
        assert resp.status == 200, resp.describe()
        assert f'"{ORG}"'.encode() not in resp.body, f"{ORG}'s data shown to an outsider: {resp.describe()}"


def names_a_resource(route: Route) -> bool:
    """Whether the path names the organization and one of its resources."""
    return "{org}" in route.path and any(f"{{{name}}}" in route.path for name in ("project", "team", "issue_id", "event_id", "key_id", "version"))


@each_route(names_a_resource)
def test_another_organizations_owner_through_their_own_organization(world, route):
    """An outsider naming their own organization with this one's project, issue, event, key or
    release finds nothing: ids do not cross organizations."""
    resp = world.call(route, world.outsider_token, org=OUTSIDER_ORG)
    assert resp.status == route.foreign, resp.describe()


@each_route(lambda r: r.scopes)
def test_missing_scope(world, route):
    resp = world.call(route, world.lacking_token(route.scopes))
    assert resp.status == 403, resp.describe()


@each_route()
def test_member_role(world, route):
    resp = world.call(route, world.member_token)
    if route.admin:
        assert resp.status == 403, resp.describe()
    else:
        assert resp.status == route.ok, resp.describe()


@each_route()
def test_good_token(world, route):
    resp = world.call(route, world.owner_token)
    assert resp.status == route.ok, resp.describe()


def test_every_route_of_the_router_has_a_row():
    """Guards the table: every path `api/mod.rs` routes has a row in `ROUTES` (legacy issue
    paths count as covered by their organization-prefixed twins, which share the handler)."""
    source = (REPO_ROOT / "crates/faultline-web/src/api/mod.rs").read_text()
    prefixes = {"/api/0/organizations/{org}/issues/{issue_id}", "/api/0/issues/{issue_id}"}
    paths = set(re.findall(r'"(/api/0/[^"]*)"', source)) - prefixes
    suffixes = re.findall(r'format!\("\{prefix\}(/[^"]*)"', source)
    assert suffixes, "the issue sub-resource routes moved: update this guard"
    paths |= {p + s.replace("{{", "{").replace("}}", "}") for p in prefixes for s in suffixes}

    def template(path: str) -> str:
        path = path.split("?")[0].replace(LEGACY_ISSUE, ISSUE).replace("/events/latest/", "/events/{event_id}/")
        return re.sub(r"/tags/[^/{]+/", "/tags/{key}/", path)

    covered = {template(r.path) for r in ROUTES}
    missing = sorted(p for p in paths if template(p) not in covered)
    assert not missing, f"routes without a row in ROUTES: {missing}"


def test_a_key_is_managed_only_through_its_own_project(world, faultline):
    """A key id under another project of the same organization is not found, for any method."""
    key_path = f"/api/0/projects/{ORG}/other/keys/{faultline.key}/"
    assert world.api("PUT", key_path, {"isActive": False}, world.owner_token).status == 404
    assert world.api("DELETE", key_path, None, world.owner_token).status == 404
    keys = world.api("GET", f"/api/0/projects/{ORG}/web/keys/", None, world.owner_token).json()
    assert any(k["id"] == faultline.key and k["isActive"] for k in keys), "the key is untouched"
