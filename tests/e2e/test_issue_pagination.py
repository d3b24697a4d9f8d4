"""Cursor pagination of the issue list while issues are being created.

50 issues exist when the walk starts; a thread keeps creating new ones while the test follows
`rel="next"` links page by page (10 per page, in every sort order). Every issue that existed
at the start must be seen exactly once, no issue twice, and the last page must say
`results="false"`.
"""

import re
import threading
import time
from urllib.parse import urlsplit

import pytest

from harness import event_envelope, new_event_id

SEEDED = 50
PAGE = 10
# Issues one walk creates at most (so that all issues always fit one 100-issue snapshot page).
CREATED_MAX = 10
LINK_RE = re.compile(r'<([^>]+)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]*)"')


def create_issue(faultline, name: str):
    event_id = new_event_id()
    body = event_envelope({"message": name, "fingerprint": [name], "level": "error"}, event_id=event_id)
    resp = faultline.post_envelope(body)
    assert resp.status == 200, resp.describe()


def links(resp) -> dict:
    header = resp.header("Link")
    assert header, "an issue page carries a Link header"
    return {rel: (url, results == "true", cursor) for url, rel, results, cursor in LINK_RE.findall(header)}


def all_titles(faultline) -> set:
    """Every issue title now, from one big page (fewer than 100 issues exist here)."""
    resp = faultline.web.api_get(f"/api/0/projects/{faultline.org}/web/issues/?limit=100&query=")
    assert resp.status == 200, resp.describe()
    assert links(resp)["next"][1] is False
    return {issue["title"] for issue in resp.json()}


@pytest.fixture(scope="module")
def seeded(faultline):
    for n in range(SEEDED):
        create_issue(faultline, f"seeded issue {n}")
        time.sleep(0.002)  # distinct last_seen values are not needed, but make orders readable
    return faultline


@pytest.mark.parametrize("sort", ["date", "new", "freq", "user"])
def test_walking_next_visits_every_issue_once_while_issues_are_created(seeded, sort):
    stop = threading.Event()
    created = []

    def keep_creating():
        n = 0
        while not stop.is_set() and n < CREATED_MAX:
            name = f"concurrent {sort} {n}"
            create_issue(seeded, name)
            created.append(name)
            n += 1
            time.sleep(0.01)

    writer = threading.Thread(target=keep_creating, daemon=True)
    before = all_titles(seeded)
    path = f"/api/0/projects/{seeded.org}/web/issues/?limit={PAGE}&sort={sort}&query="
    first = seeded.web.api_get(path)
    assert first.status == 200, first.describe()
    existing = {issue["title"] for issue in first.json()}
    seen = [issue["title"] for issue in first.json()]
    writer.start()
    try:
        resp, pages = first, 1
        while True:
            url, more, cursor = links(resp)["next"]
            if not more:
                break
            parts = urlsplit(url)
            resp = seeded.web.api_get(f"{parts.path}?{parts.query}")
            assert resp.status == 200, resp.describe()
            page = [issue["title"] for issue in resp.json()]
            assert 0 < len(page) <= PAGE
            seen += page
            pages += 1
            assert pages < 100, "the walk does not end"
            time.sleep(0.05)  # give the writer time to create issues between pages
    finally:
        stop.set()
        writer.join()
    assert created, "issues were created during the walk"
    assert len(seen) == len(set(seen)), f"an issue was listed twice: {sorted(t for t in seen if seen.count(t) > 1)}"
    seeded_titles = {f"seeded issue {n}" for n in range(SEEDED)}
    assert seeded_titles <= set(seen), f"missed: {sorted(seeded_titles - set(seen))}"
    assert existing <= set(seen)
    assert before <= set(seen), f"missed: {sorted(before - set(seen))}"
    # The last page says there is no next page; previous of the first page says there is none either.
    assert links(first)["previous"][1] is False
