"""`make loadtest`: ``python -m loadtest.runner`` (knobs from the environment, see settings.py).

First each generator's ceiling (calibration.py). Then REPEAT rounds, interleaved: in each round
every topology in turn, nothing else running: up -> healthy -> (first round: verify, idle CPU)
-> per scenario: warm-up (discarded), one Locust capacity run, one wrk capacity run where wrk
applies, this round's share of the fixed-rate runs -> down. Then the fault runs (unless QUICK),
results.json and the report.

With APP_DIR (runner/app.py) the app is the user's: one scenario, ``app``, from the user's
locustfile, the project's loadtest.toml, or the app's OpenAPI document (fetched once, through
the first topology that comes up); its request list is fixed in the run folder before the
first verification, and every topology's Locust, wrk and verify runs read that one file.
"""

import json
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from loadtest.appscenario import ScenarioError
from loadtest.resilience.matrix import run_all
from loadtest.results import manifest
from loadtest.results.paths import ROOT, certs_dir, reports_dir
from loadtest.results.schema import new_document
from loadtest.runner import calibration, cpus, generator, rounds, scenarios, topologies
from loadtest.runner.app import PROBE, App
from loadtest.runner.generator import RunSpec
from loadtest.runner.generators import wrk
from loadtest.runner.scenarios import Scenario
from loadtest.runner.settings import LoadtestSettings
from loadtest.runner.topologies import GENERATOR, Topology
from loadtest.stack import Stack

MEASUREMENT_PATH = (
    "Locust and wrk in a container on the same Docker bridge network as the system under test "
    "(container to container); no port published on the host is in the measured path; "
    "CPU per request from cumulative cgroup CPU counters"
)
console = Console(stderr=True)


