import io
import json
import logging

from fastapi.testclient import TestClient

from app.logging import JsonFormatter
from app.main import create_app


def test_request_id_from_nginx_is_echoed(client):
    assert client.get("/api/work/json", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_invalid_request_id_is_replaced(client):
    rid = client.get("/api/work/json", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert rid != "bad id\twith spaces" and len(rid) == 32


def test_access_log_is_one_json_line_with_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("app.access").addHandler(handler)
    try:
        client.get("/api/work/json", headers={"X-Request-ID": "log-me"})
    finally:
        logging.getLogger("app.access").removeHandler(handler)
    (entry,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["request_id"] == "log-me" and entry["logger"] == "app.access"
    assert entry["status"] == 200 and entry["path"] == "/api/work/json" and entry["method"] == "GET"
    assert entry["duration_ms"] >= 0


def test_middleware_can_be_switched_off(settings):
    settings.middleware = False
    with TestClient(create_app(settings)) as c:
        assert "x-request-id" not in c.get("/api/work/json").headers
    logging.getLogger("app.access").disabled = False
