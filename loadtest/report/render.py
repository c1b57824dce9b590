"""Render report.html (self-contained) and report.md from a run directory's results.json."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from loadtest.report import limits, sequential, stats
from loadtest.report.cards import Card, cards
from loadtest.report.catalogue import Catalogue
from loadtest.report.charts import Chart, all_charts
from loadtest.report.compare import ScenarioResult, analyze
from loadtest.report.consistency import CsvCheck, check_against_csv
from loadtest.report.fault_rows import CAPACITY_MEANS, RECOVERY_MEANS, FaultRow, fault_row
from loadtest.report.goals import Costs, costs
from loadtest.report.overhead import Overhead, overheads
from loadtest.report.recommend import p_text, pct, scenario_advice
from loadtest.report.resources import Ceiling, Idle, ceilings, idle
from loadtest.results.schema import Results, load

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Report:
    results: Results
    catalogue: Catalogue
    cards: list[Card]
    scenarios: list[ScenarioResult]
    overheads: list[Overhead]
    costs: Costs
    advice: list[tuple[str, list[str]]]
    charts: list[Chart]
    ceilings: list[Ceiling]
    idle: list[Idle]
    faults: list[FaultRow]
    csv_check: CsvCheck
    generated_at: str

    @property
    def quick(self) -> bool:
        return bool(self.results["manifest"]["settings"].get("quick"))

    @property
    def method(self) -> str | None:
        """The sequential rule, in words (the default plan's runs only)."""
        entries = self.results.get("sequential")
        if not entries:
            return None
        e = entries[0]
        looks = e["looks_planned"]
        on = "req/s"
        if e["metric"] == "cpu_us_per_request":
            on = "CPU µs per request of the system under test (app + Nginx + store, from cgroup counters)"
        return (
            f"Adaptive rounds (the default plan): each question's pair of topologies is compared on "
            f"{on}, "
            f"one value per side per interleaved round. After rounds {looks[0]}..{looks[-1]} (a look each) a "
            f"two-sample Student t interval of the difference of mean log values is computed; the comparison stops "
            f"as decided when it lies inside ±{e['threshold']:.0%} (equivalent: a {e['threshold']:.0%} difference is "
            f"ruled out) or excludes 0 (A or B better), and otherwise goes on until the planned looks or the time "
            f"budget run out (not decided within budget). Error control: {e['method']} ({sequential.ALPHA:g} / "
            f"{len(looks)} per look; by the union bound the false-positive rate over all looks stays at most "
            f"{e['alpha']:g}); intervals are repeated confidence intervals at that per-look level. RPS is shown "
            f"beside it, not deciding."
        )

    @property
    def timing(self) -> str | None:
        """Planned against took, and why they differ."""
        t, plan = self.results.get("timing"), self.results.get("plan") or {}
        if not t:
            return None
        text = f"plan {plan.get('name', '?')}: took {t['took_s'] / 60:.1f} min, planned {t['planned_s'] / 60:.1f} min"
        if plan.get("budget_s"):
            text += f" (budget {plan['budget_s'] / 60:.0f} min, at most {plan.get('max_rounds', '?')} rounds)"
        return text + (f": {t['reason']}" if t.get("reason") else "")

    @property
    def app(self) -> dict | None:
        """The user's app under test (APP_DIR), or None: the bundle's demo app."""
        return self.results.get("app")

    @property
    def app_source(self) -> str:
        """Where the app's scenario came from, in words."""
        app = self.app or {}
        source, path = app.get("source", "?"), app.get("source_path")
        if source == "locustfile":
            return f"its own locustfile ({path})" if path else "its own locustfile"
        if source == "openapi":
            return "its OpenAPI document (every GET operation callable without input, equal weights)"
        return f"{source} ({path})" if path else source


def build(run_dir: Path, results: Results | None = None, with_charts: bool = True) -> Report:
    results = results if results is not None else load(run_dir / "results.json")
    scenarios = analyze(results)
    items = overheads(scenarios, results)
    return Report(
        results=results,
        catalogue=Catalogue.of(results),
        cards=cards(scenarios, items, results, with_charts=with_charts),
        scenarios=scenarios,
        overheads=items,
        costs=costs(scenarios, results),
        advice=[scenario_advice(s) for s in scenarios],
        charts=all_charts(scenarios) if with_charts else [],
        ceilings=ceilings(results),
        idle=idle(results),
        faults=[fault_row(item) for item in results.get("resilience") or []],
        csv_check=check_against_csv(run_dir, results),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _slug(label: str) -> str:
    """A CSS class for a label: "too few repetitions" -> "too-few-repetitions"."""
    return label.replace(" ", "-")


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=_cell, num=_num, pct=pct, pval=p_text, slug=_slug)
    env.globals.update(
        SIGNIFICANT=stats.SIGNIFICANT,
        PRACTICAL_THRESHOLD=stats.PRACTICAL_THRESHOLD,
        ALPHA=stats.ALPHA,
        BOOTSTRAP_RESAMPLES=stats.BOOTSTRAP_RESAMPLES,
        GENERATOR_SHARE=limits.GENERATOR_SHARE,
        BUSY_MAX=limits.BUSY_MAX,
        IDLE_CPU_MAX_PCT=limits.IDLE_CPU_MAX_PCT,
        run_labels=limits.run_labels,
        run_tool=limits.tool,
        run_headroom=limits.headroom,
        run_us=limits.us_per_request,
        run_busy=limits.busy,
        RECOVERY_MEANS=RECOVERY_MEANS,
        CAPACITY_MEANS=CAPACITY_MEANS,
    )
    return env


def render_html(report: Report) -> str:
    return _environment(autoescape=True).get_template("report.html.j2").render(r=report)


def render_markdown(report: Report, chart_dir: str | None = "charts") -> str:
    return _environment(autoescape=False).get_template("report.md.j2").render(r=report, chart_dir=chart_dir)


def write_report(run_dir: str | Path) -> dict[str, Path]:
    """Regenerate report.html, report.md and charts/*.png in *run_dir* from its results.json.

    Raises :class:`loadtest.results.schema.SchemaError` if results.json is missing or invalid.
    """
    run_dir = Path(run_dir)
    report = build(run_dir)
    chart_dir = run_dir / "charts"
    chart_dir.mkdir(exist_ok=True)
    paths = {}
    for chart in [*report.charts, *(card.chart for card in report.cards if card.chart)]:
        paths[f"chart:{chart.name}"] = chart_dir / f"{chart.name}.png"
        paths[f"chart:{chart.name}"].write_bytes(chart.png)
    paths["html"] = run_dir / "report.html"
    paths["html"].write_text(render_html(report), encoding="utf-8")
    paths["markdown"] = run_dir / "report.md"
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    return paths
