"""Generator calibration, once per run before the topologies: each generator's ceiling (req/s)
against the cheapest target there is, an Nginx location answering 204 (compose/calibration.conf),
over TLS and over plain HTTP, on the same network and CPU sets as the measured runs.

A measured run's headroom is that ceiling over its own throughput; above 70% of the ceiling the
run measured the generator as much as the server (cost.generator_bound)."""

import os
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from loadtest.results.locust_csv import read_csvs
from loadtest.results.paths import ROOT
from loadtest.runner import cost
from loadtest.runner.cgroup import Watch
from loadtest.runner.generators import locust, wrk

CALIBRATION_FILE = ROOT / "compose" / "calibration.yml"
TARGETS = {"https": "https://nginx:9443", "http": "http://nginx:9080"}  # compose/calibration.conf
PATH = "/calibrate"
TOOLS = ("wrk", "locust")


def key(tool: str, scheme: str) -> str:
    return f"{tool}/{scheme}"


def scheme_of(url: str) -> str:
    return urlsplit(url).scheme or "http"


def ceiling(calibration: dict | None, tool: str, target: str) -> float | None:
    """The calibrated ceiling for ``tool`` on ``target``'s scheme, or None."""
    entry = (calibration or {}).get(key(tool, scheme_of(target)))
    return entry["rps"] if entry and entry.get("rps") else None


def offered_cap(calibration: dict | None, target: str, share: float = 0.6) -> float | None:
    """The highest fixed rate to offer through Locust: ``share`` of its ceiling (None: no cap)."""
    c = ceiling(calibration, "locust", target)
    return c * share if c else None


def entry(tool: str, scheme: str, target: str, rps: float, generator_cpu_pct: float, duration_s: float) -> dict:
    return {
        "tool": tool, "scheme": scheme, "target": target, "rps": round(rps, 1),
        "generator_cpu_pct": round(generator_cpu_pct, 1), "duration_s": round(duration_s, 2),
    }  # fmt: skip


@dataclass
class Calibrator:
    """Nginx alone (compose/calibration.yml) and each generator against it."""

    base_files: list[Path]  # the generator's compose file(s)
    project: str
    env: dict[str, str]
    raw_dir: Path  # <run dir>/raw
    out_dir: str = "/out/raw"  # the run's raw dir inside the generator container
    duration: int = 5
    connections: int = 64
    wrk_threads: int = 1
    locust_processes: int = 1
    generator_cpus: int = 1
    commands: list[str] = field(default_factory=list)
    status: Callable[[str], None] = lambda text: None

    def compose(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        files = [a for f in [*self.base_files, CALIBRATION_FILE] for a in ("-f", str(f))]
        cmd = ["docker", "compose", "-p", self.project, *files, *args]
        self.commands.append(" ".join(cmd).replace(str(ROOT) + "/", ""))
        return subprocess.run(
            cmd, cwd=ROOT, env={**os.environ, **self.env}, capture_output=True, text=True, check=check, timeout=timeout
        )

    def down(self) -> None:
        self.compose("--profile", "generator", "down", "--volumes", "--remove-orphans", "--timeout", "5", check=False)

    def run(self, tools: tuple[str, ...] = TOOLS) -> dict:
        """Every tool against every scheme; {key: entry}. Failures leave the entry out."""
        self.down()
        result = self.compose("up", "--detach", "--wait", "nginx", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"calibration Nginx did not come up:\n{result.stderr[-2000:]}")
        out: dict[str, dict] = {}
        try:
            for tool in tools:
                for scheme, base in TARGETS.items():
                    self.status(f"calibrating {tool} over {scheme}")
                    measure = self._wrk if tool == "wrk" else self._locust
                    rps, cpu_pct, seconds = measure(base, scheme)
                    out[key(tool, scheme)] = entry(tool, scheme, base + PATH, rps, cpu_pct, seconds)
        finally:
            self.down()
        return out

    def _generator_pct(self, watch: Watch, window: tuple[float, float]) -> float:
        cpu_ns = watch.usage("generator", *window)["cpu_ns"]
        seconds = window[1] - window[0]
        return 100.0 * (cpu_ns or 0) / 1e9 / seconds if seconds > 0 else 0.0

    def _wrk(self, base: str, scheme: str) -> tuple[float, float, float]:
        spec = wrk.WrkSpec(base, (PATH,), self.connections, self.duration, self.wrk_threads)
        name = wrk.container_name(self.project)
        started = time.time()
        with Watch({"generator": name}) as watch:
            fields, report = wrk.run(self.compose, spec, name, self.raw_dir / "calibration" / f"wrk-{scheme}.txt")
        window = cost.wrk_window(watch.span("generator"), report["duration_s"], started, time.time())
        if fields["failures"]:
            raise RuntimeError(f"calibration: wrk saw errors over {scheme}: {fields['errors']}")
        return fields["rps"], self._generator_pct(watch, window), report["duration_s"]

    def _locust(self, base: str, scheme: str) -> tuple[float, float, float]:
        prefix = f"calibration/locust-{scheme}"
        spec = locust.LocustSpec(base, "calibrate.py", "CalibrateUser", self.connections, self.duration,
                                 self.locust_processes, f"{self.out_dir}/{prefix}")  # fmt: skip
        name = f"{self.project}-locust-{uuid.uuid4().hex[:8]}"
        (self.raw_dir / "calibration").mkdir(parents=True, exist_ok=True)
        started = time.time()
        with Watch({"generator": name}) as watch:
            result = self.compose(*locust.compose_args(spec, name), check=False, timeout=self.duration + 120)
        ended = time.time()

        local = self.raw_dir / prefix
        try:
            figures = read_csvs(local)
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"calibration: Locust failed over {scheme}: {exc}\n{result.stderr[-2000:]}") from None
        window = cost.locust_window(locust.history_timestamps(Path(f"{local}_stats_history.csv")), started, ended)
        return figures["rps"], self._generator_pct(watch, window), float(self.duration)