class Matrix:
    """Runs every applicable (topology, scenario) pair and collects results.json."""

    def __init__(self, s: LoadtestSettings, run_dir: Path, app: App | None = None) -> None:
        self.s, self.run_dir, self.app = s, run_dir, app
        self.topologies = topologies.select(s.topologies, topologies.discover())
        self.scenarios = app.scenarios(s.scenarios, scenarios.SCENARIOS) if app else scenarios.select(s.scenarios)
        self.plan = cpus.plan(s.cpus)
        self.workers = s.workers or len(self.plan.sut)
        self.locust_workers = s.locust_workers or len(self.plan.generator)
        self.wrk_duration = s.wrk_duration or s.duration
        self.env = {
            "SUT_CPUSET": self.plan.sut_cpuset, "GENERATOR_CPUSET": self.plan.generator_cpuset,
            "WORKERS": str(self.workers), "RUN_DIR": str(run_dir),
            "RUN_UID": str(os.getuid()), "RUN_GID": str(os.getgid()),
            "CERTS_DIR": os.environ.get("CERTS_DIR", str(certs_dir() / "live")),
            # Topologies on Postgres (store: postgres) mount it as their secret (make secrets).
            "POSTGRES_PASSWORD_FILE": os.environ.get("POSTGRES_PASSWORD_FILE", str(ROOT / "secrets/postgres_password")),
        }  # fmt: skip
        if app is not None:
            self.env |= app.env()
            if app.requests is not None:  # declared: fixed before anything runs
                app.write(run_dir)
        self.reference_capacity: dict[str, list[float]] = {}  # scenario -> the reference's Locust RPS so far
        self.calibration: dict[str, dict] = {}
        self.broken: set[str] = set()  # topologies that failed verification or did not come up
        self.commands: list[str] = []
        self.failed = False
        self.status = lambda text: None  # progress hooks, set by run()
        self.step = lambda n=1: None
        self.results = new_document(
            run_dir.name, manifest.collect(self._settings_doc(), self._cpusets(), MEASUREMENT_PATH)
        )
        self.results["scenarios"] = (
            {sc.name: {"label": sc.label, "description": sc.description} for sc in self.scenarios}
            if app
            else scenarios.catalogue()
        )
        self.results["calibration"] = {}
        if app is not None:
            self.results["app"] = app.document()

    def _settings_doc(self) -> dict:
        s = self.s
        return {
            "users": s.users, "duration_s": s.duration, "warmup_s": s.warmup, "repeat": s.repeat,
            "fractions": s.fractions, "workers": self.workers, "app_cpus": self.plan.sut_cpuset,
            "sut_cpus": len(self.plan.sut), "locust_workers": self.locust_workers, "quick": s.quick,
            "cpus_shared": self.plan.shared, "interleaved": True, "rounds": s.repeat, "wrk": s.wrk,
            "wrk_duration_s": self.wrk_duration, "calibration_s": s.calibration_s, "idle_s": s.idle_s,
            "locust_rounds": s.locust_rounds,
        }  # fmt: skip

    def _cpusets(self) -> dict:
        return {"app": self.plan.sut_cpuset, "nginx": self.plan.sut_cpuset, "generator": self.plan.generator_cpuset}

    def work(self) -> list[tuple[Topology, list[Scenario]]]:
        pairs = [(t, [sc for sc in self.scenarios if scenarios.applies(sc, t)]) for t in self.topologies]
        return [(t, scs) for t, scs in pairs if scs]

    def wrk_applies(self, sc: Scenario) -> bool:
        return self.s.wrk and (sc.wrk_input is not None or wrk.paths_for(sc.name) is not None)

    def visits(self) -> list[rounds.Visit]:
        return rounds.plan(self.work(), self.s.repeat, self.s.fractions)

    def locust_capacity(self, sc: Scenario, r: int) -> bool:
        """Locust measures capacity in every round, except where wrk does too: then only in the
        first LOCUST_ROUNDS rounds (QUICK: one), for the side-by-side figure."""
        return not self.wrk_applies(sc) or self.s.locust_rounds is None or r <= self.s.locust_rounds

    def needs_warmup(self, sc: Scenario, r: int) -> bool:
        """A warm-up run (discarded) first, with wrk where it applies (same requests, a fraction of
        Locust's start-up time); not where wrk's stateless scenarios start with a Locust run,
        whose ramp-up before --reset-stats is discarded already."""
        return bool(self.s.warmup) and not (self.wrk_applies(sc) and self.locust_capacity(sc, r))

    def runs_in(self, visit: rounds.Visit) -> int:
        return sum(
            self.needs_warmup(sc, visit.round) + self.locust_capacity(sc, visit.round) + self.wrk_applies(sc)
            + len(visit.fractions)
            for sc in visit.scenarios
        )  # fmt: skip

    def _spec(self, sc, mode, rep, duration, fraction=None, target=None, tool="locust") -> RunSpec:
        return RunSpec(
            sc, mode, rep, self.s.users, duration, self.locust_workers, len(self.plan.generator), fraction, target,
            tool, len(self.plan.sut),
        )  # fmt: skip

    def _measure(self, stack: Stack, topology: Topology, spec: RunSpec) -> dict:
        ceiling = calibration.ceiling(self.calibration, spec.tool, topology.target)
        run = generator.run(stack, topology, spec, self.run_dir / "raw", ceiling)
        if spec.mode != "warmup":
            self.results["runs"].append(run)
        self.step()
        return run

    def calibrate(self) -> None:
        """Each generator's ceiling, on Nginx alone (compose/loadtest/calibration.yml)."""
        project = f"{self.s.loadtest_project}-calibration"
        env_file = self.run_dir / "compose" / "calibration.env"
        stack = Stack(ROOT, project, [GENERATOR, calibration.CALIBRATION_FILE], self.env, env_file)
        tools = calibration.TOOLS if self.s.wrk else ("locust",)
        cal = calibration.Calibrator(
            stack, self.run_dir / "raw", self.s.calibration_s, self.s.users, len(self.plan.generator),
            self.locust_workers, self.status,
        )  # fmt: skip
        try:
            self.calibration = cal.run(tools)
        except RuntimeError as exc:  # measured runs still go ahead, without ceilings
            console.print(f"[red]calibration failed, runs will have no ceiling: {exc}")
            self.failed = True
        finally:
            self.commands.extend(c for c in stack.commands if c not in self.commands)
        self.results["calibration"] = self.calibration
        for k, e in self.calibration.items():
            console.print(f"ceiling {k}: {e['rps']:,.0f} req/s (generator CPU {e['generator_cpu_pct']:.0f}%)")

    def describe(self, topology: Topology) -> dict:
        doc = topologies.describe(topology, self.workers, self.plan.sut_cpuset)
        doc.setdefault("upstream", _upstream(topology))
        doc.setdefault("idle_cpu_pct", {})
        return doc

    def visit(self, v: rounds.Visit) -> None:
        topology, mine = v.topology, list(v.scenarios)
        if topology.name in self.broken:
            self.step(self.runs_in(v))
            return
        if v.verify:
            self.results["topologies"][topology.name] = self.describe(topology)
        stack = self.stack(topology)
        if v.round == 1:
            stack.stop()  # nothing from an earlier, interrupted run
        try:
            self.status(f"[bold]{topology.name}[/] round {v.round}: starting")
            stack.start()
            if self.app is not None and not self.app.fixed:
                self.fix_requests(stack, topology)
            if v.verify and not self.verify(stack, topology):
                self.step(self.runs_in(v))
                return
            for sc in mine:
                self.run_scenario(stack, topology, sc, v)
        except RuntimeError as exc:
            console.print(f"[red]{topology.name} (round {v.round}): {exc}")
            self.failed = True
            self.broken.add(topology.name)
        finally:
            stack.stop()
            self.commands.extend(c for c in stack.commands if c not in self.commands)

    def fix_requests(self, stack: Stack, topology: Topology) -> None:
        """The app's request list from its OpenAPI document, through the first topology up; the
        same list (requests.json) for every topology after it. ScenarioError stops the run."""
        assert self.app is not None
        self.status(f"[bold]{topology.name}[/]: the app's OpenAPI document")
        self.app.derive(self.run_dir, lambda url, out: generator.fetch(stack, url, out), topology.target)
        self.app.write(self.run_dir)
        self.results["app"] = self.app.document()
        console.print(f"requests from {self.app.openapi_path} (through {topology.name}):")
        for r in self.app.requests or []:
            console.print(f"  {r.method} {r.path} -> {r.expect}")

    def verify(self, stack: Stack, topology: Topology) -> bool:
        extra = self.app.verify_args() if self.app else None
        verdict = generator.verify(stack, topology, seed=50, extra=extra, probe=PROBE)
        self.results["verification"][topology.name] = verdict
        if not verdict["ok"]:
            console.print(f"[red]{topology.name} failed verification, not measured:", *verdict["checks"], sep="\n  ")
            self.failed = True
            self.broken.add(topology.name)
            return False
        if self.s.idle_s:
            self.status(f"[bold]{topology.name}[/] idle CPU")
            idle = generator.idle_cpu_pct(stack, topology, self.s.idle_s)
            self.results["topologies"][topology.name]["idle_cpu_pct"] = idle
        return True

    def stack(self, topology: Topology) -> Stack:
        """The topology with the generator, as its own compose project; its variables go in a file
        in the run directory, so the commands in the manifest can be run again."""
        project = f"{self.s.loadtest_project}-{topology.name}"
        env_file = self.run_dir / "compose" / f"{topology.name}.env"
        return Stack(ROOT, project, [GENERATOR, topology.file], self.env, env_file)

    def offered_base(self, sc: Scenario, own: float | None) -> float:
        """The load fixed-rate runs take fractions of: the reference's median Locust capacity so
        far (equal offered load for every topology), capped below Locust's ceiling."""
        ref = self.reference_capacity.get(sc.name)
        base = statistics.median(ref) if ref else own
        cap = calibration.offered_cap(self.calibration)
        if base is None:
            return cap or 0.0
        return min(base, cap) if cap else base

    def run_scenario(self, stack: Stack, topology: Topology, sc: Scenario, v: rounds.Visit) -> None:
        s, label = self.s, f"[bold]{topology.name}[/] {sc.name} round {v.round}/{self.s.repeat}"
        if self.needs_warmup(sc, v.round):
            tool = "wrk" if self.wrk_applies(sc) else "locust"
            self.status(f"{label} warm-up ({tool})")
            self._measure(stack, topology, self._spec(sc, "warmup", v.round, s.warmup, tool=tool))
        own = None
        if self.locust_capacity(sc, v.round):
            self.status(f"{label} capacity (Locust)")
            own = self._measure(stack, topology, self._spec(sc, "capacity", v.round, s.duration))["rps"]
            if topology.name == topologies.REFERENCE:
                self.reference_capacity.setdefault(sc.name, []).append(own)
        if self.wrk_applies(sc):
            self.status(f"{label} capacity (wrk)")
            self._measure(stack, topology, self._spec(sc, "capacity", v.round, self.wrk_duration, tool="wrk"))
        for fraction in v.fractions:
            base = self.offered_base(sc, own)
            self.status(f"{label} fixed rate {fraction:.0%}")
            self._measure(stack, topology, self._spec(sc, "fixed-rate", 1, s.duration, fraction, fraction * base))

    def run(self) -> dict:
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("left"), TimeRemainingColumn()]  # fmt: skip
        visits = self.visits()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("starting", total=sum(self.runs_in(v) for v in visits))
            self.status = lambda text: progress.update(task, description=text)
            self.step = lambda n=1: progress.advance(task, n)
            self.calibrate()
            for v in visits:
                self.visit(v)
        if self.s.resilience if self.s.resilience is not None else not self.s.quick:
            self.results["resilience"] = _resilience()
        self.results["manifest"]["commands"] = [" ".join(["make", "loadtest", *sys.argv[1:]]), *self.commands]
        return self.results


