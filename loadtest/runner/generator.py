"""One Locust run inside the compose network, and what it measured, read from its CSVs."""

import csv
import uuid
from dataclasses import dataclass
from pathlib import Path

from loadtest.runner.compose import Project
from loadtest.runner.sampler import Sampler
from loadtest.runner.scenarios import Scenario

SATURATION = 0.90  # generator CPU above this share of its CPU set: its numbers are a floor


@dataclass(frozen=True)
class RunSpec:
    scenario: Scenario
    mode: str  # "warmup" | "capacity" | "fixed-rate"
    repetition: int
    users: int
    duration: int
    locust_workers: int
    generator_cpus: int
    load_fraction: float | None = None
    target_rps: float | None = None

    @property
    def csv_prefix(self) -> str:
        label = self.mode if self.load_fraction is None else f"{self.mode}-{round(self.load_fraction * 100)}pct"
        return f"{self.scenario.name}/{label}-r{self.repetition}"


def _aggregated(path: Path) -> dict[str, str]:
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                return row
    raise ValueError(f"{path}: no Aggregated row")


def _num(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def read_csvs(prefix: Path) -> dict:
    """The run's figures exactly as Locust wrote them (the report checks them against the CSVs)."""
    agg = _aggregated(Path(f"{prefix}_stats.csv"))
    out = {
        "requests": int(agg["Request Count"]),
        "failures": int(agg["Failure Count"]),
        "rps": round(_num(agg["Requests/s"]), 2),
        "latency_ms": {
            "p50": _num(agg["50%"]), "p90": _num(agg["90%"]), "p95": _num(agg["95%"]), "p99": _num(agg["99%"]),
            "max": round(_num(agg["Max Response Time"]), 2), "avg": round(_num(agg["Average Response Time"]), 2),
        },
    }  # fmt: skip
    out["history"] = read_history(Path(f"{prefix}_stats_history.csv"))
    errors = {}
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(newline="") as f:
            for row in csv.DictReader(f):
                errors[f"{row['Method']} {row['Name']}: {row['Error']}"] = int(row["Occurrences"])
    out["errors"] = errors
    return out


def read_history(path: Path) -> list[dict]:
    """Per-second throughput from the cumulative counts (exact, unlike Locust's rolling
    Requests/s); rows before load starts and the drop at --reset-stats are skipped."""
    history, start, prev = [], None, None
    with path.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Name"] == "Aggregated"]
    for row in rows:
        ts, total, failed = int(row["Timestamp"]), int(row["Total Request Count"]), int(row["Total Failure Count"])
        if prev is not None and ts > prev[0] and total >= prev[1] and total > 0:
            start = prev[0] if start is None else start
            dt = ts - prev[0]
            history.append({
                "t": ts - start, "rps": round((total - prev[1]) / dt, 1),
                "failures_per_s": round(max(0, failed - prev[2]) / dt, 1),
                "p50": _num(row["50%"]), "p95": _num(row["95%"]), "users": int(_num(row["User Count"])),
            })  # fmt: skip
        prev = (ts, total, failed)
    return history


def run(project: Project, spec: RunSpec, raw_dir: Path) -> dict:
    topology = project.topology
    name = f"{project.name}-locust-{uuid.uuid4().hex[:8]}"
    out_prefix = raw_dir / topology.name / spec.csv_prefix
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    rate = (spec.target_rps / spec.users) if spec.target_rps else 0
    args = [
        "--profile", "generator", "run", "--rm", "--no-deps", "--name", name,
        "-e", f"TARGET_RPS_PER_USER={rate:.4f}", "locust",
        "-f", f"/srv/loadtest/scenarios/{spec.scenario.locustfile}", spec.scenario.user_class,
        "--headless", "--processes", str(spec.locust_workers),
        "--users", str(spec.users), "--spawn-rate", str(spec.users), "--reset-stats",
        "--run-time", f"{spec.duration}s", "--stop-timeout", "5",
        "--host", topology.target,
        "--csv", f"/out/raw/{topology.name}/{spec.csv_prefix}", "--csv-full-history",
        "--only-summary", "--exit-code-on-error", "0",
    ]  # fmt: skip
    watched = {service: project.container(service) for service in topology.services} | {"generator": name}
    with Sampler(watched) as sampler:
        result = project.run(*args, check=False, timeout=spec.duration + 180)
    if result.returncode != 0 or not Path(f"{out_prefix}_stats.csv").exists():
        raise RuntimeError(f"locust failed on {topology.name}/{spec.csv_prefix}:\n{result.stderr[-3000:]}")
    usage = sampler.summary()
    generator = usage.pop("generator")
    warnings = sorted({line.split("] ", 1)[-1] for line in result.stderr.splitlines() if "CPU usage" in line})
    # Peak, not mean: a generator pinned at its limit for part of a run already distorts it.
    share = generator["cpu_pct_max"] / (100 * spec.generator_cpus)
    return {
        "topology": topology.name,
        "scenario": spec.scenario.name,
        "mode": spec.mode,
        "load_fraction": spec.load_fraction,
        "target_rps": round(spec.target_rps, 1) if spec.target_rps else None,
        "repetition": spec.repetition,
        "users": spec.users,
        "duration_s": spec.duration,
        **read_csvs(out_prefix),
        "containers": usage,
        "generator": {**generator, "saturated": bool(warnings) or share > SATURATION, "warnings": warnings},
        "csv_prefix": f"raw/{topology.name}/{spec.csv_prefix}",
    }
