"""The generator image inside a topology's compose network: the verifier, and one measured run
(Locust or wrk, see generators/) with what each component spent on it, from cumulative cgroup
CPU counters read before, during and after the run (cgroup.Watch)."""

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from loadtest.bundle.stack import Stack
from loadtest.results.locust_csv import read_csvs
from loadtest.runner import cost
from loadtest.runner.cgroup import Watch
from loadtest.runner.generators import locust, wrk
from loadtest.runner.scenarios import Scenario
from loadtest.runner.topologies import Topology


@dataclass(frozen=True)
class RunSpec:
    scenario: Scenario
    mode: str  # "warmup" | "capacity" | "fixed-rate"
    repetition: int  # the round
    users: int  # Locust users, or wrk connections
    duration: int
    locust_workers: int
    generator_cpus: int
    load_fraction: float | None = None
    target_rps: float | None = None
    tool: str = "locust"  # "locust" | "wrk"
    sut_cpus: int = 1
    sut_cpuset: tuple[int, ...] = ()  # its CPUs: their /proc/stat time is sampled too
    generator_on_sut: bool = False  # too few CPUs to separate them: the generator shares the set

    @property
    def rate_per_user(self) -> float:
        """Fixed-rate runs: what each Locust user offers per second (0: as fast as it can)."""
        return self.target_rps / self.users if self.target_rps else 0.0

    @property
    def csv_prefix(self) -> str:
        label = self.mode if self.load_fraction is None else f"{self.mode}-{round(self.load_fraction * 100)}pct"
        tool = "wrk-" if self.tool == "wrk" else ""
        return f"{self.scenario.name}/{tool}{label}-r{self.repetition}"


def verify(stack: Stack, topology: Topology, seed: int, extra: list[str] | None = None,
           probe: str | None = None) -> dict:  # fmt: skip
    """loadtest.generator.verify against the topology, from the generator image: {"ok", "checks"}.
    ``probe``: the app server's liveness probe URL; ``extra``: a user app's (runner/app.py)."""
    t = topology
    args = ["--target", t.target, "--server", t.server, "--worker", t.worker, "--seed", str(seed)]
    args += ["--nginx"] * t.nginx + ["--minimal"] * t.minimal + (["--probe", probe] if probe else [])
    args += extra or []
    result = stack.run(
        "--profile", "generator", "run", "--rm", "--no-deps", "--entrypoint", "python3", "locust",
        "-m", "loadtest.generator.verify", *args, check=False, timeout=600,
    )  # fmt: skip
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"ok": False, "checks": [f"verifier failed: {result.stderr[-2000:]}"]}


def fetch(stack: Stack, url: str, out: str) -> str | None:
    """Save what ``url`` answers (through the topology's network) to ``out`` in the generator
    container (under /out: the run folder); the problem as one line, or None."""
    result = stack.run(
        "--profile", "generator", "run", "--rm", "--no-deps", "--entrypoint", "python3", "locust",
        "-m", "loadtest.generator.appscenario", "fetch", url, out, check=False, timeout=120,
    )  # fmt: skip
    if result.returncode == 0:
        return None
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else f"fetching {url} failed ({result.returncode})"


def idle_cpu_pct(stack: Stack, topology: Topology, seconds: float) -> dict[str, float]:
    """Each service's CPU with no load over ``seconds`` (the plan's window: whole healthcheck
    intervals, runner/rounds.py), in % of one core: what the services spend on their own
    (timers, the metrics exporter) and Docker's healthcheck probes, which run inside them."""
    containers = {service: stack.container_id(service) for service in topology.services}
    with Watch(containers, interval=0.2) as watch:
        start = time.time()
        time.sleep(seconds)
        end = time.time()
    out: dict[str, float] = {}
    for service in containers:
        ns = watch.usage(service, start, end)["cpu_ns"]
        if ns is not None:  # a counter that could not be read leaves the service out
            out[service] = round(100.0 * ns / 1e9 / (end - start), 2)
    return out


@dataclass(frozen=True)
class Measured:
    """One generator run, watched: its figures (results.json's run fields), the window its load
    ran in (host time), Locust's CPU warnings, and how many seconds it loaded."""

    fields: dict
    window: tuple[float, float]
    warnings: list[str]
    seconds: float


def container_name(project: str, tool: str) -> str:
    return f"{project}-{tool}-{uuid.uuid4().hex[:8]}"


