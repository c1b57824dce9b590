"""/api through Nginx to Gunicorn's Uvicorn workers: identity, forwarded headers, request ids."""

import json
import subprocess
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

pytestmark = pytest.mark.containers


def test_prod_api_is_answered_by_gunicorn_uvicorn_workers(prod):
    body = prod.get("/api/health").json()
    assert body["server"] == "gunicorn" and body["worker"] == "uvicorn"
    assert body["environment"] == "prod" and body["reload"] is False


def test_gunicorn_runs_one_worker_per_cpu_of_the_container(prod):
    top = prod.run("top", "app").stdout
    workers = [line for line in top.splitlines() if "gunicorn" in line]
    # the compose default gives the app 2 CPUs: one master + 2 workers
    assert len(workers) == 3, top


def gateway_of(stack, network: str) -> str:
    name = f"{stack.project}_{network}"
    out = subprocess.run(["docker", "network", "inspect", name], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]["IPAM"]["Config"][0]["Gateway"]


def test_the_app_sees_the_real_client_address_not_nginx(prod):
    body = prod.get("/api/health").json()
    # Published ports reach Nginx from the frontend network's gateway: that is the client here.
    assert body["client"] == gateway_of(prod, "frontend")
    assert body["scheme"] == "https"


def test_a_client_cannot_spoof_its_address(prod):
    body = prod.get("/api/health", headers={"X-Forwarded-For": "203.0.113.9"}).json()
    assert body["client"] != "203.0.113.9"


def test_request_id_round_trips_to_the_app_log(prod):
    r = prod.get("/api/work/json", headers={"X-Request-ID": "rt-4f2a9c"})
    assert r.headers.get_list("x-request-id") == ["rt-4f2a9c"]
    assert '"request_id": "rt-4f2a9c"' in prod.logs("app")


def test_request_id_is_made_by_nginx_when_missing(prod):
    r = prod.get("/api/work/json")
    (rid,) = r.headers.get_list("x-request-id")
    assert len(rid) == 32 and f'"request_id": "{rid}"' in prod.logs("app")


def test_websocket_echo_through_nginx(prod):
    with connect(f"wss://localhost:{prod.https_port}/api/ws/echo", ssl=prod.ssl_context(), open_timeout=10) as ws:
        ws.send("ping through nginx")
        assert ws.recv(timeout=10) == "ping through nginx"
        ws.send(b"\x00\xff")
        assert ws.recv(timeout=10) == b"\x00\xff"


def test_sse_events_arrive_one_by_one(prod):
    import time

    with prod.client() as c, c.stream("GET", "/api/events", params={"count": 3, "interval_ms": 1000}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        start, arrivals, buffer = time.monotonic(), [], ""
        for chunk in r.iter_text():
            buffer += chunk
            while "\n\n" in buffer:
                event, buffer = buffer.split("\n\n", 1)
                if "event: tick" in event:
                    arrivals.append(time.monotonic() - start)
    assert len(arrivals) == 3
    # Unbuffered: the first event is delivered long before the stream ends (~2 s later).
    assert arrivals[0] < arrivals[2] - 1.0, arrivals


def test_openapi_is_reachable_under_api(prod):
    assert "/api/items" in prod.get("/api/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "path, allow",
    [("/api/items", "GET, POST"), ("/api/items/1", "GET, DELETE"), ("/api/work/json", "GET"), ("/", "GET, HEAD")],
)
def test_trace_is_refused_with_the_allow_header_rfc_9110_requires(prod, path, allow):
    with prod.client() as c:
        r = c.request("TRACE", path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert r.headers["x-content-type-options"] == "nosniff"  # the usual headers too


def test_api_paths_that_look_like_hidden_files_still_reach_the_app(prod):
    # Found by the contract test: /api/items/.x was answered by the static site's hidden-file
    # rule with an HTML 404, not by the app with the JSON error its OpenAPI document promises.
    r = prod.get("/api/items/.env")
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"


def test_a_1_mib_websocket_frame_is_refused_by_the_server_which_keeps_serving(prod):
    # Uvicorn's own ws_max_size (16 MiB) let a message that large into memory before the app's
    # check could refuse it; the server layer passes SERVER_WS_MAX_SIZE (64 KiB) instead.
    url = f"wss://localhost:{prod.https_port}/api/ws/echo"
    with connect(url, ssl=prod.ssl_context(), open_timeout=10, max_size=None) as ws:
        ws.send(b"\0" * (1024 * 1024))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    frame = closed.value.rcvd
    assert frame is not None and frame.code == 1009, closed.value
    # Refused by the server, before the app: the demo's own check closes with "message over N bytes".
    assert not frame.reason.startswith("message over"), frame.reason
    with connect(url, ssl=prod.ssl_context(), open_timeout=10) as ws:
        ws.send("x" * 60_000)  # under the limit: echoed
        assert ws.recv(timeout=10) == "x" * 60_000
    assert prod.get("/api/health").status_code == 200


def test_an_open_websocket_holds_an_old_worker_at_most_30_s_after_a_reload(prod):
    # worker_shutdown_timeout (nginx.conf): without it a WebSocket kept the old worker, with its
    # memory and its old config, alive for as long as the client stayed (75 s per idle gap).
    url = f"wss://localhost:{prod.https_port}/api/ws/echo"
    with connect(url, ssl=prod.ssl_context(), open_timeout=10) as ws:
        ws.send("before")
        assert ws.recv(timeout=10) == "before"
        prod.run("exec", "-T", "nginx", "nginx", "-s", "reload")
        start = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - start < 50:  # in use all along: no idle timeout applies
                ws.send("still here")
                assert ws.recv(timeout=10) == "still here"
                time.sleep(1)
        took = time.monotonic() - start
    assert 25 <= took <= 40, took
    with connect(url, ssl=prod.ssl_context(), open_timeout=10) as ws:  # the new workers serve
        ws.send("after")
        assert ws.recv(timeout=10) == "after"
