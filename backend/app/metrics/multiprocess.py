"""The shared metrics directory of a multi-process server: wiped at start, kept right as
workers die, read by the exporter.

prometheus-client's multiprocess mode gives every process its own files in
PROMETHEUS_MULTIPROC_DIR (``counter_<pid>.db``, ``gauge_livesum_<pid>.db``, ...) and sums
them when scraped. Counters and histograms of a dead worker must stay (they are part of the
totals); its live gauges (requests in progress, "this worker is up") must go, or a killed
worker would count as serving forever. That is ``mark_process_dead``. Gunicorn calls it from its
``child_exit`` hook; ``uvicorn --workers`` and ``--reload`` have no hooks, so ``sweep`` finds
workers whose live-gauge file outlived them (any dead or zombie pid) and does it instead. The
exporter sweeps before every scrape, so the answer never includes a dead worker, whichever
server runs.
"""

import json
import os
import re
import threading
from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE = re.compile(r"^gauge_live\w+?_(\d+)\.db$")
_sweeping = threading.Lock()


def directory() -> str | None:
    return os.environ.get(ENV) or None


def wipe(path: str) -> None:
    """Empty the directory (it may be a mount point, so it stays): a restarted server must not
    add a previous run's files, or reuse a previous process's pid file. Only before any worker."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        os.remove(os.path.join(path, name))


def alive(pid: int) -> bool:
    """Is ``pid`` a running process? A zombie (exited, not yet reaped) is not."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel (a zombie then counts as alive until reaped)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def live_pids(path: str) -> set[int]:
    """Processes with live-gauge files: workers that served (or still serve)."""
    return {int(m.group(1)) for name in os.listdir(path) if (m := _LIVE.match(name))}


def self_reported_exit(path: str, pid: int) -> str | None:
    """The exit cause a worker recorded itself before ending (``max_requests``), if any."""
    try:
        entries = MmapedDict.read_all_values_from_file(os.path.join(path, f"counter_{pid}.db"))
    except FileNotFoundError:
        return None
    for key, value, _timestamp, _pos in entries:
        metric, sample, labels, _help = json.loads(key)
        if metric == "app_worker_exits" and sample == "app_worker_exits_total" and value > 0:
            return labels.get("cause")
    return None


def mark_dead(path: str, pid: int) -> None:
    """Drop a dead worker's live gauges (its counters and histograms stay in the totals)."""
    try:
        mark_process_dead(pid, path)
    except FileNotFoundError:
        pass  # removed meanwhile by the other path (Gunicorn's hook vs a sweep)


def record_exit(path: str, pid: int, cause: str) -> None:
    """A worker ended with ``cause``: drop its live gauges and count the exit, unless the worker
    counted it itself (it knew better: it stopped at max_requests)."""
    from app.metrics import instruments  # noqa: PLC0415 (only processes that record import it)

    mark_dead(path, pid)
    if self_reported_exit(path, pid) is None:
        instruments.WORKER_EXITS.labels(cause).inc()


def sweep(path: str, count_exits: bool) -> list[int]:
    """Find workers that died without a hook telling (uvicorn's supervisors have none), drop
    their live gauges and, with ``count_exits``, count each exit as ``unknown``. Returns them."""
    with _sweeping:
        dead = [pid for pid in live_pids(path) if pid != os.getpid() and not alive(pid)]
        for pid in dead:
            if count_exits:
                record_exit(path, pid, "unknown")
            else:
                mark_dead(path, pid)
        return dead


class _SweepingCollector:
    """MultiProcessCollector that sweeps first: every scrape is of live workers only."""

    def __init__(self, path: str, count_exits: bool) -> None:
        self.path, self.count_exits = path, count_exits
        self._files = MultiProcessCollector(None, path)

    def collect(self) -> Iterable:
        sweep(self.path, self.count_exits)
        return self._files.collect()


def registry(path: str, count_exits: bool) -> CollectorRegistry:
    """What the exporter serves: the sum over every process's files in ``path``."""
    reg = CollectorRegistry()
    reg.register(_SweepingCollector(path, count_exits))
    return reg
