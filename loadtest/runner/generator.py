"""The generator image inside a topology's compose network: the verifier, and one Locust run and
what it measured, read from its CSVs."""

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from loadtest.results.locust_csv import read_csvs
from loadtest.runner.sampler import Sampler
from loadtest.runner.scenarios import Scenario
from loadtest.runner.topologies import Topology
from loadtest.stack import Stack

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


def verify(stack: Stack, topology: Topology, seed: int) -> dict:
    """loadtest.verify against the topology, from the generator image: {"ok", "checks"}."""
    t = topology
    args = ["--target", t.target, "--server", t.server, "--worker", t.worker, "--seed", str(seed)]
    args += ["--nginx"] * t.nginx + ["--minimal"] * t.minimal
    result = stack.run(
        "--profile", "generator", "run", "--rm", "--no-deps", "--entrypoint", "python3", "locust",
        "-m", "loadtest.verify", *args, check=False, timeout=600,
    )  # fmt: skip
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"ok": False, "checks": [f"verifier failed: {result.stderr[-2000:]}"]}


def run(stack: Stack, topology: Topology, spec: RunSpec, raw_dir: Path) -> dict:
    name = f"{stack.project}-locust-{uuid.uuid4().hex[:8]}"
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
    watched = {service: stack.container_id(service) for service in topology.services} | {"generator": name}
    with Sampler(watched) as sampler:
        result = stack.run(*args, check=False, timeout=spec.duration + 180)
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
