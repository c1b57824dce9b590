"""The metrics middleware and store timing, in-process (the default registry: no multiprocess
directory here). Values are global to the process, so every assertion is on a difference."""

import logging

import pytest
from prometheus_client import REGISTRY

from servers import logging as app_logging
from servers.asgi import wrap
from servers.middleware.metrics import UNMATCHED, status_class
from servers.settings import AppSettings


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests(route: str, method: str = "GET", status: str = "2xx") -> float:
    return sample("app_http_requests_total", route=route, method=method, status=status)


def test_requests_are_labelled_by_route_template_never_the_raw_path(client):
    before = requests("/api/items/{item_id}", status="4xx")
    for item_id in (101, 102, 103):
        assert client.get(f"/api/items/{item_id}").status_code == 404
    assert requests("/api/items/{item_id}", status="4xx") - before == 3
    exposed = {s.labels.get("route") for m in REGISTRY.collect() for s in m.samples}
    assert not any(str(r).startswith("/api/items/1") for r in exposed)


def test_status_class_method_and_latency(client):
    before = requests("/api/items", method="POST", status="2xx")
    count = sample("app_http_request_duration_seconds_count", route="/api/items", method="POST")
    assert client.post("/api/items", json={"name": "a"}).status_code == 201
    assert client.post("/api/items", json={}).status_code == 422
    assert requests("/api/items", method="POST", status="2xx") - before == 1
    assert requests("/api/items", method="POST", status="4xx") >= 1
    assert sample("app_http_request_duration_seconds_count", route="/api/items", method="POST") - count == 2
    # The +Inf bucket holds every observation: the fast path fills buckets as the library would.
    inf = sample("app_http_request_duration_seconds_bucket", route="/api/items", method="POST", le="+Inf")
    assert inf == sample("app_http_request_duration_seconds_count", route="/api/items", method="POST")


def test_unmatched_paths_collapse_to_one_label(client):
    before = requests(UNMATCHED, status="4xx")
    for path in ("/nope", "/api/nope/1", "/wp-login.php", "/api/items/1/extra"):
        assert client.get(path).status_code == 404
    assert requests(UNMATCHED, status="4xx") - before == 4


def test_a_wrong_method_keeps_the_route_and_an_unknown_method_is_other(client):
    before = requests("/api/items", method="PUT", status="4xx")
    assert client.put("/api/items").status_code == 405
    assert requests("/api/items", method="PUT", status="4xx") - before == 1
    other = requests("/api/items", method="other", status="4xx")
    assert client.request("BREW", "/api/items").status_code == 405
    assert requests("/api/items", method="other", status="4xx") - other == 1


def test_in_progress_returns_to_zero(client):
    client.get("/api/work/json")
    assert sample("app_http_requests_in_progress") == 0  # written as the request ends, not published later


def test_an_unhandled_error_counts_as_5xx(settings):
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from app.main import create_app  # noqa: PLC0415

    app = create_app(settings)

    @app.get("/api/boom")
    async def boom():
        raise RuntimeError("boom")

    before = requests("/api/boom", status="5xx")
    with TestClient(wrap(app, AppSettings()), raise_server_exceptions=False) as c:
        assert c.get("/api/boom").status_code == 500
        # While the worker serves: its shutdown (worker_stopping) would zero a leaked count.
        assert sample("app_http_requests_in_progress") == 0
    assert requests("/api/boom", status="5xx") - before == 1


@pytest.mark.parametrize(("status", "label"), [(200, "2xx"), (204, "2xx"), (308, "3xx"), (429, "4xx"), (503, "5xx")])
def test_status_class(status, label):
    assert status_class(status) == label


def test_store_operations_are_counted_and_timed(client):
    ok = sample("app_store_operations_total", operation="get", outcome="ok")
    timed = sample("app_store_operation_duration_seconds_count", operation="get")
    item = client.post("/api/items", json={"name": "s"}).json()
    client.get(f"/api/items/{item['id']}")
    client.get("/api/items/999999")  # a miss is a successful store call
    assert sample("app_store_operations_total", operation="get", outcome="ok") - ok == 2
    assert sample("app_store_operation_duration_seconds_count", operation="get") - timed == 2
    assert sample("app_store_operations_total", operation="add", outcome="ok") >= 1


def test_worker_start_is_counted(settings):
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from app.main import create_app  # noqa: PLC0415

    before = sample("app_worker_starts_total")
    with TestClient(wrap(create_app(settings), AppSettings())):
        assert sample("app_workers") == 1
    assert sample("app_worker_starts_total") - before == 1
    assert sample("app_workers") == 0


def test_dropped_log_lines_are_counted(client, monkeypatch):
    before = sample("app_log_lines_dropped_total")
    monkeypatch.setattr(app_logging._writer.q, "maxsize", 0)  # every line is dropped now
    logging.getLogger("app.test").warning("dropped")
    logging.getLogger("app.test").warning("dropped too")
    assert sample("app_log_lines_dropped_total") - before == 2


def test_metrics_off_adds_nothing(settings, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from app.main import create_app  # noqa: PLC0415
    from app.store_metrics import InstrumentedRepository  # noqa: PLC0415

    monkeypatch.setenv("APP_METRICS", "false")
    before = requests("/api/work/json")
    demo = create_app(settings)
    with TestClient(wrap(demo, AppSettings())) as c:
        c.get("/api/work/json")
        assert not isinstance(demo.state.items, InstrumentedRepository)
    assert requests("/api/work/json") == before


def test_the_public_app_has_no_metrics_route(client):
    assert client.get("/api/metrics").status_code == 404
    assert client.get("/metrics").status_code == 404


def test_in_progress_counts_a_request_until_its_body_ends_with_no_publisher_task():
    import asyncio  # noqa: PLC0415

    from servers.middleware.observe import Observer  # noqa: PLC0415

    async def streaming(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await release.wait()
        await send({"type": "http.response.body", "body": b"b"})

    async def sent(message):
        pass

    async def receive():
        return {"type": "http.request", "body": b""}

    async def scenario():
        nonlocal release
        release = asyncio.Event()
        base = sample("app_http_requests_in_progress")
        observer = Observer(streaming, request_id=False, access_log=False, metrics=True)
        tasks = len(asyncio.all_tasks())
        request = asyncio.create_task(observer({"type": "http", "method": "GET"}, receive, sent))
        await asyncio.sleep(0)
        assert sample("app_http_requests_in_progress") == base + 1  # the gauge itself, at once
        assert len(asyncio.all_tasks()) == tasks + 1  # the request's own: nothing to wake an idle worker
        release.set()
        await request
        assert sample("app_http_requests_in_progress") == base

    release = None
    before = requests(UNMATCHED)
    asyncio.run(scenario())
    assert requests(UNMATCHED) - before == 1
