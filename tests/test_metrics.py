"""App metrics against the real prod profile: Nginx -> Gunicorn with 2 Uvicorn workers, and the
same with `uvicorn --workers 2` (APP_SERVER=uvicorn, the comparison topology).

The request counter summed over workers grows by exactly the number of requests sent through
Nginx, spread over both workers, before and after a worker is SIGKILLed and after a reload
(SIGHUP to the server, PID 1); the exits are counted by cause (Gunicorn's hook knows it;
uvicorn's supervisor tells nobody, so the exporter counts them as `unknown`). Metrics are scraped the way Prometheus
does, from the backend network (a request from the Nginx container to app:9100), and are not
served on the public side.
"""

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from loadtest.bundle.paths import ROOT
from loadtest.resilience.matrix import RATELIMIT_EXEMPT_DIR
from tests.conftest import start_stack
from tests.prometheus_scrape import exec_in, scrape

pytestmark = pytest.mark.containers

N = 120
ROUTE = "/api/health"  # answers with the worker's pid: proof that both workers served

# server -> the exits a kill and then a reload leave, by cause
EXITS = {"gunicorn": ({"crash": 1}, {"crash": 1, "reload": 2}), "uvicorn": ({"unknown": 1}, {"unknown": 3})}


@pytest.fixture(scope="module", params=list(EXITS))
def stack(request, certs, reports_dir, tmp_path_factory):
    s = start_stack("prod", certs, reports_dir, tmp_path_factory, WEB_CONCURRENCY="2", APP_SERVER=request.param,
                    RATELIMIT_EXEMPT_DIR=RATELIMIT_EXEMPT_DIR)  # fmt: skip
    s.server = request.param
    yield s
    s.stop()


def sample(stack, name: str, **labels) -> float:
    return scrape(stack).get((name, tuple(sorted(labels.items()))), 0.0)


def served(stack) -> float:
    return sample(stack, "app_http_requests_total", route=ROUTE, method="GET", status="2xx")


def send(stack, n: int = N) -> set[int]:
    """n requests through Nginx, 16 at a time; returns the worker pids that answered."""
    with stack.client() as c, ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda _: c.get(ROUTE), range(n)))
    assert [r.status_code for r in responses] == [200] * n
    return {r.json()["worker_pid"] for r in responses}


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.5)


# Nginx renews each cached upstream connection after this long: until then a worker that
# replaced another may get none of them (the survivor accepted the replacements first).
UPSTREAM_CONF = (ROOT / "nginx/conf.d/upstream.conf").read_text()
UPSTREAM_KEEPALIVE_TIME = int(re.search(r"keepalive_time (\d+)s;", UPSTREAM_CONF)[1])


def exact_round(stack) -> set[int]:
    """N requests at a time until both workers have answered, for at most twice the upstream
    connections' keepalive_time plus 10 s (on a busy machine one worker can take a whole batch,
    and a replacement worker gets connections as cached ones are renewed); the summed counter
    must grow by exactly the number sent."""
    before, pids, sent = served(stack), set(), 0
    deadline = time.monotonic() + 2 * UPSTREAM_KEEPALIVE_TIME + 10
    while len(pids) < 2 and (not sent or time.monotonic() < deadline):
        pids |= send(stack)
        sent += N
    assert served(stack) - before == sent, f"the counter summed over workers must grow by exactly {sent}"
    assert len(pids) == 2, f"both workers should have answered within {sent} requests, got {pids}"
    return pids


def exits(stack) -> dict[str, float]:
    return {dict(k[1])["cause"]: v for k, v in scrape(stack).items() if k[0] == "app_worker_exits_total" and v}


def test_exact_counts_across_kill_and_reload(stack):
    after_kill_exits, after_reload_exits = EXITS[stack.server]
    wait_for(lambda: sample(stack, "app_workers") == 2, "2 workers serving")
    pids = exact_round(stack)

    exec_in(stack, "app", "sh", "-c", f"kill -KILL {min(pids)}")
    wait_for(lambda: exits(stack) == after_kill_exits, f"the kill counted: {after_kill_exits}")
    wait_for(lambda: sample(stack, "app_workers") == 2, "a replacement worker")
    after_kill = exact_round(stack)
    assert min(pids) not in after_kill

    exec_in(stack, "app", "sh", "-c", "kill -HUP 1")  # the server is PID 1: both reload on SIGHUP
    wait_for(lambda: exits(stack) == after_reload_exits, f"both old workers gone: {after_reload_exits}")
    wait_for(lambda: sample(stack, "app_workers") == 2, "2 new workers")
    after_reload = exact_round(stack)
    assert not after_reload & after_kill

    samples = scrape(stack)
    assert samples[("app_worker_starts_total", ())] == 5  # 2, 1 replacement, 2 after the reload
    assert samples[("app_http_requests_in_progress", ())] >= 0


def test_metrics_are_not_public(stack):
    for path in ("/metrics", "/api/metrics"):
        assert stack.get(path).status_code == 404, path
    app = stack.inspect("app")
    assert not any(app["NetworkSettings"]["Ports"].get(p) for p in ("9100/tcp",))
    assert set(app["NetworkSettings"]["Networks"]) == {f"{stack.project}_backend"}
    out = subprocess.run(["docker", "network", "inspect", f"{stack.project}_backend"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert json.loads(out)[0]["Internal"] is True


def test_store_and_routes_are_labelled(stack):
    with stack.client() as c:
        item = c.post("/api/items", json={"name": "metrics"}).json()
        assert c.get(f"/api/items/{item['id']}").status_code == 200
        assert c.get("/api/items/999999999").status_code == 404
    samples = scrape(stack)
    routes = {dict(k[1]).get("route") for k in samples if k[0] == "app_http_requests_total"}
    assert "/api/items/{item_id}" in routes and not any(r and r[-1].isdigit() for r in routes), routes
    assert samples[("app_store_operations_total", (("operation", "get"), ("outcome", "ok")))] >= 2
    assert samples[("app_store_operation_duration_seconds_count", (("operation", "add"),))] >= 1
