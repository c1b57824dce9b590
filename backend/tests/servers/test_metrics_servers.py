"""Metrics under the real servers, started by the real launcher (``python -m servers ...``) on
this machine: Gunicorn's hooks and uvicorn's pid sweep, workers killed with real signals, the
request counter summed over workers exactly, and exits counted by cause."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

BACKEND = Path(__file__).resolve().parents[2]
N = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp_path: Path, server: str, **env) -> None:
        self.port, self.metrics_port = free_port(), free_port()
        self.dir = tmp_path / "metrics"
        self.dir.mkdir()
        (self.dir / "stale_123.db").write_text("a previous run's file")  # the launcher wipes it
        environ = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # gunicorn, uvicorn
            "PYTHONPATH": str(BACKEND),
            "PROMETHEUS_MULTIPROC_DIR": str(self.dir),
            "APP_DATABASE_PATH": str(tmp_path / "app.db"),
            "APP_ACCESS_LOG": "false",
            "APP_WORKLOADS": "true",
            "APP_PRESTART": f"{sys.executable} -m app.store.migrate",  # the demo's migrations (backend/.env)
            "SERVER_RUN_PRESTART": "true",
            "APP_LOG_LEVEL": "WARNING",
            "SERVER_LOG_LEVEL": "warning",
            "SERVER_HOST": "127.0.0.1",
            "SERVER_PORT": str(self.port),
            "SERVER_METRICS_PORT": str(self.metrics_port),
            "SERVER_MAX_REQUESTS": "0",
            "WEB_CONCURRENCY": "2",
            **env,
        }
        self.proc = subprocess.Popen([sys.executable, "-m", "servers", server], env=environ, cwd=BACKEND,
                                     start_new_session=True)  # fmt: skip
        self.wait_for(lambda: self.sample("app_workers") == int(environ["WEB_CONCURRENCY"]), "workers up")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        finally:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the exporter, and anything left

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                r.read()  # the whole response: the count is written before its last body byte is sent
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def send(self, n: int = N) -> None:
        """n requests, 8 at a time on fresh connections: both workers answer some."""
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(lambda _: self.get("/api/work/json"), range(n))) == {200}

    def samples(self) -> dict[tuple, float]:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for f in text_string_to_metric_families(text) for s in f.samples}  # fmt: skip

    def sample(self, name: str, **labels) -> float:
        try:
            return self.samples().get((name, tuple(sorted(labels.items()))), 0.0)
        except OSError:
            return -1.0  # not serving yet

    def requests(self) -> float:
        return self.sample("app_http_requests_total", route="/api/work/json", method="GET", status="2xx")

    def exits(self, cause: str) -> float:
        return self.sample("app_worker_exits_total", cause=cause)

    def workers(self) -> set[int]:
        """The server's worker processes: its children, but the exporter and helpers."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        pids = set()
        for pid in map(int, children):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"servers.exporter" not in cmdline and b"resource_tracker" not in cmdline:
                pids.add(pid)
        return pids

    @staticmethod
    def wait_for(condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for: {what}"
            time.sleep(0.1)


@pytest.fixture
def start(tmp_path):
    servers = []

    def start(server: str, **env) -> Server:
        servers.append(Server(tmp_path, server, **env))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def kill_one_worker(s: Server) -> None:
    before = s.workers()
    os.kill(min(before), signal.SIGKILL)
    s.wait_for(lambda: len(s.workers()) == 2 and s.workers() != before, "a new worker")
    s.wait_for(lambda: s.sample("app_workers") == 2, "app_workers back to 2")


def test_gunicorn_counts_exactly_across_kill_and_reload(start):
    s = start("gunicorn")
    assert not (s.dir / "stale_123.db").exists()
    base = s.requests()
    s.send()
    assert s.requests() - base == N
    kill_one_worker(s)
    s.wait_for(lambda: s.exits("crash") == 1, "the kill counted by child_exit")  # the sweep may see it first
    s.send()
    assert s.requests() - base == 2 * N
    old = s.workers()
    os.kill(s.proc.pid, signal.SIGHUP)
    s.wait_for(lambda: not (s.workers() & old) and len(s.workers()) == 2, "old workers replaced")
    s.wait_for(lambda: s.exits("reload") == 2, "two reload exits")
    s.wait_for(lambda: s.sample("app_workers") == 2, "the new workers up")
    assert s.sample("app_http_requests_in_progress") == 0
    s.send()
    assert s.requests() - base == 3 * N
    assert s.sample("app_worker_starts_total") == 5  # 2, the replacement, 2 after the reload
    # The histogram, written by the same inlined path: every request in _count and in +Inf.
    labels = {"route": "/api/work/json", "method": "GET"}
    assert s.sample("app_http_request_duration_seconds_count", **labels) == 3 * N
    assert s.sample("app_http_request_duration_seconds_bucket", le="+Inf", **labels) == 3 * N
    assert 0 < s.sample("app_http_request_duration_seconds_sum", **labels) < 3 * N * 1.0


def test_gunicorn_counts_max_requests_and_timeouts(start):
    s = start("gunicorn", WEB_CONCURRENCY="1", SERVER_MAX_REQUESTS="5", SERVER_MAX_REQUESTS_JITTER="0",
              SERVER_TIMEOUT="2", APP_FAULT_INJECTION="true")  # fmt: skip
    sent = 0
    while s.exits("max_requests") < 2:  # uvicorn checks its limit every 0.1 s: it may overshoot
        assert sent < 100, "no worker was recycled"
        assert s.get("/api/work/json") == 200
        sent += 1
        time.sleep(0.02)
    assert s.exits("crash") == 0 and s.requests() == sent
    try:
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{s.port}/api/_fault/hang?seconds=20",
                                                      method="POST"), timeout=15)  # fmt: skip
    except OSError:
        pass  # the worker was killed under the request
    s.wait_for(lambda: s.exits("timeout") == 1, "a timed-out worker")
    assert s.exits("crash") == 0


def test_uvicorn_workers_count_exactly_across_a_kill(start):
    s = start("uvicorn")
    base = s.requests()
    s.send()
    assert s.requests() - base == N
    kill_one_worker(s)
    s.wait_for(lambda: s.exits("unknown") == 1, "the exit counted")  # uvicorn's supervisor says nothing of why
    s.send()
    assert s.requests() - base == 2 * N
    assert s.sample("app_http_requests_in_progress") == 0
