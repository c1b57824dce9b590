"""Generator calibration, once per run before the topologies: each generator's ceiling (req/s)
against the cheapest target there is, an Nginx location answering 204
(compose/loadtest/calibration.conf), over TLS and over plain HTTP, on the same network and CPU
sets as the measured runs.

A measured run's headroom is that ceiling over its own throughput; above 70% of the ceiling the
run measured the generator as much as the server (loadtest/report/limits.py decides)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from loadtest.bundle.paths import ROOT
from loadtest.bundle.stack import Stack
from loadtest.runner import measure
from loadtest.runner.cgroup import Watch
from loadtest.runner.generators import locust, wrk

CALIBRATION_FILE = ROOT / "compose" / "loadtest" / "calibration.yml"
TARGETS = {"https": "https://nginx:9443", "http": "http://nginx:9080"}  # compose/loadtest/calibration.conf
PATH = "/calibrate"
TOOLS = ("wrk", "locust")
FIXED_RATE_SHARE = 0.6  # fixed-rate runs offer at most this share of Locust's ceiling
# Locust spends its first second spawning users (and --run-time counts it): shorter runs
# measured a fraction of its real ceiling on this machine.
LOCUST_MIN_S = 5
GENERATOR_FULL = 0.9  # a generator using this share of its CPU set is at its ceiling
EXTRAPOLATION_MAX = 5.0
RETRY_FACTOR = 3  # a calibration that completed nothing runs once more, this many times longer


def key(tool: str, scheme: str) -> str:
    return f"{tool}/{scheme}"


def scheme_of(url: str) -> str:
    return urlsplit(url).scheme or "http"


def ceiling(calibration: dict | None, tool: str, target: str) -> float | None:
    """The calibrated ceiling for ``tool`` on ``target``'s scheme, or None."""
    entry = (calibration or {}).get(key(tool, scheme_of(target)))
    return entry["rps"] if entry and entry.get("rps") else None


def offered_cap(calibration: dict | None, share: float = FIXED_RATE_SHARE) -> float | None:
    """The highest fixed rate to offer every topology through Locust: ``share`` of its lowest
    ceiling over the schemes calibrated (None: not calibrated, no cap)."""
    ceilings = [e["rps"] for e in (calibration or {}).values() if e.get("tool") == "locust" and e.get("rps")]
    return round(share * min(ceilings), 1) if ceilings else None


def ceiling_estimate(measured_rps: float, generator_cpu_pct: float, generator_cpus: int) -> tuple[float, bool]:
    """The generator's ceiling from a calibration run: what it measured when it used its whole CPU
    set; when it did not (the one-core Nginx target saturated first, as it does for wrk on small
    machines), what it measured per CPU-second times its CPUs, at most EXTRAPOLATION_MAX times the
    measurement. Returns (ceiling, extrapolated)."""
    share = generator_cpu_pct / (100.0 * max(generator_cpus, 1))
    if share <= 0 or share >= GENERATOR_FULL:
        return measured_rps, False
    return min(measured_rps / share, EXTRAPOLATION_MAX * measured_rps), True


def entry(tool: str, scheme: str, target: str, rps: float, generator_cpu_pct: float, duration_s: float,
          generator_cpus: int = 1) -> dict:  # fmt: skip
    """results.json's calibration entry: ``rps`` is the ceiling (see ceiling_estimate),
    ``measured_rps`` what the run reached."""
    ceiling_rps, extrapolated = ceiling_estimate(rps, generator_cpu_pct, generator_cpus)
    return {
        "tool": tool, "scheme": scheme, "target": target, "rps": round(ceiling_rps, 1),
        "measured_rps": round(rps, 1), "extrapolated": extrapolated,
        "generator_cpu_pct": round(generator_cpu_pct, 1), "duration_s": round(duration_s, 2),
    }  # fmt: skip


def _pct(watch: Watch, window: tuple[float, float]) -> float:
    cpu_ns = watch.usage("generator", *window)["cpu_ns"]
    seconds = window[1] - window[0]
    return 100.0 * (cpu_ns or 0) / 1e9 / seconds if seconds > 0 else 0.0


Figures = tuple[float, float, float]  # (req/s, generator CPU %, seconds measured)


def starved_rerun(measure: Callable[[int], Figures], duration: int, what: str,
                  status: Callable[[str], None] = lambda text: None) -> Figures:  # fmt: skip
    """``measure(duration)``; when it completed no request (the generator was starved by a busy
    host, which is no ceiling), once more, RETRY_FACTOR times longer; nothing again is an error."""
    figures = measure(duration)
    if figures[0] <= 0:
        status(f"calibrating {what}: no requests completed, once more, longer")
        figures = measure(RETRY_FACTOR * max(duration, LOCUST_MIN_S))
    if figures[0] <= 0:
        raise RuntimeError(f"calibration: {what}: no request completed, twice (the second run {RETRY_FACTOR}x longer)")
    return figures


@dataclass
class Calibrator:
    """Nginx alone (compose/loadtest/calibration.yml in ``stack``) and each generator against it,
    run as the measured runs are (measure.run_wrk, measure.run_locust)."""

    stack: Stack
    raw_dir: Path  # <run dir>/raw, mounted at /out/raw in the generator
    duration: int = 5
    connections: int = 64
    generator_cpus: int = 1  # wrk threads
    locust_processes: int = 1
    status: Callable[[str], None] = lambda text: None

    def run(self, tools: tuple[str, ...] = TOOLS) -> dict:
        """Every tool against every scheme: {"<tool>/<scheme>": entry}."""
        self.stack.stop()
        self.stack.start()
        out: dict[str, dict] = {}
        try:
            for tool in tools:
                for scheme, base in TARGETS.items():
                    self.status(f"calibrating {tool} over {scheme}")
                    run = self._wrk if tool == "wrk" else self._locust
                    what = f"{tool} over {scheme}"
                    rps, cpu_pct, seconds = starved_rerun(partial(run, base, scheme), self.duration, what, self.status)
                    target = base + PATH
                    out[key(tool, scheme)] = entry(tool, scheme, target, rps, cpu_pct, seconds, self.generator_cpus)
        finally:
            self.stack.stop()
        return out

    def _wrk(self, base: str, scheme: str, duration: int) -> Figures:
        spec = wrk.WrkSpec(base, (PATH,), self.connections, duration, self.generator_cpus)
        name = measure.container_name(self.stack.project, "wrk")
        watch = Watch({"generator": name})
        run = measure.run_wrk(self.stack, spec, name, self.raw_dir / "calibration" / f"wrk-{scheme}.txt", watch)
        if run.fields["failures"]:
            raise RuntimeError(f"calibration: wrk saw errors over {scheme}: {run.fields['errors']}")
        return run.fields["rps"], _pct(watch, run.window), run.seconds

    def _locust(self, base: str, scheme: str, duration: int) -> Figures:
        prefix = f"calibration/locust-{scheme}"
        spec = locust.LocustSpec(base, "calibrate.py", "CalibrateUser", self.connections,
                                 max(duration, LOCUST_MIN_S), self.locust_processes, f"/out/raw/{prefix}")  # fmt: skip
        name = measure.container_name(self.stack.project, "locust")
        watch = Watch({"generator": name})
        run = measure.run_locust(self.stack, spec, name, self.raw_dir / prefix, watch, f"calibration over {scheme}")
        if run.fields["failures"]:
            raise RuntimeError(f"calibration: Locust saw errors over {scheme}: {run.fields['errors']}")
        return run.fields["rps"], _pct(watch, run.window), run.seconds
