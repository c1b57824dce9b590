"""Per-scenario tables, rankings and the pairwise comparisons users ask about.

Runs are grouped by scenario, mode (and load fraction) and then by topology *and tool*: a
topology measured with Locust and with wrk gives two rows, never one pooled row.

Generator-bound runs (see :mod:`loadtest.report.limits`) measured the generator, not the
server.  They stay in the tables; a comparison uses the other runs of a topology, and where a
side has only generator-bound runs the comparison is labelled "generator-bound": its number
is a lower bound, never a verdict.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from loadtest.report import limits, stats
from loadtest.report.catalogue import Catalogue
from loadtest.report.questions import QUESTIONS, Question
from loadtest.results.schema import Results, Run

EQUAL_LOAD_TOLERANCE = 0.02  # fixed-rate runs compare latency only at (nearly) the same offered load
# Label priority when several apply to one comparison: the first one present wins.
LABEL_ORDER = [
    limits.GENERATOR_BOUND,
    stats.INDICATIVE,
    stats.LABELS[stats.TOO_FEW_REPETITIONS],
    stats.NOT_ENOUGH,
    limits.LATENCY_BOUND,
    stats.INCONCLUSIVE,
    stats.DECIDED,
]


def _median_or_none(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


@dataclass
class TopologyRow:
    topology: str
    tool: str
    label: str
    runs: list[Run]  # every run of this topology with this tool in this scenario/mode
    compared: list[Run]  # the runs used in comparisons (not generator-bound)
    rps: stats.Spread | None  # over compared runs; over all runs (a lower bound) if none compared
    p50: float
    p95: float
    p99: float
    requests: int
    failures: int
    cpu_app: float | None  # % of one core (cgroup where present, else docker stats)
    cpu_nginx: float | None
    cpu_generator: float | None
    cpu_source: str
    us_app: float | None  # CPU µs per request (cgroup)
    us_nginx: float | None
    us_generator: float | None
    busy: dict[str, float]  # role -> median share of its CPU set that was busy
    headroom: float | None  # median calibrated ceiling / RPS
    mem_app: float | None
    mem_nginx: float | None
    users: int | None = None
    colour_index: int = 0  # order of appearance in results.json: the same colour in every chart
    target_rps: float | None = None
    rank: int | None = None

    @property
    def key(self) -> str:
        """The row's name in tables and charts: the topology, plus the tool when it is not Locust."""
        return self.topology if self.tool == "locust" else f"{self.topology} ({self.tool})"

    @property
    def generator_bound(self) -> int:
        return len(self.runs) - len(self.compared)

    @property
    def latency_bound(self) -> bool:
        basis = self.compared or self.runs
        return bool(basis) and all(limits.latency_bound(r) for r in basis)

    @property
    def likely_cause(self) -> str:
        return limits.likely_cause((self.compared or self.runs)[0], self.users)

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.generator_bound:
            reason = limits.generator_reason(next(r for r in self.runs if limits.generator_bound(r)))
            flags.append(f"generator-bound in {self.generator_bound}/{len(self.runs)} runs ({reason})")
        if self.latency_bound and not self.target_rps:
            flags.append(limits.LATENCY_BOUND)
        if self.failures:
            flags.append(f"{self.failures} failed requests")
        if self.target_rps and self.rps and self.rps.median < 0.95 * self.target_rps:
            flags.append(f"offered {self.target_rps:.0f} req/s, achieved {self.rps.median:.0f}")
        return flags


def make_row(topology: str, tool: str, runs: list[Run], catalogue: Catalogue, users: int | None = None) -> TopologyRow:
    compared = [r for r in runs if not limits.generator_bound(r)]
    basis = compared or runs
    roles = {role for r in basis for role in limits.busy(r)}
    return TopologyRow(
        topology=topology,
        tool=tool,
        label=catalogue.topology_label(topology),
        runs=runs,
        compared=compared,
        rps=stats.spread(r["rps"] for r in basis),
        p50=median(r["latency_ms"]["p50"] for r in basis),
        p95=median(r["latency_ms"]["p95"] for r in basis),
        p99=median(r["latency_ms"]["p99"] for r in basis),
        requests=sum(r["requests"] for r in runs),
        failures=sum(r["failures"] for r in runs),
        cpu_app=_median_or_none([limits.cpu_pct(r, "app") for r in basis]),
        cpu_nginx=_median_or_none([limits.cpu_pct(r, "nginx") for r in basis]),
        cpu_generator=_median_or_none([limits.cpu_pct(r, "generator") for r in basis]),
        cpu_source=limits.cpu_source(basis[0]),
        us_app=_median_or_none([limits.us_per_request(r, "app") for r in basis]),
        us_nginx=_median_or_none([limits.us_per_request(r, "nginx") for r in basis]),
        us_generator=_median_or_none([limits.us_per_request(r, "generator") for r in basis]),
        busy={role: median(limits.busy(r)[role] for r in basis if role in limits.busy(r)) for role in sorted(roles)},
        headroom=_median_or_none([limits.headroom(r) for r in basis]),
        mem_app=_median_or_none([limits.mem_mb(r, "app") for r in basis]),
        mem_nginx=_median_or_none([limits.mem_mb(r, "nginx") for r in basis]),
        users=users,
        colour_index=catalogue.colour_index(topology),
        target_rps=_median_or_none([r["target_rps"] for r in runs]),
    )


