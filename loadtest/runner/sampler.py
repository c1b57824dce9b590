"""Per-container CPU and memory while a run is measured, from the Docker stats stream."""

import threading
import time
from dataclasses import dataclass, field
from statistics import fmean

import docker


@dataclass
class _Series:
    cpu_pct: list[float] = field(default_factory=list)
    mem_mb: list[float] = field(default_factory=list)


def cpu_percent(stat: dict) -> float | None:
    """CPU use in percent of one CPU (200 = two CPUs busy), as `docker stats` computes it."""
    cpu, pre = stat.get("cpu_stats", {}), stat.get("precpu_stats", {})
    try:
        cpu_delta = cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"]
        system_delta = cpu["system_cpu_usage"] - pre["system_cpu_usage"]
    except KeyError:
        return None
    online = cpu.get("online_cpus") or len(cpu["cpu_usage"].get("percpu_usage") or []) or 1
    return 100.0 * cpu_delta / system_delta * online if system_delta > 0 and cpu_delta >= 0 else None


def memory_mb(stat: dict) -> float | None:
    mem = stat.get("memory_stats", {})
    if "usage" not in mem:
        return None
    cache = mem.get("stats", {}).get("inactive_file", mem.get("stats", {}).get("cache", 0))
    return (mem["usage"] - cache) / 2**20


class Sampler:
    """Samples named containers once a second in background threads until stopped."""

    def __init__(self, containers: dict[str, str]) -> None:  # label -> container id or name
        self._client = docker.from_env()
        self._containers = containers
        self._series = {label: _Series() for label in containers}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _follow(self, label: str, ref: str) -> None:
        deadline = time.monotonic() + 30
        while not self._stop.is_set():
            try:
                container = self._client.containers.get(ref)
                break
            except docker.errors.NotFound:  # the generator container may not exist yet
                if time.monotonic() > deadline:
                    return
                time.sleep(0.2)
        else:
            return
        try:
            for stat in container.stats(stream=True, decode=True):
                if self._stop.is_set():
                    return
                cpu, mem = cpu_percent(stat), memory_mb(stat)
                if cpu is not None:
                    self._series[label].cpu_pct.append(cpu)
                if mem is not None:
                    self._series[label].mem_mb.append(mem)
        except (docker.errors.APIError, docker.errors.NotFound, ValueError):
            return  # the container went away: the run is over

    def __enter__(self) -> "Sampler":
        for label, ref in self._containers.items():
            t = threading.Thread(target=self._follow, args=(label, ref), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for label, s in self._series.items():
            # The first sample has no previous one to diff against on some engines: drop it.
            cpu = s.cpu_pct[1:] or s.cpu_pct
            out[label] = {
                "cpu_pct_avg": round(fmean(cpu), 1) if cpu else 0.0,
                "cpu_pct_max": round(max(cpu), 1) if cpu else 0.0,
                "mem_mb_avg": round(fmean(s.mem_mb), 1) if s.mem_mb else 0.0,
                "mem_mb_max": round(max(s.mem_mb), 1) if s.mem_mb else 0.0,
                "samples": len(cpu),
            }
        return out
