"""Cost per request against the goals, from each container's CPU time (cgroup ``cpu.stat``).

On a small, shared machine CPU µs per request are steadier than req/s, and the shares between
them hold across machines where the absolute figures do not. So the goals are shares:

* Nginx's CPU per proxied request is at most a quarter of the app's;
* the throughput kept through Nginx on one shared core, by µs: direct app µs / (app + Nginx µs)
  behind Nginx, at least 80% (it follows from the first when the app costs about the same
  behind Nginx as direct);
* all app middleware at most 8% of the app's CPU per request (without / with);
* the app container at idle, Gunicorn load-test topology, at most 2% of a core.

Each component's figure is the median over the runs, with a 95% bootstrap interval of that
median. The capacity model turns the same figures into what a core of budget would serve,
1e6 / (app µs + Nginx µs): a model with its inputs, never a measurement.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loadtest.report.compare import ScenarioResult, TopologyRow
from loadtest.report.limits import IDLE_CPU_MAX_PCT, us_per_request
from loadtest.report.questions import DIRECT, NO_MIDDLEWARE, PROXIED, PROXIED_PROD, api_scenario
from loadtest.report.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from loadtest.results.schema import Results

NGINX_SHARE_MAX = 0.25
KEPT_MIN = 0.80
MIDDLEWARE_MAX = 0.08
IDLE_MAX_PCT = IDLE_CPU_MAX_PCT


@dataclass(frozen=True)
class Component:
    """One container's CPU µs per request on one topology: median and its 95% interval."""

    name: str
    topology: str
    role: str
    median: float
    low: float | None  # None: too few runs for an interval
    high: float | None
    runs: int

    @property
    def shown(self) -> str:
        ci = f" (95% CI {self.low:,.0f}–{self.high:,.0f})" if self.low is not None else ""
        return f"{self.median:,.0f} µs{ci}"


@dataclass(frozen=True)
class Goal:
    name: str
    formula: str
    target: str
    measured: float | None  # a share (0.25 = 25%)
    met: bool | None  # None: not measured
    inputs: str
    indicative: bool = False  # QUICK: a smoke run's figure

    @property
    def mark(self) -> str:
        mark = "–" if self.met is None else ("✓" if self.met else "✗")
        return f"{mark} (QUICK)" if self.indicative and self.met is not None else mark

    @property
    def shown(self) -> str:
        if self.measured is None:
            return "not measured"
        return f"{self.measured:.2%}" if self.measured < 0.1 else f"{self.measured:.1%}"


@dataclass(frozen=True)
class Capacity:
    """What one core of budget would serve, from the measured µs: a model."""

    topology: str
    app_us: float
    nginx_us: float | None

    @property
    def per_core(self) -> float:
        return 1e6 / (self.app_us + (self.nginx_us or 0.0))


@dataclass(frozen=True)
class Costs:
    components: list[Component]
    goals: list[Goal]
    capacity: list[Capacity]