def label_of(comparison: stats.Comparison | None, rows: Sequence[TopologyRow], mode: str) -> tuple[str, list[str]]:
    """The comparison's label and every limit that applied, as sentences."""
    labels, notes = [], []
    for row in rows:
        if not row.compared:
            reason = limits.generator_reason(row.runs[0])
            labels.append(limits.GENERATOR_BOUND)
            notes.append(f"{row.key}: generator-bound in every run ({reason}): a lower bound, never a verdict")
    if comparison is not None:
        labels.append(comparison.label)
        if comparison.verdict == stats.TOO_FEW_REPETITIONS:
            notes.append(f"too few repetitions: {comparison.reason}")
        elif comparison.verdict == stats.INDICATIVE:
            notes.append("quick mode: indicative, no significance claim")
    if mode == "capacity" and rows and all(row.latency_bound for row in rows):
        labels.append(limits.LATENCY_BOUND)
        notes.append(f"latency-bound: {rows[0].key}: {rows[0].likely_cause}")
    label = next((name for name in LABEL_ORDER if name in labels), stats.NOT_ENOUGH)
    return label, notes


@dataclass
class PairResult:
    question: Question
    scenario: str
    mode: str
    load_fraction: float | None
    tool: str
    rows: tuple[TopologyRow, TopologyRow]
    throughput: stats.Comparison | None = None
    latency: stats.Comparison | None = None
    skipped: str | None = None
    label: str = stats.NOT_ENOUGH
    limits: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def main(self) -> stats.Comparison | None:
        """Throughput at capacity, latency at a fixed rate."""
        return self.throughput or self.latency


def _values(runs: list[Run], metric: str) -> list[float]:
    return [float(r["rps"]) if metric == "rps" else float(r["latency_ms"]["p99"]) for r in runs]


def compare_pair(question: Question, row_a: TopologyRow, row_b: TopologyRow, mode: str, fraction: float | None,
                 scenario: str, quick: bool = False) -> PairResult:  # fmt: skip
    result = PairResult(question, scenario, mode, fraction, row_a.tool, (row_a, row_b))
    both = bool(row_a.compared and row_b.compared)
    for row in (row_a, row_b):
        if both and row.generator_bound:
            result.notes.append(f"{row.key}: {row.generator_bound} generator-bound run(s) left out")
        if row.failures:
            result.notes.append(f"{row.key}: {row.failures} failed requests")
    if mode == "fixed-rate":
        ta, tb = row_a.target_rps, row_b.target_rps
        if ta and tb and abs(ta / tb - 1) > EQUAL_LOAD_TOLERANCE:
            result.skipped = f"not compared: different offered load ({ta:.0f} vs {tb:.0f} req/s)"
            return result
    runs_a, runs_b = (row_a.compared, row_b.compared) if both else (row_a.runs, row_b.runs)
    if mode == "capacity":
        result.throughput = stats.compare(_values(runs_a, "rps"), _values(runs_b, "rps"), quick=quick)
    result.latency = stats.compare(_values(runs_a, "p99"), _values(runs_b, "p99"), quick=quick)
    result.label, result.limits = label_of(result.main, (row_a, row_b), mode)
    return result


@dataclass
class ScenarioResult:
    scenario: str
    label: str
    mode: str
    load_fraction: float | None
    rows: list[TopologyRow]
    pairs: list[PairResult]

    @property
    def title(self) -> str:
        if self.mode == "capacity":
            return f"{self.label} — capacity"
        if self.load_fraction is None:
            return f"{self.label} — fixed rate"
        return f"{self.label} — fixed rate at {self.load_fraction:.0%} of capacity"

    @property
    def excluded(self) -> list[str]:
        return [f"{row.key}: {flag}" for row in self.rows for flag in row.flags[:1] if row.generator_bound]

    @property
    def tools(self) -> list[str]:
        return list(dict.fromkeys(row.tool for row in self.rows))

    def row(self, topology: str, tool: str = "locust") -> TopologyRow | None:
        return next((row for row in self.rows if row.topology == topology and row.tool == tool), None)

    def pair(self, a: str, b: str, tool: str = "locust") -> PairResult | None:
        return next((p for p in self.pairs if p.question.a == a and p.question.b == b and p.tool == tool), None)


def analyze(results: Results) -> list[ScenarioResult]:
    """Group runs by scenario, mode (and load fraction), topology and tool; rank rows; compare the pairs present."""
    catalogue = Catalogue.of(results)
    settings = results["manifest"]["settings"]
    quick, users = bool(settings.get("quick")), settings.get("users")
    groups: dict[tuple[str, str, float | None], dict[tuple[str, str], list[Run]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for run in results["runs"]:
        fraction = run["load_fraction"] if run["mode"] == "fixed-rate" else None
        groups[(run["scenario"], run["mode"], fraction)][(run["topology"], limits.tool(run))].append(run)
    out = []
    order = sorted(groups, key=lambda k: (catalogue.scenario_key(k[0]), k[1] != "capacity", k[2] or 0.0))
    for scenario, mode, fraction in order:
        by_key = groups[(scenario, mode, fraction)]
        rows = [
            make_row(t, tool, sorted(runs, key=lambda r: r["repetition"]), catalogue, users)
            for (t, tool), runs in by_key.items()
        ]
        rows.sort(key=lambda r: (r.tool, not r.compared, -(r.rps.median if r.rps else 0.0)))
        if mode == "capacity":  # at a fixed offered load, RPS is the load, not a ranking
            for tool in dict.fromkeys(r.tool for r in rows):
                for rank, row in enumerate((r for r in rows if r.compared and r.tool == tool), start=1):
                    row.rank = rank
        index = {(row.topology, row.tool): row for row in rows}
        pairs = [
            compare_pair(q, index[(q.a, tool)], index[(q.b, tool)], mode, fraction, scenario, quick)
            for tool in dict.fromkeys(r.tool for r in rows)
            for q in QUESTIONS
            if (q.a, tool) in index and (q.b, tool) in index
        ]
        out.append(ScenarioResult(scenario, catalogue.scenario_label(scenario), mode, fraction, rows, pairs))
    return out
