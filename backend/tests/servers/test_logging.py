"""The log queue is bounded: a stalled stdout drops and counts lines instead of growing memory."""

import io
import json
import threading
import time

from servers import logging as app_logging
from servers.logging import JsonFormatter, _BatchWriter, _BoundedQueue


class _StalledStream(io.StringIO):
    """stdout that blocks every write until released (a log shipper that stopped reading)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.writing = threading.Event()

    def write(self, text: str) -> int:
        self.writing.set()
        self.release.wait(10)
        return super().write(text)


def test_a_full_queue_drops_and_counts_then_warns_once_drained():
    q = _BoundedQueue(maxsize=5)
    stream = _StalledStream()
    writer = _BatchWriter(q, stream, JsonFormatter())
    writer.start()
    q.put((time.time(), None, {"n": 0}))
    assert stream.writing.wait(5)  # the writer is stuck in write(): nothing drains the queue now
    for n in range(1, 21):
        q.put((time.time(), None, {"n": n}))
    assert q.dropped == 15  # 5 queued, the rest counted, memory bounded
    stream.release.set()
    deadline = time.monotonic() + 5
    while "log queue full" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    kept = [line["n"] for line in lines if "n" in line]
    (warning,) = [line for line in lines if line["msg"] == "log queue full: lines dropped"]
    assert kept == [0, 1, 2, 3, 4, 5]
    assert warning["level"] == "warning" and warning["dropped"] == 15 and warning["queue_max"] == 5


def test_health_reports_the_dropped_count(client, monkeypatch):
    monkeypatch.setattr(app_logging._writer.q, "dropped", 7)
    monkeypatch.setattr(app_logging._writer.q, "reported", 7)
    assert client.get("/api/health").json()["log_lines_dropped"] == 7
