"""`make loadtest`: ``python -m loadtest.runner`` (knobs from the environment, see settings.py).

For each topology, nothing else running: up -> healthy -> verify -> per scenario: warm-up
(discarded), REPEAT capacity runs, fixed-rate runs -> down. Then the fault runs (unless QUICK),
results.json and the report.
"""

import json
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from loadtest.resilience.matrix import run_all
from loadtest.results import manifest
from loadtest.results.paths import ROOT, certs_dir, reports_dir
from loadtest.results.schema import new_document
from loadtest.runner import cpus, generator, scenarios, topologies
from loadtest.runner.generator import RunSpec
from loadtest.runner.scenarios import Scenario
from loadtest.runner.settings import LoadtestSettings
from loadtest.runner.topologies import GENERATOR, Topology
from loadtest.stack import Stack

MEASUREMENT_PATH = (
    "Locust in a container on the same Docker bridge network as the system under test "
    "(container to container); no port published on the host is in the measured path"
)
console = Console(stderr=True)


class Matrix:
    """Runs every applicable (topology, scenario) pair and collects results.json."""

    def __init__(self, s: LoadtestSettings, run_dir: Path) -> None:
        self.s, self.run_dir = s, run_dir
        self.topologies = topologies.select(s.topologies, topologies.discover())
        self.scenarios = scenarios.select(s.scenarios)
        self.plan = cpus.plan(s.cpus)
        self.workers = s.workers or len(self.plan.sut)
        self.locust_workers = s.locust_workers or len(self.plan.generator)
        self.env = {
            "SUT_CPUSET": self.plan.sut_cpuset, "GENERATOR_CPUSET": self.plan.generator_cpuset,
            "WORKERS": str(self.workers), "RUN_DIR": str(run_dir),
            "RUN_UID": str(os.getuid()), "RUN_GID": str(os.getgid()),
            "CERTS_DIR": os.environ.get("CERTS_DIR", str(certs_dir() / "live")),
        }  # fmt: skip
        self.reference_capacity: dict[str, float] = {}  # scenario -> the reference topology's median RPS
        self.commands: list[str] = []
        self.failed = False
        self.status = lambda text: None  # progress hooks, set by run()
        self.step = lambda n=1: None
        self.results = new_document(
            run_dir.name, manifest.collect(self._settings_doc(), self._cpusets(), MEASUREMENT_PATH)
        )
        self.results["scenarios"] = scenarios.catalogue()

    def _settings_doc(self) -> dict:
        s = self.s
        return {
            "users": s.users, "duration_s": s.duration, "warmup_s": s.warmup, "repeat": s.repeat,
            "fractions": s.fractions, "workers": self.workers, "app_cpus": self.plan.sut_cpuset,
            "sut_cpus": len(self.plan.sut), "locust_workers": self.locust_workers, "quick": s.quick,
            "cpus_shared": self.plan.shared,
        }  # fmt: skip

    def _cpusets(self) -> dict:
        return {"app": self.plan.sut_cpuset, "nginx": self.plan.sut_cpuset, "generator": self.plan.generator_cpuset}

    def work(self) -> list[tuple[Topology, list[Scenario]]]:
        pairs = [(t, [sc for sc in self.scenarios if scenarios.applies(sc, t)]) for t in self.topologies]
        return [(t, scs) for t, scs in pairs if scs]

    def runs_per_scenario(self) -> int:
        return (1 if self.s.warmup else 0) + self.s.repeat + len(self.s.fractions)

    def _spec(self, sc, mode, rep, duration, fraction=None, target=None) -> RunSpec:
        return RunSpec(
            sc, mode, rep, self.s.users, duration, self.locust_workers, len(self.plan.generator), fraction, target
        )

    def _measure(self, stack: Stack, topology: Topology, spec: RunSpec) -> dict:
        run = generator.run(stack, topology, spec, self.run_dir / "raw")
        if spec.mode != "warmup":
            self.results["runs"].append(run)
        self.step()
        return run

    def run_topology(self, topology: Topology, mine: list[Scenario]) -> None:
        self.results["topologies"][topology.name] = topologies.describe(topology, self.workers, self.plan.sut_cpuset)
        stack = self.stack(topology)
        stack.stop()  # nothing from an earlier, interrupted run
        try:
            self.status(f"[bold]{topology.name}[/]: starting")
            stack.start()
            verdict = generator.verify(stack, topology, seed=50)
            self.results["verification"][topology.name] = verdict
            if not verdict["ok"]:
                console.print(
                    f"[red]{topology.name} failed verification, not measured:", *verdict["checks"], sep="\n  "
                )
                self.failed = True
                self.step(len(mine) * self.runs_per_scenario())
                return
            for sc in mine:
                self.run_scenario(stack, topology, sc)
        except RuntimeError as exc:
            console.print(f"[red]{topology.name}: {exc}")
            self.failed = True
        finally:
            stack.stop()
            self.commands.extend(c for c in stack.commands if c not in self.commands)

    def stack(self, topology: Topology) -> Stack:
        """The topology with the generator, as its own compose project; its variables go in a file
        in the run directory, so the commands in the manifest can be run again."""
        project = f"{self.s.loadtest_project}-{topology.name}"
        env_file = self.run_dir / "compose" / f"{topology.name}.env"
        return Stack(ROOT, project, [GENERATOR, topology.file], self.env, env_file)

    def run_scenario(self, stack: Stack, topology: Topology, sc: Scenario) -> None:
        s, label = self.s, f"[bold]{topology.name}[/] {sc.name}"
        if s.warmup:
            self.status(f"{label} warm-up")
            self._measure(stack, topology, self._spec(sc, "warmup", 1, s.warmup))
        capacity = []
        for rep in range(1, s.repeat + 1):
            self.status(f"{label} capacity {rep}/{s.repeat}")
            capacity.append(self._measure(stack, topology, self._spec(sc, "capacity", rep, s.duration))["rps"])
        own = statistics.median(capacity)
        if topology.name == topologies.REFERENCE:
            self.reference_capacity[sc.name] = own
        base = self.reference_capacity.get(sc.name, own)  # equal offered load for every topology
        for fraction in s.fractions:
            self.status(f"{label} fixed rate {fraction:.0%}")
            self._measure(stack, topology, self._spec(sc, "fixed-rate", 1, s.duration, fraction, fraction * base))

    def run(self) -> dict:
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("left"), TimeRemainingColumn()]  # fmt: skip
        work = self.work()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("starting", total=sum(len(scs) for _, scs in work) * self.runs_per_scenario())
            self.status = lambda text: progress.update(task, description=text)
            self.step = lambda n=1: progress.advance(task, n)
            for topology, mine in work:
                self.run_topology(topology, mine)
        if self.s.resilience if self.s.resilience is not None else not self.s.quick:
            self.results["resilience"] = _resilience()
        self.results["manifest"]["commands"] = [" ".join(["make", "loadtest", *sys.argv[1:]]), *self.commands]
        return self.results


