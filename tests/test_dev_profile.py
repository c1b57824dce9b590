"""The dev profile: the same Nginx in front of Uvicorn running directly, with reload."""

import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.containers

WATCHED = Path(__file__).resolve().parent.parent / "backend/app/api/health.py"


def test_dev_api_is_answered_by_uvicorn_with_reload(dev):
    body = dev.get("/api/health").json()
    assert body["server"] == "uvicorn"
    assert body["environment"] == "dev" and body["reload"] is True


def test_a_source_change_reloads_the_worker(dev):
    before = dev.get("/api/health").json()["worker_pid"]
    stat = WATCHED.stat()
    os.utime(WATCHED, (stat.st_atime, time.time()))  # touch: the bind-mounted source "changed"
    try:
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
    finally:
        os.utime(WATCHED, (stat.st_atime, stat.st_mtime))
    assert body["server"] == "uvicorn"


def test_dev_static_site_is_the_same_nginx(dev):
    r = dev.get("/")
    assert r.status_code == 200 and r.headers["server"] == "nginx"
