"""Per-container CPU and memory from cumulative cgroup counters, read on the host.

CPU time is a counter (nanoseconds used since the container started), so the CPU a component
spent on a measured window is the difference of two readings: exact, whatever the sampling
rate, unlike `docker stats` percentages averaged over whatever second they happened to cover.
Where the counters are (first found wins):

- cgroup v1: ``/sys/fs/cgroup/cpuacct/docker/<id>/cpuacct.usage`` (ns) and ``memory/docker/<id>``;
- cgroup v2: ``/sys/fs/cgroup/system.slice/docker-<id>.scope/cpu.stat`` (systemd driver) or
  ``/sys/fs/cgroup/docker/<id>/cpu.stat`` (cgroupfs driver), ``usage_usec``;
- anywhere else (Docker Desktop, a remote engine): the Docker API's cumulative
  ``cpu_stats.cpu_usage.total_usage`` from a one-shot stats call.

:class:`Watch` samples a set of containers every ``interval`` seconds in a thread (a file read
each: negligible next to what is measured) and answers, for any window inside what it saw, the
CPU each one used (interpolated between the two samples around each end) and its memory.

Beside the containers' own counters it can read the CPU set's time from ``/proc/stat`` (user,
system, softirq... of those CPUs, whoever spent it: kernel work charged to no container, the
bridge, conntrack, softirqs of the network stack) and each container's CPU-quota throttling
(``nr_throttled`` and the throttled time in ``cpu.stat``): a run is latency-bound only when the
CPU set really had idle time (loadtest/report/limits.py).
"""

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


# --- pure arithmetic (unit-tested) ---------------------------------------------------------


def parse_cpu_stat(text: str) -> int:
    """cgroup v2 ``cpu.stat``: usage in nanoseconds (from ``usage_usec``)."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "usage_usec":
            return int(value) * 1000
    raise ValueError("cpu.stat has no usage_usec line")


def parse_memory_stat(text: str) -> dict[str, int]:
    return {k: int(v) for k, _, v in (line.partition(" ") for line in text.splitlines()) if v.strip().isdigit()}


def value_at(series: list[tuple[float, int]], t: float) -> float | None:
    """A cumulative counter at time ``t``, linearly interpolated between the samples around it;
    clamped to the first/last sample outside the sampled span; None without samples."""
    if not series:
        return None
    times = [s[0] for s in series]
    i = bisect.bisect_left(times, t)
    if i == 0:
        return float(series[0][1])
    if i >= len(series):
        return float(series[-1][1])
    (t0, v0), (t1, v1) = series[i - 1], series[i]
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else float(v1)


def delta_ns(series: list[tuple[float, int]], t0: float, t1: float) -> float | None:
    """CPU nanoseconds used between ``t0`` and ``t1`` (None without samples)."""
    a, b = value_at(series, t0), value_at(series, t1)
    return None if a is None or b is None else max(0.0, b - a)


def per_request_us(cpu_ns: float | None, requests: float) -> float | None:
    """CPU microseconds per completed request (None when either is unknown or zero requests)."""
    if cpu_ns is None or requests <= 0:
        return None
    return round(cpu_ns / 1000 / requests, 1)


def busy_share(cpu_ns: float | None, seconds: float, cpus: int) -> float | None:
    """Share of a CPU set that was busy: 1.0 = every CPU of the set for the whole window."""
    if cpu_ns is None or seconds <= 0 or cpus <= 0:
        return None
    return round(cpu_ns / 1e9 / seconds / cpus, 3)


def percent_series(series: list[tuple[float, int]], t0: float, t1: float, step: float = 1.0) -> list[float]:
    """CPU use in percent of one CPU, per ``step`` seconds across [t0, t1] (the last partial step
    included when at least half a step long)."""
    out, t = [], t0
    while t + step / 2 <= t1:
        end = min(t + step, t1)
        d = delta_ns(series, t, end)
        if d is not None and end > t:
            out.append(100.0 * d / 1e9 / (end - t))
        t = end
    return out


STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def parse_proc_stat(text: str, cpus: list[int]) -> dict[str, int]:
    """/proc/stat's per-CPU lines summed over ``cpus``: clock ticks spent per kind."""
    wanted = {f"cpu{c}" for c in cpus}
    out = dict.fromkeys(STAT_FIELDS, 0)
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] in wanted:
            for name, value in zip(STAT_FIELDS, parts[1:], strict=False):
                out[name] += int(value)
    return out


