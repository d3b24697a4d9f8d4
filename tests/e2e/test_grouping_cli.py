"""`faultline grouping-info` gives Sentry's primary hash for every shared grouping fixture.

The fixtures are found by glob (`../shared/grouping-fixtures/*.json` without the
`*.expected.json` files), so a new fixture needs no new code here.
"""

import json
import subprocess

import pytest
from pathlib import Path

from harness import CLI_TIMEOUT_SECS, SHARED_DIR, faultline_bin

FIXTURES_DIR = SHARED_DIR / "grouping-fixtures"
# Fixtures whose snapshot predates the grouping behaviour implemented (each with its reason).
OVERRIDES = json.loads((Path(__file__).resolve().parents[2] / "fixtures/grouping/version-overrides.json").read_text())
FIXTURES = sorted(p for p in FIXTURES_DIR.glob("*.json") if not p.name.endswith(".expected.json"))


def grouping_info(*args, stdin=None) -> dict:
    run = subprocess.run(
        [str(faultline_bin()), "grouping-info", *args],
        input=stdin,
        capture_output=True,
        timeout=CLI_TIMEOUT_SECS,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    return json.loads(run.stdout)


def test_fixtures_are_there():
    assert len(FIXTURES) >= 58, f"expected the 58 shared fixtures in {FIXTURES_DIR}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_primary_hash_matches_sentry(fixture):
    expected = json.loads(fixture.with_name(fixture.stem + ".expected.json").read_text())
    expected_hash = OVERRIDES.get(fixture.name, {}).get("primary_hash", expected["primary_hash"])
    info = grouping_info(str(fixture))
    assert info["primary_hash"] == expected_hash, json.dumps(info.get("variants"), indent=1)[:4000]
    assert info["primary_hash"] in info["hashes"]
    config = info["config"]
    assert (config.get("id") if isinstance(config, dict) else config) == expected["grouping_config"]
    assert isinstance(info["variants"], dict) and info["variants"]


def test_reads_the_event_from_stdin():
    fixture = FIXTURES[0]
    expected = json.loads(fixture.with_name(fixture.stem + ".expected.json").read_text())
    assert grouping_info("-", stdin=fixture.read_bytes())["primary_hash"] == expected["primary_hash"]
