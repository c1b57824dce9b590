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
server runs, and folds long-dead workers' files into archives (app/metrics/archive.py).
"""

import json
import os
import re
import threading
from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from servers.metrics.archive import Archiver
from servers.metrics.processes import alive

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
    from servers.metrics import instruments  # noqa: PLC0415 (only processes that record import it)

    mark_dead(path, pid)
    if self_reported_exit(path, pid) is None:
        instruments.WORKER_EXITS.labels(cause).inc()


def sweep(path: str, count_exits: bool) -> list[int]:
    """Find workers that died without a hook telling (uvicorn's supervisors have none), drop
    their live gauges and, with ``count_exits``, count each exit as ``unknown``. Returns them."""
    with _sweeping:
        return _sweep(path, count_exits)


def _sweep(path: str, count_exits: bool) -> list[int]:
    dead = [pid for pid in live_pids(path) if pid != os.getpid() and not alive(pid)]
    for pid in dead:
        if count_exits:
            record_exit(path, pid, "unknown")
        else:
            mark_dead(path, pid)
    return dead


class Exported:
    """What the exporter serves: the sum over every process's files in ``path``, swept of dead
    workers first, with the files of long-dead ones folded into the archives (app/metrics/
    archive.py). Tidying and collecting share one lock: a scrape never sees a half fold."""

    def __init__(self, path: str, count_exits: bool) -> None:
        self.path, self.count_exits = path, count_exits
        self.archiver = Archiver(path)
        self._files = MultiProcessCollector(None, path)
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def tidy(self) -> None:
        with _sweeping:
            _sweep(self.path, self.count_exits)
            self.archiver.fold_dead()

    def collect(self) -> Iterable:
        with _sweeping:
            _sweep(self.path, self.count_exits)
            return list(self._files.collect())
