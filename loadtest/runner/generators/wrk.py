"""wrk runs: capacity with a native generator (Debian's wrk, in the generator image).

wrk runs in the generator container on the compose network, pinned to the generator's CPU
set (``docker compose run --rm --entrypoint wrk locust ...``), with loadtest/generator/wrk/report.lua,
which rotates over the paths given to it and prints one JSON line when done. It measures what
Locust cannot drive on a small machine: the static site, the JSON endpoint, and so the proxy
tax. Locust stays the generator for user flows and fixed-rate runs.
"""

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadtest.bundle.paths import ROOT

SCRIPT = "/srv/loadtest/generator/wrk/report.lua"  # inside the generator image
TIMEOUT_S = 10  # a request slower than this counts as a "timeout" error (wrk's default is 2 s)
ASSET = re.compile(r'(?:href|src)="(/assets/[^"]+)"')  # as loadtest/generator/scenarios/static.py finds them

# Per scenario: the paths wrk rotates over. Scenarios not listed here are Locust's only.
# api-read: a list page, then three item reads (ReadUser's 1:3 weights; items seeded by the verifier).
PATHS: dict[str, tuple[str, ...]] = {
    "api-json": ("/api/work/json",),
    "api-read": ("/api/items?limit=20", "/api/items/1", "/api/items/2", "/api/items/3"),
}


def static_paths(index_html: str) -> tuple[str, ...]:
    """The page and its assets, as the static scenario browses them."""
    return ("/", *ASSET.findall(index_html))


def paths_for(scenario: str) -> tuple[str, ...] | None:
    """What wrk requests for a scenario; None when wrk does not run it."""
    if scenario == "static":
        return static_paths((ROOT / "nginx" / "static" / "index.html").read_text())
    return PATHS.get(scenario)


@dataclass(frozen=True)
class WrkSpec:
    target: str  # base URL, e.g. https://nginx:8443
    paths: tuple[str, ...]
    connections: int
    duration: int  # seconds
    threads: int = 1

    def args(self) -> list[str]:
        threads = max(1, self.threads)
        return [
            "-t", str(threads), "-c", str(max(self.connections, threads)), "-d", f"{self.duration}s",
            "--timeout", f"{TIMEOUT_S}s", "-s", SCRIPT, self.target, "--", *self.paths,
        ]  # fmt: skip


def parse(stdout: str) -> dict:
    """The JSON line report.lua printed (the last one), checked; ValueError when absent."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{") and '"wrk"' in line:
            data = json.loads(line)
            for key in ("requests", "duration_s", "rps", "errors", "latency_ms"):
                if key not in data:
                    raise ValueError(f"wrk report has no {key!r}: {line[:200]}")
            return data
    raise ValueError(f"no wrk JSON line in the output:\n{stdout[-1500:]}")


def to_run(report: dict) -> dict:
    """results.json's run fields from wrk's report: requests, failures, rps, latency, errors."""
    errors = {f"wrk {kind}": n for kind, n in sorted(report["errors"].items()) if n}
    return {
        "requests": int(report["requests"]),
        "failures": int(sum(report["errors"].values())),
        "rps": round(float(report["rps"]), 2),
        "latency_ms": {k: round(float(report["latency_ms"][k]), 3) for k in ("p50", "p90", "p95", "p99", "max", "avg")},
        "errors": errors,
        "history": [],
    }


def compose_args(spec: WrkSpec, name: str) -> list[str]:
    """Arguments for `docker compose <files> ...`: wrk in the generator service's container."""
    return ["--profile", "generator", "run", "--rm", "--no-deps", "--name", name, "--entrypoint", "wrk", "locust",
            *spec.args()]  # fmt: skip


def run(
    compose: Callable[..., subprocess.CompletedProcess], spec: WrkSpec, name: str, raw_file: Path
) -> tuple[dict, dict]:
    """Run wrk through ``compose`` (a `docker compose` runner taking the arguments after the
    files); keep its whole output in ``raw_file``; return (run fields, wrk's report)."""
    result = compose(*compose_args(spec, name), check=False, timeout=spec.duration + 120)
    raw_file.parent.mkdir(parents=True, exist_ok=True)
    raw_file.write_text(result.stdout + ("\n--- stderr\n" + result.stderr if result.stderr else ""))
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}) against {spec.target}:\n{result.stderr[-2000:]}")
    report = parse(result.stdout)
    return to_run(report), report