def cpuset_shares(before: dict[str, float], after: dict[str, float]) -> dict[str, float] | None:
    """Share of the CPU set's time per kind between two readings (0..1): ``user`` (with nice),
    ``system``, ``softirq`` (with irq), ``steal``, and ``busy`` (all but idle and iowait).
    None when no time passed."""
    d = {k: after[k] - before[k] for k in STAT_FIELDS}
    total = sum(d.values())
    if total <= 0:
        return None
    shares = {
        "user": d["user"] + d["nice"], "system": d["system"], "softirq": d["softirq"] + d["irq"],
        "steal": d["steal"], "busy": total - d["idle"] - d["iowait"],
    }  # fmt: skip
    return {k: round(v / total, 3) for k, v in shares.items()}


def parse_throttling(text: str) -> tuple[int, int] | None:
    """(periods throttled, µs throttled) from a ``cpu.stat``: cgroup v2's ``throttled_usec``,
    v1's ``throttled_time`` (ns). None without those lines (no quota controller there)."""
    values = {k: int(v) for k, _, v in (line.partition(" ") for line in text.splitlines()) if v.strip().isdigit()}
    if "nr_throttled" not in values:
        return None
    if "throttled_usec" in values:
        return values["nr_throttled"], values["throttled_usec"]
    if "throttled_time" in values:
        return values["nr_throttled"], values["throttled_time"] // 1000
    return None


def cpuset_size(cpuset: str) -> int:
    """Number of CPUs in a cpuset string such as ``"0"``, ``"1,3"`` or ``"0-3,6"``."""
    n = 0
    for part in filter(None, (p.strip() for p in cpuset.split(","))):
        lo, _, hi = part.partition("-")
        n += int(hi) - int(lo) + 1 if hi else 1
    return n


# --- reading the counters ------------------------------------------------------------------


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _cpu_v1(cid: str, root: Path) -> int | None:
    text = _read(root / "cpuacct" / "docker" / cid / "cpuacct.usage")
    return int(text) if text and text.strip().isdigit() else None


def _v2_dirs(cid: str, root: Path) -> list[Path]:
    return [root / "system.slice" / f"docker-{cid}.scope", root / "docker" / cid]


def _cpu_v2(cid: str, root: Path) -> int | None:
    for d in _v2_dirs(cid, root):
        text = _read(d / "cpu.stat")
        if text:
            return parse_cpu_stat(text)
    return None


def _mem_bytes(cid: str, root: Path) -> int | None:
    v1 = root / "memory" / "docker" / cid
    usage = _read(v1 / "memory.usage_in_bytes")
    if usage:
        stat = parse_memory_stat(_read(v1 / "memory.stat") or "")
        return int(usage) - stat.get("total_inactive_file", stat.get("inactive_file", 0))
    for d in _v2_dirs(cid, root):
        current = _read(d / "memory.current")
        if current:
            return int(current) - parse_memory_stat(_read(d / "memory.stat") or "").get("inactive_file", 0)
    return None


def _throttling(cid: str, root: Path) -> tuple[int, int] | None:
    for d in (root / "cpu" / "docker" / cid, root / "cpu,cpuacct" / "docker" / cid, *_v2_dirs(cid, root)):
        text = _read(d / "cpu.stat")
        if text and (found := parse_throttling(text)) is not None:
            return found
    return None


def _docker_api_cpu(cid: str) -> int | None:
    import docker  # only where the cgroup files are not visible (Docker Desktop, remote engine)

    try:
        stats = docker.from_env().api.stats(cid, stream=False, one_shot=True)
        return int(stats["cpu_stats"]["cpu_usage"]["total_usage"])
    except Exception:
        return None


def _first(*readers: Callable[[], int | None]) -> int | None:
    for read in readers:
        value = read()
        if value is not None:
            return value
    return None


def cpu_ns(cid: str, root: Path = CGROUP_ROOT) -> int | None:
    """The container's cumulative CPU time in ns (cgroup files, else the Docker API), or None
    when it does not exist (any more)."""
    return _first(lambda: _cpu_v1(cid, root), lambda: _cpu_v2(cid, root), lambda: _docker_api_cpu(cid))


def source(cid: str, root: Path = CGROUP_ROOT) -> str:
    """Which counter ``cpu_ns`` reads for this container (for the manifest)."""
    if _cpu_v1(cid, root) is not None:
        return "cgroup v1 cpuacct.usage"
    if _cpu_v2(cid, root) is not None:
        return "cgroup v2 cpu.stat usage_usec"
    return "docker API cpu_stats.cpu_usage.total_usage"


def resolve_id(ref: str) -> str | None:
    """A container's full id from its name or short id; None while it does not exist."""
    import docker

    try:
        return docker.from_env().containers.get(ref).id
    except Exception:
        return None


# --- the sampler ---------------------------------------------------------------------------