def _upstream(topology: Topology) -> str | None:
    """How Nginx reaches the app: x-topology's ``upstream`` (default tcp); None without Nginx."""
    if not topology.nginx:
        return None
    declared = getattr(topology, "upstream", None)
    if declared is None:  # the catalogue does not carry it (yet): read the topology file's block
        declared = (yaml.safe_load(topology.file.read_text()).get("x-topology") or {}).get("upstream")
    return declared or "tcp"


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
    Base images come from the environment that `make` sets (scripts/images.sh, which also built
    the runtime images and, air-gapped, the app's wheels); APP_DIR's project is built as the app
    and as its comparison image (APP_IMAGE-compare, generator.yml's app-compare)."""
    builds = [
        (["docker-compose.yml"], "prod"),
        (["docker-compose.yml"], "postgres"),
        ([GENERATOR], "generator"),
        ([GENERATOR], "compare-image"),
    ]
    for files, profile in builds:
        try:
            Stack(ROOT, "apibundle-build", files, profiles=[profile]).build()
        except RuntimeError as exc:
            raise SystemExit(str(exc)) from None


def main() -> int:
    s = LoadtestSettings()
    reports = reports_dir(s.reports_dir)
    run_dir = reports / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        app = App.from_settings(s) if s.app_dir else None
    except ScenarioError as exc:
        raise SystemExit(f"loadtest: {exc}") from None
    if app is None and s.locustfile:
        raise SystemExit("loadtest: LOCUSTFILE is for a user app: give APP_DIR too")
    if app is not None:
        console.print(f"app: {app.name} ({app.commit or 'not a git checkout'}), scenario from {app.source.kind}")
    console.print("building images (cached when unchanged)")
    build_images()
    (run_dir / "raw").mkdir(parents=True)
    matrix = Matrix(s, run_dir, app)
    if matrix.plan.shared:
        console.print("[yellow]not enough CPUs to separate generator and system under test: runs will be flagged")
    try:
        results = matrix.run()
    except ScenarioError as exc:
        raise SystemExit(f"loadtest: {exc}") from None
    (run_dir / "results.json").write_text(json.dumps(results, indent=1))
    _point_latest(reports, run_dir.name)

    from loadtest.report import write_report

    paths = write_report(run_dir)
    url = f"https://localhost:{os.environ.get('HTTPS_PORT', '8443')}/reports/{run_dir.name}/report.html"
    console.print(f"[green]report:[/] {paths['html']}  ({url})")
    return 1 if matrix.failed else 0


if __name__ == "__main__":
    sys.exit(main())
