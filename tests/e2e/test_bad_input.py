"""Bad input gets the status the spec gives, with a JSON `detail`, and harms nothing else.

Each row sends one good event, the bad request, and another good event: the bad request must
get its status and a JSON error body, the server must still answer `/health`, and both good
events must be readable afterwards.
"""

import uuid

import pytest

from harness import (
    MIB,
    assert_accepted,
    assert_error_response,
    compress,
    envelope,
    event_envelope,
    gzip_bomb,
    item,
    minimal_envelope,
    new_event_id,
    request,
)


def corrupt_gzip(faultline):
    body = bytearray(compress(minimal_envelope(new_event_id()), "gzip"))
    body[12:20] = b"\xff" * 8
    return faultline.post_envelope(bytes(body), headers={"Content-Encoding": "gzip"})


def truncated_envelope(faultline):
    body = b'{"event_id":"%s"}\n{"type":"event","length":100}\n{"message":"cut' % new_event_id().encode()
    return faultline.post_envelope(body)


def wrong_length(faultline):
    payload = b'{"message":"hi"}'
    body = b'{"event_id":"%s"}\n{"type":"event","length":%d}\n%s\n' % (
        new_event_id().encode(),
        len(payload) - 3,
        payload,
    )
    return faultline.post_envelope(body)


def invalid_json_header(faultline):
    return faultline.post_envelope(b'{"event_id": "abc\n{"type":"event"}\n{"message":"hi"}')


def invalid_json_store(faultline):
    headers = {"Content-Type": "application/json", **faultline.web.auth_headers()}
    return request("POST", f"{faultline.url}/api/{faultline.project_id}/store/", b'{"message": "unterminated', headers)


def event_over_1_mib(faultline):
    event = {"message": "too big", "extra": {"blob": "x" * (MIB + 16)}}
    return faultline.post_envelope(event_envelope(event, new_event_id()))


def decompressed_over_limit(faultline):
    return faultline.post_envelope(gzip_bomb(210 * MIB), headers={"Content-Encoding": "gzip"})


def no_auth(faultline):
    return faultline.post_envelope(minimal_envelope(new_event_id()), auth=False)


def two_auth_sources(faultline):
    # Two different keys, so no leniency for identical duplicates can apply.
    return faultline.post_envelope(minimal_envelope(new_event_id()), query=faultline.other.auth_query())


def unknown_key(faultline):
    headers = {"X-Sentry-Auth": f"Sentry sentry_key={uuid.uuid4().hex}, sentry_version=7"}
    return faultline.post_envelope(minimal_envelope(new_event_id()), auth=False, headers=headers)


def key_of_another_project(faultline):
    return faultline.post_envelope(minimal_envelope(new_event_id()), auth=False, headers=faultline.other.auth_headers())


def sentry_version_8(faultline):
    headers = {"X-Sentry-Auth": f"Sentry sentry_key={faultline.key}, sentry_version=8"}
    return faultline.post_envelope(minimal_envelope(new_event_id()), auth=False, headers=headers)


def empty_body(faultline):
    return faultline.post_envelope(b"")


def two_events(faultline):
    body = envelope({"event_id": new_event_id()}, item({"message": "one"}), item({"message": "two"}))
    return faultline.post_envelope(body)


CASES = [
    (empty_body, 400),
    (corrupt_gzip, 400),
    (truncated_envelope, 400),
    (wrong_length, 400),
    (invalid_json_header, 400),
    (invalid_json_store, 400),
    (event_over_1_mib, 413),
    (two_events, 413),
    (decompressed_over_limit, 413),
    (no_auth, 401),
    (two_auth_sources, 401),
    (unknown_key, 403),
    (key_of_another_project, 403),
    (sentry_version_8, 400),
]


def send_good_event(faultline, label: str) -> str:
    event_id = new_event_id()
    body = event_envelope({"message": label, "level": "info"}, event_id)
    assert_accepted(faultline.post_envelope(body), event_id)
    return event_id


@pytest.mark.parametrize("send_bad,status", CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_input_is_answered_and_harmless(faultline, send_bad, status):
    before = send_good_event(faultline, f"before {send_bad.__name__}")
    assert_error_response(send_bad(faultline), status)
    assert request("GET", f"{faultline.url}/health").status == 200
    after = send_good_event(faultline, f"after {send_bad.__name__}")
    for event_id in (before, after):
        assert faultline.get_event(event_id)["eventID"] == event_id


def test_error_details_name_the_auth_problem(faultline):
    """The auth failures carry Relay's detail strings (ingest-protocol.md §2.2)."""
    assert assert_error_response(no_auth(faultline), 401)["detail"] == "missing authorization information"
    assert (
        assert_error_response(two_auth_sources(faultline), 401)["detail"] == "multiple authorization payloads detected"
    )
    assert assert_error_response(sentry_version_8(faultline), 400)["detail"] == "unsupported protocol version (8)"
