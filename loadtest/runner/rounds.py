"""Interleaved repetitions: round r brings up each topology in turn (one at a time) and runs
each of its scenarios once, so slow drift on a noisy machine spreads over every topology
instead of passing for a difference between them.

Beside them, the plan's rules (Rules and the functions before it): which scenarios each
topology runs, what a visit runs (warm-up, Locust and wrk capacity, fixed-rate points, seeding),
how many rounds fit in the budget, what the open comparisons still need. They decide; the
runner (runner/__main__.py) only follows them, and the estimate (plan.py) counts their steps."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from loadtest.report import sequential
from loadtest.resilience.faults import FAULTS, Fault
from loadtest.resilience.matrix import SERVERS
from loadtest.runner import calibration, topologies
from loadtest.runner import plan as plan_
from loadtest.runner.generators import wrk
from loadtest.runner.plan import Costs, Step
from loadtest.runner.scenarios import Scenario, applies
from loadtest.runner.settings import LoadtestSettings
from loadtest.runner.topologies import REFERENCE, Topology

T = TypeVar("T")
S = TypeVar("S")


@dataclass(frozen=True)
class Visit(Generic[T, S]):
    """One topology up once: what runs before it goes down again."""

    round: int  # 1-based
    topology: T
    scenarios: tuple[S, ...]
    verify: bool  # the first visit verifies (and measures idle CPU)
    fractions: tuple[float, ...]  # fixed-rate runs in this visit


def fractions_for_round(fractions: list[float], rounds: int, r: int) -> tuple[float, ...]:
    """Fixed-rate runs (one per fraction) spread over the rounds: fraction i in round i % rounds + 1."""
    return tuple(f for i, f in enumerate(fractions) if i % max(rounds, 1) == r - 1)


def plan(work: list[tuple[T, list[S]]], rounds: int, fractions: list[float] | None = None) -> list[Visit[T, S]]:
    """Round-robin: for r in 1..rounds, for each topology (in the given order, reference first)."""
    fractions = fractions or []
    return [
        Visit(r, topology, tuple(scenarios), r == 1, fractions_for_round(fractions, rounds, r))
        for r in range(1, rounds + 1)
        for topology, scenarios in work
        if scenarios
    ]


def round_visits(work: list[tuple[T, list[S]]], r: int, needed: set[tuple[T, S]] | None = None,
                 fractions: list[float] | None = None, rounds: int = 1) -> list[Visit[T, S]]:  # fmt: skip
    """One round of the adaptive plan: each topology with the scenarios some still-open
    comparison needs it for (``needed``: (topology, scenario) pairs; None: all of them), in the
    given order. The first round verifies and carries the fixed-rate runs."""
    out = []
    for topology, scenarios in work:
        mine = tuple(s for s in scenarios if needed is None or (topology, s) in needed)
        if mine:
            out.append(Visit(r, topology, mine, r == 1, fractions_for_round(fractions or [], rounds, r)))
    return out


# --- the plan's rules: what each visit runs, which rounds fit, what is still needed ----------
# Pure: no Docker, no files. The runner (runner/__main__.py Matrix) follows them and the plan's
# estimate (runner/plan.py) counts the steps they give.


def work(topologies: list[Topology], scenarios: list[Scenario]) -> list[tuple[Topology, list[Scenario]]]:
    """Each topology with the scenarios that apply to it (scenarios.applies); none: left out."""
    pairs = [(t, [sc for sc in scenarios if applies(sc, t)]) for t in topologies]
    return [(t, scs) for t, scs in pairs if scs]


def without(work: list[tuple[Topology, list[Scenario]]], broken: set[str]) -> list[tuple[Topology, list[Scenario]]]:
    """The work minus the topologies that failed verification or did not come up."""
    return [(t, scs) for t, scs in work if t.name not in broken]


def comparisons(work: list[tuple[Topology, list[Scenario]]], scenarios: list[Scenario], questions,
                alphas: dict[int, float]) -> list[sequential.Comparison]:  # fmt: skip
    """Every question whose two topologies are in the work, on every scenario both run."""
    runs = {t.name: {sc.name for sc in scs} for t, scs in work}
    return [
        sequential.Comparison(q.key, q.text, q.a, q.b, sc.name, alphas)
        for sc in scenarios
        for q in questions
        if sc.name in runs.get(q.a, ()) and sc.name in runs.get(q.b, ())
    ]


def needed(comparisons: list[sequential.Comparison], broken: set[str]) -> set[tuple[str, str]]:
    """(topology, scenario) names an open comparison still needs."""
    return {(t, c.scenario) for c in comparisons if c.open for t in (c.a, c.b) if t not in broken}


def fit_rounds(budget_s: float, fixed_s: float, round_costs: list[float]) -> int:
    """How many rounds fit in ``budget_s`` after ``fixed_s`` (calibration, faults), each costing
    its entry of ``round_costs``; at least one."""
    spent, fit = fixed_s, 0
    for cost in round_costs:
        spent += cost
        if spent > budget_s:
            break
        fit += 1
    return max(fit, 1)


def fault_runs(full_length: bool = True) -> list[tuple[Fault, str, Step]]:
    """The fault runs, in order: every fault against every server (resilience/matrix.py), each
    with its step."""
    tool = "full" if full_length else "short"
    return [(f, server, Step(plan_.FAULT, f"resilience: {f.name} on {server}", tool=tool))
            for f in FAULTS for server in SERVERS]  # fmt: skip


def fault_steps(full_length: bool = True) -> list[Step]:
    return [step for _, _, step in fault_runs(full_length)]


@dataclass(frozen=True)
class Rules:
    """What a visit runs, from the plan's knobs (runner/settings.py)."""

    adaptive: bool  # the default plan: rounds only for what open comparisons need
    repeat: int  # FULL and QUICK: fixed rounds
    fractions: tuple[float, ...]  # fixed-rate runs, as fractions of the reference's capacity
    duration: int
    wrk_duration: int
    warmup: int
    idle_s: float  # the idle CPU window: whole healthcheck intervals (0: none)
    calibration_s: int
    wrk: bool = True
    locust_rounds: int | None = None
    seed: bool = True  # the demo's read scenarios need their items again (a user app's: none)

    @classmethod
    def of(cls, s: LoadtestSettings, app: bool = False) -> "Rules":
        return cls(
            s.adaptive, s.repeat, tuple(s.fractions), s.duration, s.wrk_duration or s.duration, s.warmup,
            topologies.idle_window_s(s.idle_s) if s.idle_s else 0,
            s.calibration_s, s.wrk, s.locust_rounds, not app,
        )  # fmt: skip

    def wrk_applies(self, sc: Scenario) -> bool:
        return self.wrk and (sc.wrk_input is not None or wrk.paths_for(sc.name) is not None)

    def locust_capacity(self, sc: Scenario, r: int, topology: Topology | None = None) -> bool:
        """Locust measures capacity in every round, except where wrk does too: then only in the
        first LOCUST_ROUNDS rounds (QUICK: one), for the side-by-side figure; in the default plan
        only on the reference (the offered load of the fixed-rate point)."""
        if not self.wrk_applies(sc) or self.locust_rounds is None:
            return True
        if self.adaptive and topology is not None and topology.name != REFERENCE:
            return False
        return r <= self.locust_rounds

    def needs_warmup(self, sc: Scenario, r: int, topology: Topology | None = None) -> bool:
        """A warm-up run (discarded) first, with wrk where it applies (same requests, a fraction of
        Locust's start-up time); not where wrk's stateless scenarios start with a Locust run,
        whose ramp-up before --reset-stats is discarded already."""
        return bool(self.warmup) and not (self.wrk_applies(sc) and self.locust_capacity(sc, r, topology))

    def warmup_tool(self, sc: Scenario) -> str:
        return "wrk" if self.wrk_applies(sc) else "locust"

    def seeds(self, v: Visit) -> bool:
        """A visit that does not verify still seeds the items its read scenarios need."""
        return not v.verify and self.seed and any(sc.needs_seed for sc in v.scenarios)

    def steps(self, v: Visit) -> list[Step]:
        """What one visit does, in order: the plan's and the progress bar's unit."""
        t, label = v.topology, f"{v.topology.name} round {v.round}"
        out = [Step(plan_.UP, f"{label}: starting")]
        if v.verify or self.seeds(v):
            out.append(Step(plan_.VERIFY, f"{label}: {'verify' if v.verify else 'seed items'}"))
        if v.verify and self.idle_s:
            out.append(Step(plan_.IDLE, f"{label}: idle CPU", self.idle_s))
        for sc in v.scenarios:
            name = f"{t.name} {sc.name} round {v.round}"
            if self.needs_warmup(sc, v.round, t):
                out.append(Step(plan_.RUN, f"{name} warm-up", self.warmup, self.warmup_tool(sc)))
            if self.locust_capacity(sc, v.round, t):
                out.append(Step(plan_.RUN, f"{name} capacity (Locust)", self.duration, "locust"))
            if self.wrk_applies(sc):
                out.append(Step(plan_.RUN, f"{name} capacity (wrk)", self.wrk_duration, "wrk"))
            for fraction in v.fractions:
                out.append(Step(plan_.RUN, f"{name} fixed rate {fraction:.0%}", self.duration, "locust"))
        out.append(Step(plan_.DOWN, f"{label}: down"))
        return out

    def visits(self, work: list[tuple[Topology, list[Scenario]]]) -> list[Visit]:
        """FULL and QUICK: every round, every topology."""
        return plan(work, self.repeat, list(self.fractions))

    def round(self, work: list[tuple[Topology, list[Scenario]]], r: int,
              needed: set[tuple[str, str]] | None) -> list[Visit]:  # fmt: skip
        """Round r of the default plan: the visits the open comparisons need (names; None: everything)."""
        pairs = None if needed is None else {(t, sc) for t, scs in work for sc in scs if (t.name, sc.name) in needed}
        return round_visits(work, r, pairs, list(self.fractions))

    def round_steps(self, work, r: int, needed: set[tuple[str, str]] | None) -> list[Step]:
        return [x for v in self.round(work, r, needed) for x in self.steps(v)]

    def round_costs(self, work, rounds: int, costs: Costs) -> list[float]:
        """Seconds per round when every comparison stays open (round 1: every topology and scenario)."""
        every = {(t.name, sc.name) for t, scs in work for sc in scs}
        steps = (self.round_steps(work, r, None if r == 1 else every) for r in range(1, rounds + 1))
        return [plan_.estimate(round_, costs) for round_ in steps]

    def calibration_step(self) -> Step:
        """Each generator against each calibration target (runner/calibration.py)."""
        tools = calibration.TOOLS if self.wrk else ("locust",)
        per_scheme = sum(max(self.calibration_s, calibration.LOCUST_MIN_S) if t == "locust" else self.calibration_s
                         for t in tools)  # fmt: skip
        return Step(plan_.CALIBRATION, "calibrating the generators", per_scheme * len(calibration.TARGETS))
