"""The multiprocess directory kept right as processes die: real processes writing real metric
files, killed with real signals, scraped over HTTP from the real exporter process."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from servers.metrics import multiprocess

BACKEND = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent("""
    import sys, time
    from servers.metrics import instruments as m
    m.WORKERS.set(1)
    m.IN_PROGRESS.inc()  # a request in progress when the worker dies
    m.REQUESTS.labels("/api/x", "GET", "2xx").inc(5)
    if sys.argv[1] == "max_requests":
        m.WORKER_EXITS.labels("max_requests").inc()
    print("ready", flush=True)
    if sys.argv[1] != "exit":
        time.sleep(3600)
""")


def metrics_env(path: Path, **extra) -> dict:
    return {**os.environ, multiprocess.ENV: str(path), "PYTHONPATH": str(BACKEND), **extra}


def start_worker(path: Path, how: str = "serve") -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, how], env=metrics_env(path), stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def exporter(tmp_path):
    """Start ``python -m servers.exporter <mode>`` on tmp_path; returns a scrape function."""
    started = []

    def start(mode: str):
        port = free_port()
        env = metrics_env(tmp_path, SERVER_HOST="127.0.0.1", SERVER_METRICS_PORT=str(port))
        started.append(subprocess.Popen([sys.executable, "-m", "servers.exporter", mode], env=env, cwd=BACKEND))
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the exporter did not answer"
                time.sleep(0.1)
        return lambda: scrape(port)

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


def scrape(port: int) -> dict[tuple, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    families = text_string_to_metric_families(text)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_killed_worker_leaves_its_counts_but_not_its_live_gauges(tmp_path, exporter):
    scrape = exporter("sweep")  # uvicorn --workers and --reload: no hook tells of a dead worker
    a, b = start_worker(tmp_path), start_worker(tmp_path)
    try:
        before = scrape()
        assert value(before, "app_workers") == 2 and value(before, "app_http_requests_in_progress") == 2
        b.send_signal(signal.SIGKILL)
        b.wait()  # reaped, as a supervisor would
        after = scrape()
        assert value(after, "app_workers") == 1
        assert value(after, "app_http_requests_in_progress") == 1  # the dead worker's request is gone
        assert value(after, "app_http_requests_total", route="/api/x", method="GET", status="2xx") == 10
        assert value(after, "app_worker_exits_total", cause="unknown") == 1
        again = scrape()  # a dead worker is counted once
        assert value(again, "app_worker_exits_total", cause="unknown") == 1
    finally:
        a.kill()
        a.wait()


def test_a_zombie_counts_as_dead(tmp_path):
    worker = start_worker(tmp_path)
    worker.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 5
    while multiprocess.alive(worker.pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # not reaped: a zombie until wait()
    assert not multiprocess.alive(worker.pid)
    assert multiprocess.sweep(str(tmp_path), count_exits=False) == [worker.pid]
    worker.wait()
    assert multiprocess.alive(os.getpid())


def test_without_exit_counting_the_sweep_only_cleans(tmp_path, exporter):
    scrape = exporter("hooks")  # Gunicorn: its child_exit hook counts exits
    worker = start_worker(tmp_path)
    worker.kill()
    worker.wait()
    samples = scrape()
    assert value(samples, "app_workers") == 0
    assert not any(name == "app_worker_exits_total" for name, _ in samples)


def test_an_exit_the_worker_counted_itself_is_not_counted_again(tmp_path, exporter):
    scrape = exporter("hooks")
    worker, other = start_worker(tmp_path, "max_requests"), start_worker(tmp_path)
    for proc in (worker, other):
        proc.kill()
        proc.wait()
    # What Gunicorn's child_exit runs in its master (a process writing its own metric files).
    record = "from servers.metrics import multiprocess as mp; import sys; mp.record_exit(sys.argv[1], int(sys.argv[2]), 'crash')"  # noqa: E501
    for proc in (worker, other):
        subprocess.run(
            [sys.executable, "-c", record, str(tmp_path), str(proc.pid)], env=metrics_env(tmp_path), check=True
        )
    samples = scrape()
    assert value(samples, "app_worker_exits_total", cause="max_requests") == 1
    assert value(samples, "app_worker_exits_total", cause="crash") == 1  # the other one


def test_wipe_empties_the_directory_but_keeps_it(tmp_path):
    worker = start_worker(tmp_path, "exit")
    worker.wait()
    assert list(tmp_path.iterdir())
    multiprocess.wipe(str(tmp_path))
    assert tmp_path.is_dir() and not list(tmp_path.iterdir())


def totals(path: Path) -> dict[tuple, float]:
    """Counter and histogram samples summed over the directory, as the exporter collects them."""
    from prometheus_client.multiprocess import MultiProcessCollector  # noqa: PLC0415

    families = MultiProcessCollector(None, str(path)).collect()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in families if f.type in ("counter", "histogram") for s in f.samples}  # fmt: skip


def test_dead_workers_files_are_folded_into_the_archive_with_the_same_sums(tmp_path):
    from servers.metrics.archive import Archiver  # noqa: PLC0415

    observe = "from servers.metrics import instruments as m; m.DURATION.labels('/api/x', 'GET').observe(0.003)"
    archiver = Archiver(str(tmp_path), grace_s=10)
    for round_ in range(2):
        for _ in range(2):
            worker = start_worker(tmp_path, "exit")  # 5 requests counted, then it ends
            worker.wait()
            subprocess.run([sys.executable, "-c", observe], env=metrics_env(tmp_path), check=True)
        before = totals(tmp_path)
        multiprocess.sweep(str(tmp_path), count_exits=False)  # the exporter's tidy(): live gauges first
        assert archiver.fold_dead(now=100.0 * round_) == []  # within the grace period: left alone
        assert len(archiver.fold_dead(now=100.0 * round_ + 11)) == 4  # 2 workers + 2 observers
        assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_archive.db", "histogram_archive.db"]
        assert totals(tmp_path) == before
    after = totals(tmp_path)
    assert value(after, "app_http_requests_total", route="/api/x", method="GET", status="2xx") == 20
    assert value(after, "app_http_request_duration_seconds_count", route="/api/x", method="GET") == 4
    assert value(after, "app_http_request_duration_seconds_bucket", route="/api/x", method="GET", le="0.005") == 4


def test_a_live_workers_files_are_never_folded(tmp_path):
    from servers.metrics.archive import Archiver  # noqa: PLC0415

    worker = start_worker(tmp_path)
    try:
        assert Archiver(str(tmp_path), grace_s=0).fold_dead() == []
        assert (tmp_path / f"counter_{worker.pid}.db").exists()
    finally:
        worker.kill()
        worker.wait()