def run_locust(stack: Stack, spec: locust.LocustSpec, name: str, local_prefix: Path, watch: Watch,
               label: str) -> Measured:  # fmt: skip
    """Locust in the generator container (``name``) under ``watch``; its CSVs land at
    ``local_prefix`` on the host (``spec.csv_prefix`` inside). RuntimeError when it wrote none."""
    local_prefix.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with watch:
        result = stack.run(*locust.compose_args(spec, name), check=False, timeout=spec.duration + 180)
    ended = time.time()
    try:
        if result.returncode != 0:
            raise ValueError(f"exit code {result.returncode}")
        fields = read_csvs(local_prefix)
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"locust failed on {label}: {exc}\n{result.stderr[-3000:]}") from None
    timestamps = locust.history_timestamps(Path(f"{local_prefix}_stats_history.csv"))
    window = cost.locust_window(timestamps, started, ended)
    return Measured(fields, window, locust.cpu_warnings(result.stderr), float(spec.duration))


def run_wrk(stack: Stack, spec: wrk.WrkSpec, name: str, raw_file: Path, watch: Watch) -> Measured:
    """wrk in the generator container (``name``) under ``watch``; its output kept in ``raw_file``."""
    started = time.time()
    with watch:
        fields, report = wrk.run(stack.run, spec, name, raw_file)
    window = cost.wrk_window(watch.span("generator"), report["duration_s"], started, time.time())
    return Measured(fields, window, [], float(report["duration_s"]))


def _run_locust(stack: Stack, topology: Topology, spec: RunSpec, raw_dir: Path, watch: Watch, name: str):
    lspec = locust.LocustSpec(
        topology.target, spec.scenario.locustfile, spec.scenario.user_class, spec.users, spec.duration,
        spec.locust_workers, f"/out/raw/{topology.name}/{spec.csv_prefix}", spec.rate_per_user,
    )  # fmt: skip
    local = raw_dir / topology.name / spec.csv_prefix
    return run_locust(stack, lspec, name, local, watch, f"{topology.name}/{spec.csv_prefix}")


def _run_wrk(stack: Stack, topology: Topology, spec: RunSpec, raw_dir: Path, watch: Watch, name: str):
    paths = (spec.scenario.wrk_input,) if spec.scenario.wrk_input else wrk.paths_for(spec.scenario.name)
    if not paths:
        raise RuntimeError(f"wrk has no paths for {spec.scenario.name}")
    wspec = wrk.WrkSpec(topology.target, paths, spec.users, spec.duration, spec.generator_cpus)
    return run_wrk(stack, wspec, name, raw_dir / topology.name / f"{spec.csv_prefix}.txt", watch)


def run(stack: Stack, topology: Topology, spec: RunSpec, raw_dir: Path, ceiling_rps: float | None = None) -> dict:
    """One run; its figures, per-component CPU, and the generator's headroom (results.json terms)."""
    name = container_name(stack.project, spec.tool)
    containers = {service: stack.container_id(service) for service in topology.services} | {"generator": name}
    watch = Watch(containers, cpus=list(spec.sut_cpuset))
    measure = _run_wrk if spec.tool == "wrk" else _run_locust
    measured = measure(stack, topology, spec, raw_dir, watch, name)
    fields, window, warnings = measured.fields, measured.window, measured.warnings
    own = topology.nginx_own_cpu  # Nginx on the generator's CPU set
    cpus = {"app": spec.sut_cpus, "nginx": spec.generator_cpus if own else spec.sut_cpus, "postgres": spec.sut_cpus,
            "generator": spec.generator_cpus}  # fmt: skip
    costs = cost.component_costs(watch, topology.services, window, fields["rps"], cpus, spec.generator_on_sut,
                                 off_sut=("nginx",) if own else ())  # fmt: skip
    usage = costs["usage"]
    gen = usage.pop("generator", {"cpu_pct_avg": 0.0, "cpu_pct_max": 0.0})
    # Peak, not mean: a generator pinned at its limit for part of a run already distorts it.
    share, saturation = cost.generator_share(
        gen["cpu_pct_max"], spec.generator_cpus, costs["cpu_busy"].get("nginx", 0.0) if own else None
    )
    headroom = cost.headroom(ceiling_rps, fields["rps"])
    return {
        "topology": topology.name,
        "scenario": spec.scenario.name,
        "mode": spec.mode,
        "tool": spec.tool,
        "load_fraction": spec.load_fraction,
        "target_rps": round(spec.target_rps, 1) if spec.target_rps else None,
        "repetition": spec.repetition,
        "users": spec.users,
        "duration_s": spec.duration,
        **fields,
        "containers": usage,
        "cpu_us_per_request": costs["cpu_us_per_request"],
        "cpu_busy": costs["cpu_busy"],
        "window_s": costs["window_s"],
        **{k: costs[k] for k in ("sut_cpuset", "throttled") if k in costs},
        "generator": {
            "tool": spec.tool,
            "cpu_pct_avg": gen["cpu_pct_avg"],
            "cpu_pct_max": gen["cpu_pct_max"],
            "saturated": bool(warnings) or share > saturation,
            "warnings": warnings,
            "ceiling_rps": ceiling_rps,
            "headroom": headroom,
        },
        "csv_prefix": f"raw/{topology.name}/{spec.csv_prefix}",
    }
