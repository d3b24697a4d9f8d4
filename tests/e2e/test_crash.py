"""Accepted means durable: every event answered 200 survives a `kill -9` of the server.

Many clients send at once, the server is killed with SIGKILL (no draining) the moment the last
answer arrives, and a new server on the same data directory must show every acknowledged event.
"""

import signal
from concurrent.futures import ThreadPoolExecutor

from harness import Server, event_envelope, new_event_id

EVENTS = 2000
CLIENTS = 16


def test_acknowledged_events_survive_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = Server(data_dir).start()
    try:
        project = server.bootstrap("crash")

        def send(i: int):
            event_id = new_event_id()
            event = {"message": f"crash test event {i}", "level": "error", "tags": {"n": str(i)}}
            return event_id, project.post_envelope(event_envelope(event, event_id)).status

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(send, range(EVENTS)))
        server.proc.send_signal(signal.SIGKILL)
        assert server.proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        server.kill()

    acknowledged = [event_id for event_id, status in results if status == 200]
    statuses = sorted({status for _, status in results})
    assert len(acknowledged) == EVENTS, f"only {len(acknowledged)} of {EVENTS} accepted; statuses {statuses}"

    restarted = Server(data_dir).start()
    try:
        project = restarted.bootstrap("crash")  # idempotent: same project, key and token
        missing = [event_id for event_id in acknowledged if project.event_status(event_id) != 200]
        assert not missing, f"{len(missing)} acknowledged events lost, e.g. {missing[:5]}"
    finally:
        code = restarted.stop()
    assert code == 0, f"restarted faultline exited with {code}{restarted.log_tail()}"
