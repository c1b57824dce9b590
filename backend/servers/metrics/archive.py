"""Dead workers' counters and histograms folded into one archive file per type.

Every worker that ever lived leaves ``counter_<pid>.db`` and ``histogram_<pid>.db`` behind: its
counts belong in the totals forever. With recycling (max_requests), reloads and crashes they
pile up: each scrape reads them all, and the tmpfs they live on fills. The exporter folds the
files of each worker dead for GRACE_S into ``counter_archive.db`` / ``histogram_archive.db``
(prometheus-client's collector sums any ``<type>_*.db``; for these types the name after the
type is only a process label it never reads) and deletes them: the sums stay exactly the same.

The grace period leaves a just-reaped worker's files to Gunicorn's ``child_exit`` hook, which
reads them (did the worker count its own exit?). Only the exporter folds, under the same lock
as its scrapes, so a scrape never sees a value both in the archive and in its own file.
"""

import os
import re
import time

from prometheus_client.mmap_dict import MmapedDict

from servers.metrics.processes import alive

GRACE_S = 10.0
TYPES = ("counter", "histogram")
_FILE = re.compile(r"^(counter|histogram)_(\d+)\.db$")


class Archiver:
    def __init__(self, path: str, grace_s: float = GRACE_S) -> None:
        self.path, self.grace_s = path, grace_s
        self._dead_since: dict[int, float] = {}
        self._archives: dict[str, MmapedDict] = {}

    def fold_dead(self, now: float | None = None) -> list[int]:
        """Fold the files of every worker dead for grace_s into the archives; returns their pids."""
        now = time.monotonic() if now is None else now
        pids = {int(m.group(2)) for name in os.listdir(self.path) if (m := _FILE.match(name))}
        folded = []
        for pid in sorted(pids):
            if pid == os.getpid() or alive(pid):
                self._dead_since.pop(pid, None)
                continue
            if now - self._dead_since.setdefault(pid, now) < self.grace_s:
                continue
            for typ in TYPES:
                self._fold(typ, os.path.join(self.path, f"{typ}_{pid}.db"))
            del self._dead_since[pid]
            folded.append(pid)
        return folded

    def _fold(self, typ: str, source: str) -> None:
        try:
            entries = MmapedDict.read_all_values_from_file(source)
        except FileNotFoundError:
            return
        archive = self._archives.get(typ)
        if archive is None:
            archive = self._archives[typ] = MmapedDict(os.path.join(self.path, f"{typ}_archive.db"))
        for key, value, _timestamp, _pos in entries:
            total, _ = archive.read_value(key)
            archive.write_value(key, total + value, 0.0)
        os.remove(source)
