"""`make loadtest`: ``python -m loadtest.runner`` (knobs from the environment, see settings.py).

Before anything runs, the plan is printed (topologies, scenarios, questions, rounds at most,
budget) with its expected duration (plan.estimate). First each generator's ceiling
(calibration.py). Then rounds, interleaved: in each round every topology in turn, nothing else
running: up -> healthy -> (first round: verify, idle CPU; later rounds: re-seed the read
scenarios' items) -> per scenario: warm-up (discarded), a Locust capacity run, a wrk capacity run
where wrk applies, this round's share of the fixed-rate runs -> down.

The default plan is adaptive (loadtest/report/sequential.py): after each round from the first
look on, every open comparison (a question's pair of topologies on one scenario, decided on CPU
µs per request) gets its look; the next round brings up only the topologies some open
comparison still needs, and only while it fits in BUDGET. FULL=1 and QUICK=1 run REPEAT fixed
rounds. Then the fault runs (RESILIENCE=1 only), results.json and the report; at the end, how
long it took against the plan, and why when the two differ by more than 10%.

With APP_DIR (runner/app.py) the app is the user's: one scenario, ``app``, from the user's
locustfile, the project's loadtest.toml, or the app's OpenAPI document (fetched once, through
the first topology that comes up); its request list is fixed in the run folder before the
first verification, and every topology's Locust, wrk and verify runs read that one file.
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from loadtest.bundle.host import servers_unavailable
from loadtest.bundle.paths import ROOT, certs_dir, reports_dir
from loadtest.bundle.stack import Stack
from loadtest.generator.appscenario import ScenarioError
from loadtest.report import run_folder, sequential
from loadtest.report.questions import QUESTIONS
from loadtest.resilience.matrix import run_one
from loadtest.results import manifest
from loadtest.results.schema import load, new_document
from loadtest.runner import calibration, cpus, measure, plan, rounds, scenarios, topologies
from loadtest.runner.app import PROBE, App
from loadtest.runner.measure import RunSpec
from loadtest.runner.plan import Costs, Step
from loadtest.runner.progress import Reporter
from loadtest.runner.scenarios import Scenario
from loadtest.runner.settings import LoadtestSettings
from loadtest.runner.topologies import GENERATOR, Topology

MEASUREMENT_PATH = (
    "Locust and wrk in a container on the same Docker bridge network as the system under test "
    "(container to container); no port published on the host is in the measured path; "
    "CPU per request from cumulative cgroup CPU counters"
)
console = Console(stderr=True)


class Matrix:
    """Runs the plan's (topology, scenario) pairs, round by round, and collects results.json."""

    def __init__(self, s: LoadtestSettings, run_dir: Path, app: App | None = None, costs: Costs | None = None) -> None:
        self.s, self.run_dir, self.app = s, run_dir, app
        self.costs = costs or Costs()
        self.topologies = topologies.select(s.topologies, topologies.discover())
        self.scenarios = app.scenarios(s.scenarios, scenarios.SCENARIOS) if app else scenarios.select(s.scenarios)
        self.plan = cpus.plan(s.cpus)
        self.workers = s.workers or len(self.plan.sut)
        self.locust_workers = s.locust_workers or len(self.plan.generator)
        self.rules = rounds.Rules.of(s, app is not None)
        self.wrk_duration = self.rules.wrk_duration
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
        self.unavailable: dict[str, str] = {}  # topology -> why the app's image cannot run its server
        self.commands: list[str] = []
        self.failed = False
        self.rep: Reporter | None = None
        self.primary: dict[tuple[str, str, int], dict] = {}  # (topology, scenario, round) -> its capacity run
        self.max_rounds = self.fit_rounds() if s.adaptive else s.repeat
        first = min(sequential.FIRST_LOOK, self.max_rounds)
        self.alphas = sequential.look_alphas(self.max_rounds, first_look=first) if s.adaptive else {}
        self.comparisons = self._comparisons() if s.adaptive else []
        self.stop_reason = ""  # why the rounds ended (adaptive)
        self.results = new_document(run_dir.name, {})  # the manifest is taken when the run starts
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
            "wrk_duration_s": self.wrk_duration, "calibration_s": s.calibration_s,
            "idle_s": self.rules.idle_s, "probe_interval_s": topologies.probe_interval_s(),
            "locust_rounds": s.locust_rounds, "plan": s.plan_name, "full": s.full, "adaptive": s.adaptive,
            "budget_s": s.budget if s.adaptive else None, "resilience": s.resilience,
        }  # fmt: skip

    def _cpusets(self) -> dict:
        return {"app": self.plan.sut_cpuset, "nginx": self.plan.sut_cpuset, "generator": self.plan.generator_cpuset}

    # --- what runs -------------------------------------------------------------------------

    def work(self) -> list[tuple[Topology, list[Scenario]]]:
        return rounds.work(self.topologies, self.scenarios)

    def _comparisons(self) -> list[sequential.Comparison]:
        return rounds.comparisons(self.work(), self.scenarios, QUESTIONS, self.alphas)

    def visits(self) -> list[rounds.Visit]:
        """FULL and QUICK: every round, every topology. The default plan: see run_adaptive."""
        return self.rules.visits(self.work())

    def steps(self, v: rounds.Visit) -> list[Step]:
        return self.rules.steps(v)

    def calibration_step(self) -> Step:
        return self.rules.calibration_step()

    def fault_steps(self) -> list[Step]:
        return rounds.fault_steps() if self.s.resilience else []

    def round_plan(self, r: int, needed: set[tuple[str, str]] | None) -> list[rounds.Visit]:
        """Round r of the default plan: the visits the open comparisons need (None: everything)."""
        return self.rules.round(rounds.without(self.work(), self.broken), r, needed)

    def round_steps(self, r: int, needed: set[tuple[str, str]] | None) -> list[Step]:
        return self.rules.round_steps(rounds.without(self.work(), self.broken), r, needed)

    def fit_rounds(self) -> int:
        """The default plan's rounds at most: REPEAT when given, else as many as fit in BUDGET with
        every comparison open to the end (calibration and faults included)."""
        if self.s.given("repeat"):
            return self.s.repeat
        fixed = plan.estimate([self.calibration_step(), *self.fault_steps()], self.costs)
        return rounds.fit_rounds(self.s.budget, fixed, self.rules.round_costs(self.work(), self.s.repeat, self.costs))

    def needed(self) -> set[tuple[str, str]]:
        """(topology, scenario) pairs an open comparison still needs."""
        return rounds.needed(self.comparisons, self.broken)

    def expected(self) -> dict:
        """The plan's durations (seconds): worst case, best case, and the one the run is held to."""
        fixed = plan.estimate([self.calibration_step()], self.costs)
        faults = plan.estimate(self.fault_steps(), self.costs)
        if not self.s.adaptive:
            rounds_s = plan.estimate([x for v in self.visits() for x in self.steps(v)], self.costs)
            return {"planned_s": fixed + rounds_s + faults, "worst_s": fixed + rounds_s + faults, "faults_s": faults}
        per_round = self.rules.round_costs(self.work(), self.max_rounds, self.costs)
        worst = fixed + sum(per_round) + faults
        best = fixed + sum(per_round[: min(self.alphas, default=1)]) + faults
        return {"planned_s": worst, "worst_s": worst, "best_s": best, "faults_s": faults, "round_s": per_round}

    def describe_plan(self) -> list[str]:
        s, e = self.s, self.expected()
        lines = [f"plan: {s.plan_name}" + (" (FULL=1: the whole matrix)" if s.full else "")]
        lines.append(f"  topologies ({len(self.topologies)}): {', '.join(t.name for t in self.topologies)}")
        lines.append(f"  scenarios: {', '.join(sc.name for sc in self.scenarios)}")
        if s.adaptive:
            looks = sorted(self.alphas)
            lines.append(
                f"  rounds: at most {self.max_rounds}, interleaved; looks after rounds {looks[0]}..{looks[-1]}, "
                f"each at α = {sequential.ALPHA:g}/{len(looks)} ({sequential.METHOD}); decided on CPU µs per request, "
                f"equivalence within ±{sequential.THRESHOLD:.0%}"
            )
            lines.append(f"  questions ({len(self.comparisons)} comparisons):")
            lines += [f"    {c.question}: {c.a} vs {c.b}, {c.scenario}" for c in self.comparisons]
            lines.append(
                f"  budget: {plan.clock(s.budget)}: {self.max_rounds} rounds with every comparison open take "
                f"{plan.clock(e['worst_s'])}; if every one is decided at the first look, {plan.clock(e['best_s'])}"
            )
        else:
            lines.append(f"  rounds: {s.repeat}, interleaved, every topology each round")
        lines.append(f"  fixed-rate points: {', '.join(f'{f:.0%}' for f in s.fractions) or 'none'}")
        faults = f"{len(self.fault_steps())} fault runs, {plan.clock(e['faults_s'])}" if s.resilience else "off"
        lines.append(f"  resilience: {faults}" + ("" if s.resilience else " (RESILIENCE=1 or make resilience)"))
        lines.append(f"  expected duration: {plan.clock(e['planned_s'])} (stack up/down, verify, warm-ups, runs)")
        return lines

    # --- running it ------------------------------------------------------------------------

    def _spec(self, sc, mode, rep, duration, fraction=None, target=None, tool="locust") -> RunSpec:
        return RunSpec(
            sc, mode, rep, self.s.users, duration, self.locust_workers, len(self.plan.generator), fraction, target,
            tool, len(self.plan.sut), tuple(self.plan.sut), self.plan.shared,
        )  # fmt: skip

    def _measure(self, stack: Stack, topology: Topology, spec: RunSpec, step: Step) -> dict:
        assert self.rep is not None
        ceiling = calibration.ceiling(self.calibration, spec.tool, topology.target)
        with self.rep.step(step) as rep:
            run = measure.run(stack, topology, spec, self.run_dir / "raw", ceiling)
            us = sum(v for k, v in (run.get("cpu_us_per_request") or {}).items() if k != "generator" and v)
            rep.note = f"{run['rps']:,.0f} req/s" + (f", {us:,.0f} µs/request" if us else "")
        if spec.mode != "warmup":
            self.results["runs"].append(run)
        return run

    def calibrate(self) -> None:
        """Each generator's ceiling, on Nginx alone (compose/loadtest/calibration.yml)."""
        assert self.rep is not None
        project = f"{self.s.loadtest_project}-calibration"
        env_file = self.run_dir / "compose" / "calibration.env"
        stack = Stack(ROOT, project, [GENERATOR, calibration.CALIBRATION_FILE], self.env, env_file)
        tools = calibration.TOOLS if self.s.wrk else ("locust",)
        cal = calibration.Calibrator(
            stack, self.run_dir / "raw", self.s.calibration_s, self.s.users, len(self.plan.generator),
            self.locust_workers, self.rep.status,
        )  # fmt: skip
        try:
            with self.rep.step(self.calibration_step()):
                self.calibration = cal.run(tools)
        except RuntimeError as exc:  # measured runs still go ahead, without ceilings
            console.print(f"[red]calibration failed, runs will have no ceiling: {exc}")
            self.failed = True
        finally:
            self.commands.extend(c for c in stack.commands if c not in self.commands)
        self.results["calibration"] = self.calibration
        for k, e in self.calibration.items():
            self.rep.line(f"ceiling {k}: {e['rps']:,.0f} req/s (generator CPU {e['generator_cpu_pct']:.0f}%)")

    def describe(self, topology: Topology) -> dict:
        doc = topologies.describe(topology, self.workers, self.plan.sut_cpuset, self.plan.generator_cpuset)
        doc.setdefault("idle_cpu_pct", {})
        return doc

    def visit(self, v: rounds.Visit) -> None:
        assert self.rep is not None
        topology, steps = v.topology, self.steps(v)
        if topology.name in self.broken:
            self.rep.skip(steps)
            return
        queue = list(steps)
        if v.verify:
            self.results["topologies"][topology.name] = self.describe(topology)
        stack = self.stack(topology)
        if v.round == 1:
            stack.stop()  # nothing from an earlier, interrupted run
        try:
            with self.rep.step(queue.pop(0)):
                stack.start()
            if self.app is not None and not self.app.fixed:
                self.fix_requests(stack, topology)
            if (v.verify or self.rules.seeds(v)) and not self.verify(stack, topology, queue.pop(0), v.verify):
                return
            if v.verify and self.rules.idle_s:
                with self.rep.step(queue.pop(0)):
                    self.idle(stack, topology)
            for sc in v.scenarios:
                self.run_scenario(stack, topology, sc, v, queue)
        except RuntimeError as exc:
            self.rep.line(f"[red]{topology.name} (round {v.round}): {exc}")
            self.failed = True
            self.broken.add(topology.name)
        finally:
            down = queue.pop() if queue and queue[-1].kind == plan.DOWN else Step(plan.DOWN, "down")
            self.rep.skip(queue)  # what did not run after a failure
            with self.rep.step(down):
                stack.stop()
            self.commands.extend(c for c in stack.commands if c not in self.commands)

    def fix_requests(self, stack: Stack, topology: Topology) -> None:
        """The app's request list from its OpenAPI document, through the first topology up; the
        same list (requests.json) for every topology after it. ScenarioError stops the run."""
        assert self.app is not None and self.rep is not None
        self.rep.status(f"[bold]{topology.name}[/]: the app's OpenAPI document")
        self.app.derive(self.run_dir, lambda url, out: measure.fetch(stack, url, out), topology.target)
        self.app.write(self.run_dir)
        self.results["app"] = self.app.document()
        self.rep.line(f"requests from {self.app.openapi_path} (through {topology.name}):")
        for r in self.app.requests or []:
            self.rep.line(f"  {r.method} {r.path} -> {r.expect}")

    def verify(self, stack: Stack, topology: Topology, step: Step, first: bool = True) -> bool:
        """The verifier (first visit: recorded; later: it re-seeds the read scenarios' items)."""
        assert self.rep is not None
        extra = self.app.verify_args() if self.app else None
        with self.rep.step(step):
            verdict = measure.verify(stack, topology, seed=50, extra=extra, probe=PROBE)
        if first or not verdict["ok"]:
            self.results["verification"][topology.name] = verdict
        if not verdict["ok"]:
            self.rep.line(
                f"[red]{topology.name} failed verification, not measured:\n  " + "\n  ".join(verdict["checks"])
            )
            self.failed = True
            self.broken.add(topology.name)
            return False
        return True

    def idle(self, stack: Stack, topology: Topology) -> None:
        idle = measure.idle_cpu_pct(stack, topology, self.rules.idle_s)
        self.results["topologies"][topology.name]["idle_cpu_pct"] = idle

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

    def run_scenario(self, stack: Stack, topology: Topology, sc: Scenario, v: rounds.Visit, queue: list[Step]) -> None:
        s, r = self.s, v.round
        if self.rules.needs_warmup(sc, r, topology):
            spec = self._spec(sc, "warmup", r, s.warmup, tool=self.rules.warmup_tool(sc))
            self._measure(stack, topology, spec, queue.pop(0))
        own = None
        if self.rules.locust_capacity(sc, r, topology):
            run = self._measure(stack, topology, self._spec(sc, "capacity", r, s.duration), queue.pop(0))
            own = run["rps"]
            self.primary[(topology.name, sc.name, r)] = run
            if topology.name == topologies.REFERENCE:
                self.reference_capacity.setdefault(sc.name, []).append(own)
        if self.rules.wrk_applies(sc):
            spec = self._spec(sc, "capacity", r, self.wrk_duration, tool="wrk")
            self.primary[(topology.name, sc.name, r)] = self._measure(stack, topology, spec, queue.pop(0))
        for fraction in v.fractions:
            base = self.offered_base(sc, own)
            spec = self._spec(sc, "fixed-rate", 1, s.duration, fraction, fraction * base)
            self._measure(stack, topology, spec, queue.pop(0))

    # --- the adaptive rounds ---------------------------------------------------------------

    def value(self, c: sequential.Comparison, topology: str, r: int) -> float | None:
        """This round's figure for one side: SUT CPU µs per request (app + Nginx + store) of its
        capacity run (wrk where it runs), or its RPS where the comparison fell back to RPS."""
        run = self.primary.get((topology, c.scenario, r))
        if run is None:
            return None
        if c.metric == "rps":
            return float(run["rps"]) if run["rps"] else None
        us = [v for k, v in (run.get("cpu_us_per_request") or {}).items() if k != "generator" and v is not None]
        return float(sum(us)) if us else None

    def look(self, r: int) -> None:
        assert self.rep is not None
        for c in self.comparisons:
            if not c.open:
                continue
            if c.a in self.broken or c.b in self.broken:
                c.stop(sequential.STOP_BROKEN)
                continue
            a, b = self.value(c, c.a, r), self.value(c, c.b, r)
            if r == 1 and (a is None or b is None) and c.metric != "rps":  # no cgroup figures: decide on RPS
                c.metric, c.lower_is_better = "rps", False
                a, b = self.value(c, c.a, r), self.value(c, c.b, r)
            result = c.add(r, a, b)
            if result is not None and not c.open and c.stopped == sequential.STOP_DECIDED:
                self.rep.line(
                    f"decided after round {r}: {c.question} ({c.scenario}): {c.verdict}, "
                    f"{result.effect:+.1%} (CI {result.ci_low:+.1%}..{result.ci_high:+.1%}) on {c.metric}"
                )

    def run_adaptive(self, budget_s: float) -> None:
        """Rounds while some comparison is open, each only with what the open ones need, while it fits."""
        assert self.rep is not None
        last = 0
        for r in range(1, self.max_rounds + 1):
            needed = None if r == 1 else self.needed()
            if needed is not None and not needed:
                break
            visits = self.round_plan(r, needed)
            cost = plan.estimate([x for v in visits for x in self.steps(v)], self.costs)
            if r > 1 and self.rep.elapsed + cost > budget_s:
                self.stop_reason = (
                    f"round {r} ({plan.clock(cost)}) would not fit in what is left of the budget "
                    f"({plan.clock(max(budget_s - self.rep.elapsed, 0))})"
                )
                break
            self.rep.line(f"round {r}: {', '.join(v.topology.name for v in visits)}")
            for v in visits:
                self.visit(v)
            self.look(r)
            last = r
            left = self.needed()
            later = sum(plan.estimate(self.round_steps(k, left), self.costs) for k in range(r + 1, self.max_rounds + 1))
            faults = plan.estimate(self.fault_steps(), self.costs)
            self.rep.replan(min(later, max(budget_s - self.rep.elapsed, 0)) + faults if left else faults)
        reason = sequential.STOP_BUDGET if self.stop_reason else sequential.STOP_LOOKS
        for c in self.comparisons:
            c.stop(reason)
        decided = sum(c.verdict in sequential.DECIDED for c in self.comparisons)
        if not self.stop_reason:
            if decided == len(self.comparisons):
                self.stop_reason = f"every comparison decided by round {last}"
            else:
                self.stop_reason = (
                    f"{decided} of {len(self.comparisons)} comparisons decided in {last} rounds, the last planned look"
                )
            if decided and last > 1:  # the plan is the worst case: every comparison open in every round
                self.stop_reason += "; the decided ones' topologies left the later rounds"
        self.results["sequential"] = [c.document() for c in self.comparisons]

    def run_faults(self) -> None:
        """The fault runs (loadtest/resilience), long versions, on fresh copies of the bundle."""
        assert self.rep is not None
        entries = []
        with tempfile.TemporaryDirectory() as work:
            for fault, server, step in rounds.fault_runs():
                with self.rep.step(step) as rep:
                    entry = run_one(fault, server, True, certs_dir(), Path(work) / f"{fault.name}-{server}")
                    rep.note = "met" if entry["met"] else "not met"
                entries.append(entry)
        self.results["resilience"] = entries

    def drop_unavailable(self) -> list[str]:
        """Ask the app's images which server commands they cannot run (servers/compat.py: a
        project's own pins, e.g. Gunicorn 23 has no -k asgi); those topologies are not run, and
        the report says why. Not a failed run: the app's choice of versions, not a fault."""
        by_image: dict[str, list[Topology]] = {}
        for t in self.topologies:
            by_image.setdefault(t.app_image(self.env.get("APP_IMAGE"), os.environ.get("BUNDLE_TAG")), []).append(t)
        for image, tops in by_image.items():
            why = servers_unavailable(image, sorted({t.command for t in tops}))
            for t in tops:
                if t.command in why:
                    self.unavailable[t.name] = why[t.command]
                    self.broken.add(t.name)
        self.results["unavailable"] = dict(self.unavailable)
        return [f"{name}: not run, {reason}" for name, reason in self.unavailable.items()]

    def run(self) -> dict:
        self.results["manifest"] = manifest.collect(
            self._settings_doc(), self._cpusets(), MEASUREMENT_PATH, self.env.get("APP_IMAGE")
        )
        expected = self.expected()
        planned = expected["planned_s"]
        with Reporter(console, planned, self.costs) as rep:
            self.rep = rep
            self.calibrate()
            if self.s.adaptive:
                self.run_adaptive(self.s.budget - expected["faults_s"])
            else:
                for v in self.visits():
                    self.visit(v)
            if self.s.resilience:
                self.run_faults()
            took = rep.elapsed
        self.results["plan"] = {
            "name": self.s.plan_name, "topologies": [t.name for t in self.topologies],
            "scenarios": [sc.name for sc in self.scenarios], "max_rounds": self.max_rounds,
            "budget_s": self.s.budget if self.s.adaptive else None,
            "looks": sorted(self.alphas), "alpha": sequential.ALPHA if self.s.adaptive else None,
            "method": sequential.METHOD if self.s.adaptive else None,
            "threshold": sequential.THRESHOLD if self.s.adaptive else None,
            "expected_s": round(planned, 1), "worst_s": round(expected["worst_s"], 1), "costs": self.costs.document(),
        }  # fmt: skip
        self.results["timing"] = {
            "planned_s": round(planned, 1), "took_s": round(took, 1), "reason": self.stop_reason,
            "overheads": plan.overheads(rep.seen),
        }  # fmt: skip
        self.results["manifest"]["commands"] = [" ".join(["make", "loadtest", *sys.argv[1:]]), *self.commands]
        off = plan.ending(took, planned, self.stop_reason)
        console.print(off or f"took {plan.clock(took)}, planned {plan.clock(planned)}"
                      + (f" ({self.stop_reason})" if self.stop_reason else ""))  # fmt: skip
        return self.results


