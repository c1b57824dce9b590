import io
import json
import logging
import time

from fastapi.testclient import TestClient

from app.main import create_app
from servers import logging as app_logging
from servers.asgi import wrap
from servers.settings import AppSettings


def test_request_id_from_nginx_is_echoed(client):
    assert client.get("/api/work/json", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_invalid_request_id_is_replaced(client):
    rid = client.get("/api/work/json", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert rid != "bad id\twith spaces" and len(rid) == 32


def written_lines(stream: io.StringIO, until: str, timeout: float = 5.0) -> list[dict]:
    """JSON lines the log writer thread has written, once one contains ``until``."""
    deadline = time.monotonic() + timeout
    while until not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert until in stream.getvalue(), f"the log writer never wrote {until!r}"
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_access_log_is_one_json_line_with_request_id(client, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(app_logging._writer, "stream", stream)  # what goes to stdout
    client.get("/api/work/json", headers={"X-Request-ID": "log-me"})
    # Earlier tests' lines may still be in the writer's batch: this request's is the one with its id.
    (entry,) = [e for e in written_lines(stream, until="log-me") if e.get("request_id") == "log-me"]
    assert entry["logger"] == "app.access" and entry["msg"] == "request" and entry["level"] == "info"
    assert entry["status"] == 200 and entry["path"] == "/api/work/json" and entry["method"] == "GET"
    assert entry["duration_ms"] >= 0


def test_middleware_can_be_switched_off(settings, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(app_logging._writer, "stream", stream)
    with TestClient(wrap(create_app(settings), AppSettings(middleware=False))) as c:
        assert "x-request-id" not in c.get("/api/work/json", headers={"X-Request-ID": "off-1"}).headers
        logging.getLogger("app.test").warning("marker-1")  # through the same writer, after the request
    assert not [e for e in written_lines(stream, until="marker-1") if e.get("request_id") == "off-1"]


def test_access_log_can_be_switched_off_alone(settings, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(app_logging._writer, "stream", stream)
    with TestClient(wrap(create_app(settings), AppSettings(access_log=False))) as c:
        assert c.get("/api/work/json", headers={"X-Request-ID": "off-2"}).headers["x-request-id"] == "off-2"
        logging.getLogger("app.test").warning("marker-2")
    assert not [e for e in written_lines(stream, until="marker-2") if e.get("request_id") == "off-2"]
