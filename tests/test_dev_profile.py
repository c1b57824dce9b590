"""The dev profile: the same Nginx in front of Uvicorn running directly, with reload."""

import os
import time
from pathlib import Path

import pytest

from tests.prometheus_scrape import scrape

pytestmark = pytest.mark.containers

WATCHED = Path(__file__).resolve().parent.parent / "backend/app/api/health.py"


def test_dev_api_is_answered_by_uvicorn_with_reload(dev):
    body = dev.get("/api/health").json()
    assert body["server"] == "uvicorn"
    assert body["reload"] is True  # SERVER_RELOAD: the launcher started `uvicorn --reload`


def test_a_source_change_reloads_the_worker(dev):
    before = dev.get("/api/health").json()["worker_pid"]
    # Touch: the bind-mounted source "changed". Its mtime is not put back: that is a change
    # too, and the second reload it set off ran under the next test (app_workers read 0 while
    # the worker it had counted was shutting down: true, and a flaky test).
    os.utime(WATCHED)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            body = dev.get("/api/health").json()
            if body["worker_pid"] != before:
                break
        except Exception:
            pass  # the worker is restarting
        time.sleep(0.5)
    else:
        pytest.fail(f"worker {before} was not reloaded:\n{dev.logs('app-dev')[-2000:]}")
    assert body["server"] == "uvicorn"


def test_dev_static_site_is_the_same_nginx(dev):
    r = dev.get("/")
    assert r.status_code == 200 and r.headers["server"] == "nginx"


def test_metrics_in_dev_survive_the_reload(dev):
    """Runs after the reload above: the exporter beside `uvicorn --reload` found the old worker
    dead (no hook tells it why), and the new one serves and is counted."""
    before = scrape(dev)
    key = ("app_http_requests_total", (("method", "GET"), ("route", "/api/health"), ("status", "2xx")))
    served_by = {dev.get("/api/health").json()["worker_pid"] for _ in range(5)}
    after = scrape(dev)
    # One worker served throughout: a reload meanwhile would make 0 workers the true count.
    assert served_by == {dev.get("/api/health").json()["worker_pid"]}, dev.logs("app-dev")[-2000:]
    assert after[key] - before.get(key, 0.0) == 5
    assert after[("app_workers", ())] == 1
    assert after[("app_worker_starts_total", ())] >= 2
    assert after.get(("app_worker_exits_total", (("cause", "unknown"),)), 0) >= 1