def previous_costs(reports: Path) -> Costs:
    """The step overheads the last run on this machine measured (reports/latest), else the defaults."""
    try:
        return Costs.from_results(load(reports / "latest" / "results.json"))
    except (OSError, ValueError):
        return Costs()


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
    try:
        app = App.from_settings(s) if s.app_dir else None
    except ScenarioError as exc:
        raise SystemExit(f"loadtest: {exc}") from None
    if app is None and s.locustfile:
        raise SystemExit("loadtest: LOCUSTFILE is for a user app: give APP_DIR too")
    if app is not None:
        console.print(f"app: {app.name} ({app.commit or 'not a git checkout'}), scenario from {app.source.kind}")
    run_dir = run_folder.new_run_dir(reports)
    (run_dir / "raw").mkdir()
    matrix = Matrix(s, run_dir, app, previous_costs(reports))
    for line in matrix.describe_plan():
        console.print(line, highlight=False)
    console.print("building images (cached when unchanged)")
    build_images()
    for line in matrix.drop_unavailable():
        console.print(f"[yellow]{line}", highlight=False)
    if matrix.plan.shared:
        console.print("[yellow]not enough CPUs to separate generator and system under test: runs will be flagged")
    try:
        results = matrix.run()
    except ScenarioError as exc:
        raise SystemExit(f"loadtest: {exc}") from None
    paths = run_folder.write(run_dir, results, latest=True)
    url = f"https://localhost:{os.environ.get('HTTPS_PORT', '8443')}/reports/{run_dir.name}/report.html"
    console.print(f"[green]report:[/] {paths['html']}  ({url})")
    return 1 if matrix.failed else 0


if __name__ == "__main__":
    sys.exit(main())
