"""Per-project data-scrubbing settings (`faultline scrub-settings`, the same code the API's
project update runs): IP scrubbing, extra sensitive fields, safe fields, defaults off and
scrubbing off, each on its own fresh project so no cached settings are in the way. Events are
sent with the real sentry-python SDK.
"""

import json
import subprocess

import pytest
import sentry_sdk

from harness import CLI_TIMEOUT_SECS, faultline_bin

FILTERED = "[Filtered]"
FLUSH_TIMEOUT_SECS = 10
IP = "203.0.113.77"


def scrub_settings(faultline, project, *args) -> dict:
    cmd = [str(faultline_bin()), "scrub-settings", "--data-dir", str(faultline.server.data_dir)]
    cmd += ["--org", project.org, "--project", project.slug, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def send(project) -> dict:
    """Sends one message event with secrets, a user IP and a PIN; returns it as the API has it."""
    sentry_sdk.init(dsn=project.dsn, default_integrations=False, send_client_reports=False, send_default_pii=True)
    try:
        with sentry_sdk.new_scope() as scope:
            scope.set_user({"id": "u-9", "ip_address": IP})
            scope.set_extra("db_password", "pw-settings-1")
            scope.set_extra("account_pin", "4321")
            scope.set_extra("session_id", "sess-settings-1")
            scope.set_extra("note", "card 4111111111111111")
            event_id = sentry_sdk.capture_message("settings check")
        sentry_sdk.flush(timeout=FLUSH_TIMEOUT_SECS)
    finally:
        sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT_SECS)
    return project.get_event(event_id)


@pytest.fixture
def fresh_project(faultline, request):
    return faultline.server.bootstrap(f"scrub-{request.node.name[5:40].replace('_', '-')}")


def test_defaults_keep_the_ip_and_filter_the_defaults(faultline, fresh_project):
    assert scrub_settings(faultline, fresh_project) == {
        "dataScrubber": True,
        "dataScrubberDefaults": True,
        "scrubIPAddresses": False,
        "sensitiveFields": [],
        "safeFields": [],
    }
    event = send(fresh_project)
    assert event["user"]["ip_address"] == IP
    assert event["context"]["db_password"] == FILTERED
    assert event["context"]["session_id"] == FILTERED
    assert event["context"]["account_pin"] == "4321"
    assert event["context"]["note"] == f"card {FILTERED}"


def test_ip_scrubbing_extra_sensitive_and_safe_fields(faultline, fresh_project):
    settings = scrub_settings(
        faultline, fresh_project, "--scrub-ip-addresses", "true", "--sensitive-fields", "pin", "--safe-fields", "session_id"
    )
    assert settings["scrubIPAddresses"] is True and settings["sensitiveFields"] == ["pin"]
    event = send(fresh_project)
    assert not (event.get("user") or {}).get("ip_address")
    assert IP not in json.dumps(event)
    assert event["context"]["account_pin"] == FILTERED
    assert event["context"]["session_id"] == "sess-settings-1"
    assert event["context"]["db_password"] == FILTERED


def test_defaults_off_keeps_only_the_projects_own_fields(faultline, fresh_project):
    scrub_settings(faultline, fresh_project, "--defaults", "false", "--sensitive-fields", "pin")
    event = send(fresh_project)
    assert event["context"]["db_password"] == "pw-settings-1"
    assert event["context"]["note"] == "card 4111111111111111"
    assert event["context"]["account_pin"] == FILTERED


def test_scrubbing_off_stores_the_event_as_sent(faultline, fresh_project):
    scrub_settings(faultline, fresh_project, "--enabled", "false")
    event = send(fresh_project)
    assert event["context"]["db_password"] == "pw-settings-1"
    assert event["context"]["session_id"] == "sess-settings-1"


def test_a_bad_setting_is_refused(faultline):
    cmd = [str(faultline_bin()), "scrub-settings", "--data-dir", str(faultline.server.data_dir)]
    cmd += ["--org", faultline.org, "--project", "no-such-project"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECS, stdin=subprocess.DEVNULL)
    assert out.returncode != 0
    assert "no project" in out.stderr
