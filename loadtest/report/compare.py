"""Per-scenario tables, rankings and the pairwise comparisons users ask about.

Runs whose load generator was saturated measured the generator, not the server:
they are shown in the tables but never used in a comparison, and every pair they
would have fed is listed as "not compared: load generator saturated".
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from loadtest.report import stats
from loadtest.results.schema import Results, Run

SCENARIO_ORDER = ["static", "api-read", "api-write", "api-mixed", "api-json", "cpu", "io", "blocking"]
SCENARIO_LABELS = {
    "static": "Static files (page + assets via Nginx)",
    "api-read": "API read",
    "api-write": "API write",
    "api-mixed": "API mixed read/write",
    "api-json": "JSON endpoint",
    "cpu": "CPU-bound endpoint",
    "io": "Async I/O endpoint",
    "blocking": "Blocking I/O endpoint",
}
TOPOLOGY_LABELS = {
    "nginx-uvicorn-1": "Nginx → one Uvicorn process",
    "nginx-uvicorn": "Nginx → uvicorn --workers",
    "nginx-gunicorn": "Nginx → Gunicorn + UvicornWorker",
    "uvicorn": "uvicorn --workers (no Nginx)",
    "gunicorn": "Gunicorn + UvicornWorker (no Nginx)",
    "nginx-gunicorn-asgi": "Nginx → Gunicorn -k asgi",
    "nginx-granian": "Nginx → Granian",
    "gunicorn-nomw": "Gunicorn without the bundle's middleware",
    "gunicorn-raw": "Gunicorn + minimal raw ASGI app",
}
SATURATED = "not compared: load generator saturated"
EQUAL_LOAD_TOLERANCE = 0.02  # fixed-rate runs compare latency only at (nearly) the same offered load


@dataclass(frozen=True)
class Question:
    a: str
    b: str
    key: str  # groups comparisons for the overall answer
    text: str


QUESTIONS = [
    Question("nginx-gunicorn", "nginx-uvicorn", "gunicorn", "Do I need Gunicorn? (behind Nginx)"),
    Question("gunicorn", "uvicorn", "gunicorn", "Do I need Gunicorn? (no Nginx)"),
    Question("nginx-gunicorn", "gunicorn", "nginx", "Do I need Nginx? (proxy tax)"),
    Question("nginx-uvicorn", "nginx-uvicorn-1", "workers", "Do several workers help?"),
    Question("nginx-gunicorn", "nginx-gunicorn-asgi", "alternative", "Alternative: Gunicorn's own asgi worker"),
    Question("nginx-gunicorn", "nginx-granian", "alternative", "Alternative: Granian"),
]


def scenario_label(scenario: str) -> str:
    return SCENARIO_LABELS.get(scenario, scenario)


def topology_label(topology: str) -> str:
    return TOPOLOGY_LABELS.get(topology, topology)


def container_role(service: str) -> str:
    """Classify a compose service as "nginx", "generator" or "app"."""
    name = service.lower()
    if "nginx" in name:
        return "nginx"
    if "locust" in name or "generator" in name or "loadgen" in name:
        return "generator"
    return "app"


def _role_total(run: Run, role: str, key: str) -> float | None:
    values = [c[key] for name, c in run["containers"].items() if container_role(name) == role]
    return sum(values) if values else None


def _median_or_none(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


@dataclass
class TopologyRow:
    topology: str
    runs: list[Run]  # every run of this topology in this scenario/mode
    compared: list[Run]  # the runs used in comparisons (generator not saturated)
    rps: stats.Spread | None  # over compared runs; over all runs (a lower bound) if none compared
    p50: float
    p95: float
    p99: float
    requests: int
    failures: int
    cpu_app: float | None
    cpu_nginx: float | None
    cpu_generator: float | None
    mem_app: float | None
    mem_nginx: float | None
    target_rps: float | None = None
    rank: int | None = None

    @property
    def label(self) -> str:
        return topology_label(self.topology)

    @property
    def saturated(self) -> int:
        return len(self.runs) - len(self.compared)

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.saturated:
            flags.append(f"generator saturated in {self.saturated}/{len(self.runs)} runs")
        if self.failures:
            flags.append(f"{self.failures} failed requests")
        if self.target_rps and self.rps and self.rps.median < 0.95 * self.target_rps:
            flags.append(f"offered {self.target_rps:.0f} req/s, achieved {self.rps.median:.0f}")
        return flags


def make_row(topology: str, runs: list[Run]) -> TopologyRow:
    compared = [r for r in runs if not r["generator"]["saturated"]]
    basis = compared or runs
    return TopologyRow(
        topology=topology,
        runs=runs,
        compared=compared,
        rps=stats.spread(r["rps"] for r in basis),
        p50=median(r["latency_ms"]["p50"] for r in basis),
        p95=median(r["latency_ms"]["p95"] for r in basis),
        p99=median(r["latency_ms"]["p99"] for r in basis),
        requests=sum(r["requests"] for r in runs),
        failures=sum(r["failures"] for r in runs),
        cpu_app=_median_or_none([_role_total(r, "app", "cpu_pct_avg") for r in basis]),
        cpu_nginx=_median_or_none([_role_total(r, "nginx", "cpu_pct_avg") for r in basis]),
        cpu_generator=_median_or_none([r["generator"]["cpu_pct_avg"] for r in basis]),
        mem_app=_median_or_none([_role_total(r, "app", "mem_mb_avg") for r in basis]),
        mem_nginx=_median_or_none([_role_total(r, "nginx", "mem_mb_avg") for r in basis]),
        target_rps=_median_or_none([r["target_rps"] for r in runs]),
    )


@dataclass
class PairResult:
    question: Question
    scenario: str
    mode: str
    load_fraction: float | None
    throughput: stats.Comparison | None = None
    latency: stats.Comparison | None = None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return (self.throughput or self.latency).unit if (self.throughput or self.latency) else ""


def compare_pair(question: Question, row_a: TopologyRow, row_b: TopologyRow, mode: str, fraction: float | None,
                 scenario: str) -> PairResult:  # fmt: skip
    result = PairResult(question, scenario, mode, fraction)
    saturated = [row.topology for row in (row_a, row_b) if not row.compared]
    if saturated:
        result.skipped = f"{SATURATED} ({', '.join(saturated)})"
        return result
    for row in (row_a, row_b):
        if row.saturated:
            result.notes.append(f"{row.topology}: {row.saturated} saturated run(s) left out")
        if row.failures:
            result.notes.append(f"{row.topology}: {row.failures} failed requests")
    if mode == "fixed-rate":
        ta, tb = row_a.target_rps, row_b.target_rps
        if ta and tb and abs(ta / tb - 1) > EQUAL_LOAD_TOLERANCE:
            result.skipped = f"not compared: different offered load ({ta:.0f} vs {tb:.0f} req/s)"
            return result
    unit = stats.sample_unit(row_a.compared, row_b.compared)
    if mode == "capacity":
        result.throughput = stats.compare(
            stats.samples(row_a.compared, "rps", unit), stats.samples(row_b.compared, "rps", unit), unit=unit
        )
    result.latency = stats.compare(
        stats.samples(row_a.compared, "latency", unit), stats.samples(row_b.compared, "latency", unit), unit=unit
    )
    return result


@dataclass
class ScenarioResult:
    scenario: str
    mode: str
    load_fraction: float | None
    rows: list[TopologyRow]
    pairs: list[PairResult]

    @property
    def label(self) -> str:
        return scenario_label(self.scenario)

    @property
    def title(self) -> str:
        if self.mode == "capacity":
            return f"{self.label} — capacity"
        if self.load_fraction is None:
            return f"{self.label} — fixed rate"
        return f"{self.label} — fixed rate at {self.load_fraction:.0%} of capacity"

    @property
    def excluded(self) -> list[str]:
        return [
            f"{row.topology}: {SATURATED} in {row.saturated}/{len(row.runs)} runs" for row in self.rows if row.saturated
        ]

    def row(self, topology: str) -> TopologyRow | None:
        return next((row for row in self.rows if row.topology == topology), None)

    def pair(self, a: str, b: str) -> PairResult | None:
        return next((p for p in self.pairs if p.question.a == a and p.question.b == b), None)


def _scenario_key(scenario: str) -> tuple[int, str]:
    return (SCENARIO_ORDER.index(scenario) if scenario in SCENARIO_ORDER else len(SCENARIO_ORDER), scenario)


def analyze(results: Results) -> list[ScenarioResult]:
    """Group runs by scenario and mode (and load fraction), rank topologies, compare the pairs present."""
    groups: dict[tuple[str, str, float | None], dict[str, list[Run]]] = defaultdict(lambda: defaultdict(list))
    for run in results["runs"]:
        fraction = run["load_fraction"] if run["mode"] == "fixed-rate" else None
        groups[(run["scenario"], run["mode"], fraction)][run["topology"]].append(run)
    out = []
    for scenario, mode, fraction in sorted(
        groups, key=lambda k: (_scenario_key(k[0]), k[1] != "capacity", k[2] or 0.0)
    ):
        by_topology = groups[(scenario, mode, fraction)]
        rows = [make_row(t, sorted(runs, key=lambda r: r["repetition"])) for t, runs in by_topology.items()]
        rows.sort(key=lambda r: (not r.compared, -(r.rps.median if r.rps else 0.0)))
        if mode == "capacity":  # at a fixed offered load, RPS is the load, not a ranking
            for rank, row in enumerate((r for r in rows if r.compared), start=1):
                row.rank = rank
        pairs = [
            compare_pair(q, by_name[q.a], by_name[q.b], mode, fraction, scenario)
            for by_name in [{row.topology: row for row in rows}]
            for q in QUESTIONS
            if q.a in by_name and q.b in by_name
        ]
        out.append(ScenarioResult(scenario, mode, fraction, rows, pairs))
    return out
