"""The log queue is bounded: a stalled stdout drops and counts lines instead of growing memory."""

import io
import json
import threading
import time

import pytest

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
    q.put((time.time(), None, "GET", "/0", 200, 0.001, None))  # an access line
    assert stream.writing.wait(5)  # the writer is stuck in write(): nothing drains the queue now
    for n in range(1, 21):
        q.put((time.time(), None, "GET", f"/{n}", 200, 0.001, None))
    assert q.dropped == 15  # 5 queued, the rest counted, memory bounded
    stream.release.set()
    deadline = time.monotonic() + 5
    while "log queue full" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    kept = [int(line["path"][1:]) for line in lines if "path" in line]
    (warning,) = [line for line in lines if line["msg"] == "log queue full: lines dropped"]
    assert kept == [0, 1, 2, 3, 4, 5]
    assert warning["level"] == "warning" and warning["dropped"] == 15 and warning["queue_max"] == 5


def test_health_reports_the_dropped_count(client, monkeypatch):
    monkeypatch.setattr(app_logging._writer.q, "dropped", 7)
    monkeypatch.setattr(app_logging._writer.q, "reported", 7)
    assert client.get("/api/health").json()["log_lines_dropped"] == 7


@pytest.mark.parametrize(
    ("rid", "method", "path", "status", "seconds", "client"),
    [
        ("0123abcd", "GET", "/api/items/1", 200, 0.0123456, "10.0.0.2"),
        (None, "POST", '/a "quoted"\\path\n\x00', 404, 12.0, None),
        ("r", "BREW", "/caf\u00e9/\u2603/\U0001f600", 599, 0.0, "::1"),
        ("", "GET", "/", 200, 1e-9, "unix"),
    ],
)
def test_the_access_line_is_the_json_of_its_entry(rid, method, path, status, seconds, client):
    """The writer's direct line for an access entry has the very bytes of encoding the entry."""
    f, t = JsonFormatter(), 1_790_000_000.125
    fields = {"method": method, "path": path, "status": status, "duration_ms": round(seconds * 1000, 2),
              "client": client}  # fmt: skip
    expected = app_logging._encode(f._entry(t, "info", "app.access", "request", rid, fields))
    assert f.format_access(t, rid, method, path, status, seconds, client) == expected


def test_an_access_line_with_an_unusual_status_type_is_still_its_json():
    from http import HTTPStatus  # noqa: PLC0415

    line = JsonFormatter().format_access(0.0, None, "GET", "/", HTTPStatus.OK, 0.001, None)
    assert json.loads(line)["status"] == 200
