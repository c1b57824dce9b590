"""Render report.html (self-contained) and report.md from a run directory's results.json."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from loadtest.report import stats
from loadtest.report.charts import Chart, all_charts
from loadtest.report.compare import ScenarioResult, analyze, scenario_label, topology_label
from loadtest.report.consistency import CsvCheck, check_against_csv
from loadtest.report.overhead import Overhead, overheads
from loadtest.report.recommend import Advice, overall, p_text, pct, resilience_sentence, scenario_advice
from loadtest.results.schema import Results, load

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Report:
    results: Results
    scenarios: list[ScenarioResult]
    overheads: list[Overhead]
    advice: list[Advice]
    answers: list[str]
    charts: list[Chart]
    csv_check: CsvCheck
    generated_at: str

    @property
    def resilience(self) -> list:
        return self.results.get("resilience") or []

    @property
    def capacity(self) -> list[ScenarioResult]:
        return [s for s in self.scenarios if s.mode == "capacity"]

    @property
    def fixed_rate(self) -> list[ScenarioResult]:
        return [s for s in self.scenarios if s.mode == "fixed-rate"]


def build(run_dir: Path, results: Results | None = None, with_charts: bool = True) -> Report:
    results = results if results is not None else load(run_dir / "results.json")
    scenarios = analyze(results)
    items = overheads(scenarios)
    return Report(
        results=results,
        scenarios=scenarios,
        overheads=items,
        advice=[scenario_advice(s) for s in scenarios],
        answers=overall(scenarios, items, results.get("resilience")),
        charts=all_charts(scenarios) if with_charts else [],
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


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        cell=_cell, num=_num, pct=pct, pval=p_text, topology_label=topology_label, scenario_label=scenario_label
    )
    env.globals.update(
        SIGNIFICANT=stats.SIGNIFICANT,
        PRACTICAL_THRESHOLD=stats.PRACTICAL_THRESHOLD,
        ALPHA=stats.ALPHA,
        MIN_REPETITIONS=stats.MIN_REPETITIONS,
        WINDOW_S=stats.WINDOW_S,
        BOOTSTRAP_RESAMPLES=stats.BOOTSTRAP_RESAMPLES,
        resilience_sentence=resilience_sentence,
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
    for chart in report.charts:
        paths[f"chart:{chart.name}"] = chart_dir / f"{chart.name}.png"
        paths[f"chart:{chart.name}"].write_bytes(chart.png)
    paths["html"] = run_dir / "report.html"
    paths["html"].write_text(render_html(report), encoding="utf-8")
    paths["markdown"] = run_dir / "report.md"
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    return paths
