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


def test_an_apps_own_request_id_header_is_replaced_by_the_requests():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"X-Request-ID", b"app-made")]})
        await send({"type": "http.response.body", "body": b"ok"})

    r = TestClient(wrap(app, AppSettings(metrics=False))).get("/", headers={"X-Request-ID": "from-nginx"})
    assert r.headers.get_list("x-request-id") == ["from-nginx"]


def test_a_draining_worker_sends_the_request_id_and_connection_close(client):
    from servers.middleware import drain  # noqa: PLC0415

    drain.state.draining = True
    try:
        r = client.get("/api/work/json", headers={"X-Request-ID": "drain-1"})
    finally:
        drain.state.draining = False
    assert r.headers["x-request-id"] == "drain-1" and r.headers["connection"] == "close"


def test_the_access_log_line_of_a_streamed_response_times_its_last_body_byte(monkeypatch):
    import asyncio  # noqa: PLC0415

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 206, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b"b"})
        await asyncio.sleep(0.3)  # after the response: a background task's time is not the request's

    stream = io.StringIO()
    monkeypatch.setattr(app_logging._writer, "stream", stream)
    c = TestClient(wrap(app, AppSettings(metrics=False)))  # no `with`: this app has no lifespan
    assert c.get("/s", headers={"X-Request-ID": "stream-1"}).status_code == 206
    (entry,) = [e for e in written_lines(stream, until="stream-1") if e.get("request_id") == "stream-1"]
    assert entry["status"] == 206 and 50 <= entry["duration_ms"] < 300


def test_an_app_that_raises_before_responding_is_logged_as_500(monkeypatch):
    async def app(scope, receive, send):
        raise RuntimeError("boom")

    stream = io.StringIO()
    monkeypatch.setattr(app_logging._writer, "stream", stream)
    c = TestClient(wrap(app, AppSettings(metrics=False)), raise_server_exceptions=False)
    assert c.get("/b", headers={"X-Request-ID": "boom-1"}).status_code == 500
    (entry,) = [e for e in written_lines(stream, until="boom-1") if e.get("request_id") == "boom-1"]
    assert entry["status"] == 500 and entry["path"] == "/b"
