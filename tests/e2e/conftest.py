"""Fixtures of the end-to-end suite: a fresh faultline server per test module.

Each module gets its own server and data directory (modules do not share issues or rate-limit
windows), bootstrapped with org `acme`, project `web` (the one most tests use) and project
`other` (for cross-project key checks). The server is stopped with SIGTERM at the end of the
module, and a non-zero exit code fails the module.
"""

import itertools

import pytest

from harness import Project, RecordingProxy, Server

_limited_names = itertools.count(1)


class Faultline:
    """What a test gets: the running server, its two projects and a way to make more.

    The attributes of project `web` are repeated at the top (`dsn`, `key`, `project_id`,
    `token`, `get_event`, `issues`, ...), so most tests read `faultline.dsn` directly.
    """

    def __init__(self, server: Server):
        self.server = server
        self.web: Project = server.bootstrap("web")
        self.other: Project = server.bootstrap("other")

    url = property(lambda self: self.server.url)
    dsn = property(lambda self: self.web.dsn)
    key = property(lambda self: self.web.key)
    project_id = property(lambda self: self.web.project_id)
    token = property(lambda self: self.web.token)
    org = property(lambda self: self.web.org)

    def get_event(self, event_id: str, **kw) -> dict:
        return self.web.get_event(event_id, **kw)

    def issues(self) -> list:
        return self.web.issues()

    def issue(self, issue_id: str) -> dict:
        return self.web.issue(issue_id)

    def post_envelope(self, body: bytes, **kw):
        return self.web.post_envelope(body, **kw)

    def limited_project(self, rate_limit: str = "2/60") -> Project:
        """Bootstraps a fresh project whose key is rate limited (`COUNT/WINDOW_SECS`)."""
        return self.server.bootstrap(f"limited-{next(_limited_names)}", rate_limit=rate_limit)


@pytest.fixture(scope="module")
def faultline(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("faultline-data")).start()
    try:
        yield Faultline(server)
    finally:
        code = server.stop()
    assert code == 0, f"faultline exited with {code} after SIGTERM{server.log_tail()}"


@pytest.fixture(scope="module")
def proxy(faultline):
    """A recording TCP forwarder in front of the module's server."""
    tap = RecordingProxy(faultline.server.port)
    yield tap
    tap.close()
