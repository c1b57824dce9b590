import pytest
from starlette.websockets import WebSocketDisconnect


def test_websocket_echoes_text_and_bytes(client):
    with client.websocket_connect("/api/ws/echo") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01"


def test_websocket_message_over_limit_closes_1009(client):
    with client.websocket_connect("/api/ws/echo") as ws:
        ws.send_text("x" * 65)  # limit is 64 in the test settings
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1009


def test_sse_streams_count_events(client):
    with client.stream("GET", "/api/events", params={"count": 3, "interval_ms": 0}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    assert body.count("event: tick") == 3
    assert 'data: {"seq": 3, "of": 3}' in body


@pytest.mark.parametrize("params", [{"count": 0}, {"count": 101}, {"interval_ms": 1001}])
def test_sse_bounds_are_422(client, params):
    assert client.get("/api/events", params=params).status_code == 422