def median_ci(values: Sequence[float]) -> tuple[float | None, float | None]:
    """95% percentile-bootstrap interval of the median (None, None below three values)."""
    if len(values) < 3:
        return None, None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    xs = np.asarray(values, dtype=float)
    medians = np.median(rng.choice(xs, size=(BOOTSTRAP_RESAMPLES, xs.size)), axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return float(low), float(high)


def _component(name: str, row: TopologyRow | None, role: str) -> Component | None:
    if row is None:
        return None
    values = [v for r in (row.compared or row.runs) if (v := us_per_request(r, role)) is not None]
    if not values:
        return None
    low, high = median_ci(values)
    return Component(name, row.topology, role, float(np.median(values)), low, high, len(values))


def _rows(scenarios: list[ScenarioResult], scenario: str) -> dict[str, TopologyRow]:
    """The capacity rows of ``scenario`` per topology, preferring wrk (the steadier tool) to Locust."""
    out: dict[str, TopologyRow] = {}
    for result in scenarios:
        if result.scenario == scenario and result.mode == "capacity":
            for row in sorted(result.rows, key=lambda r: r.tool != "wrk"):
                out.setdefault(row.topology, row)
    return out


def _goal(name, formula, target, measured, ok, inputs, quick) -> Goal:
    if measured is None or math.isnan(measured):
        return Goal(name, formula, target, None, None, inputs)
    return Goal(name, formula, target, measured, ok(measured), inputs, indicative=quick)


def _idle_pct(results: Results) -> float | None:
    value = ((results.get("topologies") or {}).get(DIRECT, {}).get("idle_cpu_pct") or {}).get("app")
    return float(value) if value is not None else None


def costs(scenarios: list[ScenarioResult], results: Results) -> Costs:
    quick = bool(results["manifest"]["settings"].get("quick"))
    api = api_scenario(s.scenario for s in scenarios if s.mode == "capacity")
    rows = _rows(scenarios, api)
    proxied = PROXIED_PROD if PROXIED_PROD in rows else PROXIED
    nginx = _component("Nginx, per proxied request", rows.get(proxied), "nginx")
    behind = _component("app behind Nginx", rows.get(proxied), "app")
    direct = _component("app serving clients directly", rows.get(DIRECT), "app")
    bare = _component("app without middleware", rows.get(NO_MIDDLEWARE), "app")
    components = [c for c in (nginx, behind, direct, bare) if c]

    def ratio(a: Component | None, b: Component | None) -> float | None:
        return a.median / b.median if a and b and b.median else None

    kept = direct.median / (behind.median + nginx.median) if direct and behind and nginx else None
    saved = ratio(bare, direct)
    idle = _idle_pct(results)
    us = "{:,.0f} µs".format
    goals = [
        _goal("Nginx CPU per request, share of the app's", f"µs(nginx) / µs(app), {proxied} {api}",
              f"≤ {NGINX_SHARE_MAX:.0%}", ratio(nginx, behind), lambda v: v <= NGINX_SHARE_MAX,
              f"Nginx {us(nginx.median)}, app {us(behind.median)}" if nginx and behind else f"{proxied} {api}",
              quick),
        _goal("Throughput kept through Nginx on one shared core, by µs",
              f"µs(app, {DIRECT}) / (µs(app) + µs(nginx), {proxied}), {api}", f"≥ {KEPT_MIN:.0%}", kept,
              lambda v: v >= KEPT_MIN,
              f"direct {us(direct.median)}; behind Nginx {us(behind.median)} + {us(nginx.median)}"
              if kept is not None else f"{DIRECT} and {proxied} {api}", quick),
        _goal("All app middleware, share of the app's CPU", f"1 − µs({NO_MIDDLEWARE}) / µs({DIRECT}), {api}",
              f"≤ {MIDDLEWARE_MAX:.0%}", None if saved is None else 1 - saved, lambda v: v <= MIDDLEWARE_MAX,
              f"with {us(direct.median)}, without {us(bare.median)}" if saved is not None
              else f"{DIRECT} and {NO_MIDDLEWARE} {api} (or `make middleware-cost`, in process)", quick),
        _goal("App container at idle, Gunicorn topology", f"idle_cpu_pct(app, {DIRECT}) / 100",
              f"≤ {IDLE_MAX_PCT:g}% of a core", None if idle is None else idle / 100,
              lambda v: v * 100 <= IDLE_MAX_PCT, f"{idle:.2f}% of a core" if idle is not None else DIRECT, quick),
    ]  # fmt: skip
    capacity = []
    for name, row in rows.items():
        app = _component("app", row, "app")
        if app is None:
            continue
        proxy = None
        if (results.get("topologies", {}).get(name) or {}).get("proxy") == "nginx":
            proxy = _component("nginx", row, "nginx")
            if proxy is None:
                continue  # Nginx's share unmeasured: the model would leave it out
        capacity.append(Capacity(name, app.median, proxy.median if proxy else None))
    capacity.sort(key=lambda c: -c.per_core)
    return Costs(components, goals, capacity)