@dataclass
class Series:
    cpu: list[tuple[float, int]] = field(default_factory=list)  # (time.time(), ns)
    mem: list[tuple[float, int]] = field(default_factory=list)  # (time.time(), bytes)
    throttled: list[tuple[float, int, int]] = field(default_factory=list)  # (time.time(), periods, µs)


class Watch:
    """Samples containers' cumulative CPU (and memory) in a background thread.

    ``containers`` maps a label ("app", "nginx", "generator") to a container id or name; a name
    that does not exist yet (the generator of a `compose run`) is looked up until it appears.
    ``cpus``: the CPUs whose /proc/stat time to sample too (the system under test's CPU set).
    """

    def __init__(
        self,
        containers: dict[str, str],
        interval: float = 0.1,
        root: Path = CGROUP_ROOT,
        resolve: Callable[[str], str | None] = resolve_id,
        cpus: list[int] | None = None,
        proc_stat: Path = Path("/proc/stat"),
    ) -> None:
        self.series = {label: Series() for label in containers}
        self.cpus, self._proc_stat = list(cpus or []), proc_stat
        self.cpuset: list[tuple[float, dict[str, int]]] = []  # (time.time(), ticks per kind)
        self._refs, self._ids = dict(containers), {}
        self._interval, self._root, self._resolve = interval, root, resolve
        self._api_fallback: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _cpu(self, cid: str) -> int | None:
        if cid in self._api_fallback:
            return _docker_api_cpu(cid)
        value = _first(lambda: _cpu_v1(cid, self._root), lambda: _cpu_v2(cid, self._root))
        if value is None and not self._docker_cgroups_visible():
            self._api_fallback.add(cid)
            return _docker_api_cpu(cid)
        return value

    def _docker_cgroups_visible(self) -> bool:
        """Docker's cgroups are readable here (else: Docker Desktop, a remote engine, rootless)."""
        return any(self._root.joinpath(*p).exists() for p in (("cpuacct", "docker"), ("system.slice",), ("docker",)))

    def sample(self) -> None:
        now = time.time()
        for label, ref in self._refs.items():
            cid = self._ids.get(label)
            if cid is None:
                cid = self._resolve(ref)
                if cid is None:
                    continue
                self._ids[label] = cid
            cpu = self._cpu(cid)
            if cpu is not None:
                self.series[label].cpu.append((now, cpu))
            mem = _mem_bytes(cid, self._root)
            if mem is not None:
                self.series[label].mem.append((now, mem))
            throttled = _throttling(cid, self._root)
            if throttled is not None:
                self.series[label].throttled.append((now, *throttled))
        if self.cpus:
            text = _read(self._proc_stat)
            if text:
                self.cpuset.append((now, parse_proc_stat(text, self.cpus)))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def __enter__(self) -> "Watch":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()  # a final reading for the long-lived containers

    def span(self, label: str) -> tuple[float, float] | None:
        """First and last time the container's CPU was read (None if never)."""
        s = self.series[label].cpu
        return (s[0][0], s[-1][0]) if s else None

    def usage(self, label: str, t0: float, t1: float) -> dict:
        """CPU ns used in [t0, t1] and the per-second/memory figures results.json keeps."""
        s = self.series[label]
        pct = percent_series(s.cpu, t0, t1)
        mem = [m / 2**20 for t, m in s.mem if t0 - 0.5 <= t <= t1 + 0.5]
        return {
            "cpu_ns": delta_ns(s.cpu, t0, t1),
            "cpu_pct_avg": round(sum(pct) / len(pct), 1) if pct else 0.0,
            "cpu_pct_max": round(max(pct), 1) if pct else 0.0,
            "mem_mb_avg": round(sum(mem) / len(mem), 1) if mem else 0.0,
            "mem_mb_max": round(max(mem), 1) if mem else 0.0,
            "samples": len(pct),
        }

    def cpuset_busy(self, t0: float, t1: float) -> dict[str, float] | None:
        """The CPU set's time shares in [t0, t1] (``cpuset_shares``), None without readings."""
        ends = []
        for t in (t0, t1):
            ticks = {k: value_at([(ts, r[k]) for ts, r in self.cpuset], t) for k in STAT_FIELDS}
            if any(v is None for v in ticks.values()):
                return None
            ends.append(ticks)
        return cpuset_shares(*ends)

    def throttled(self, label: str, t0: float, t1: float) -> dict[str, float] | None:
        """Quota throttling in [t0, t1]: periods throttled and milliseconds throttled."""
        s = self.series[label].throttled
        periods = delta_ns([(t, n) for t, n, _ in s], t0, t1)
        usec = delta_ns([(t, u) for t, _, u in s], t0, t1)
        if periods is None or usec is None:
            return None
        return {"periods": round(periods), "ms": round(usec / 1000, 1)}