def _resilience() -> list[dict]:
    """The fault runs (loadtest/resilience), long versions, on fresh copies of the bundle."""
    with tempfile.TemporaryDirectory() as work:
        return run_all(True, certs_dir(), Path(work), progress=lambda m: console.print(m))


def _point_latest(reports: Path, run_id: str) -> None:
    latest = reports / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(run_id)


def build_images() -> None:
    """Build (or confirm, from cache) the app, Nginx and generator images the topologies use.
    Base images come from the environment that `make` sets (scripts/images.sh)."""
    for files, profile in ((["docker-compose.yml"], "prod"), ([GENERATOR], "generator")):
        try:
            Stack(ROOT, "apibundle-build", files, profiles=[profile]).build()
        except RuntimeError as exc:
            raise SystemExit(str(exc)) from None


def main() -> int:
    s = LoadtestSettings()
    reports = reports_dir(s.reports_dir)
    run_dir = reports / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    console.print("building images (cached when unchanged)")
    build_images()
    (run_dir / "raw").mkdir(parents=True)
    matrix = Matrix(s, run_dir)
    if matrix.plan.shared:
        console.print("[yellow]not enough CPUs to separate generator and system under test: runs will be flagged")
    results = matrix.run()
    (run_dir / "results.json").write_text(json.dumps(results, indent=1))
    _point_latest(reports, run_dir.name)

    from loadtest.report import write_report

    paths = write_report(run_dir)
    url = f"https://localhost:{os.environ.get('HTTPS_PORT', '8443')}/reports/{run_dir.name}/report.html"
    console.print(f"[green]report:[/] {paths['html']}  ({url})")
    return 1 if matrix.failed else 0


if __name__ == "__main__":
    sys.exit(main())
