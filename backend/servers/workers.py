"""How many workers: one per CPU this container may use.

The CPU budget is read in order from the cgroup v2 quota (cpu.max), the cgroup v1 quota
(cpu.cfs_quota_us / cpu.cfs_period_us), the CPU affinity mask, and the CPU count.
``WEB_CONCURRENCY`` sets the count outright; ``MAX_WORKERS`` caps it.
"""

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cgroup_cpu_quota(root: Path = CGROUP_ROOT) -> float | None:
    """CPUs allowed by the cgroup quota, or None when unlimited or unknown."""
    v2 = _read(root / "cpu.max")
    if v2:
        quota, _, period = v2.partition(" ")
        if quota != "max" and quota.isdigit() and period.isdigit() and int(period) > 0:
            return int(quota) / int(period)
        return None
    quota, period = _read(root / "cpu" / "cpu.cfs_quota_us"), _read(root / "cpu" / "cpu.cfs_period_us")
    if quota and period and quota.lstrip("-").isdigit() and period.isdigit() and int(quota) > 0 < int(period):
        return int(quota) / int(period)
    return None


def available_cpus(root: Path = CGROUP_ROOT) -> int:
    quota = cgroup_cpu_quota(root)
    if quota is not None:
        return max(1, math.ceil(quota))
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worker_count(web_concurrency: int | None = None, max_workers: int | None = None, root: Path = CGROUP_ROOT) -> int:
    count = web_concurrency if web_concurrency else available_cpus(root)
    if max_workers:
        count = min(count, max_workers)
    return max(1, count)
