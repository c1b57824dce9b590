"""Matplotlib figures (Agg backend), returned as PNG bytes with a data-URI for inline HTML.

Every chart uses small multiples, one panel per scenario, because scenarios differ by
an order of magnitude in RPS (static files vs the CPU-bound endpoint).  A topology
keeps the same colour in every chart: colours follow the order in which topologies appear in
results.json.  The answer cards get small single-panel charts (:func:`bar_chart`,
:func:`cost_chart`).
"""

import base64
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from loadtest.report.compare import ScenarioResult, TopologyRow

PANEL_W, PANEL_H, COLUMNS = 6.2, 3.4, 2
_PALETTE = plt.get_cmap("tab10").colors


@dataclass(frozen=True)
class Chart:
    name: str  # file stem, e.g. "throughput"
    title: str
    alt: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def colour(index: int) -> tuple[float, float, float]:
    """The colour of the topology at *index* in results.json's order (``TopologyRow.colour_index``)."""
    return _PALETTE[index % len(_PALETTE)]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _grid(n: int, title: str, columns: int = COLUMNS) -> tuple[Figure, list[Axes]]:
    columns = min(columns, max(n, 1))
    rows = math.ceil(n / columns) if n else 1
    fig, axes = plt.subplots(
        rows, columns, figsize=(PANEL_W * columns, PANEL_H * rows), squeeze=False, layout="constrained"
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig, flat[:n]


def _style(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_axisbelow(True)


def _xticks(ax: Axes, rows: list[TopologyRow]) -> None:
    ax.set_xticks(range(len(rows)), [row.key for row in rows], rotation=25, ha="right", fontsize=8)


def _legend(fig: Figure, handles: list) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)


def _panels(
    scenarios: list[ScenarioResult],
    title: str,
    draw: Callable[[Axes, ScenarioResult], None],
    legend: list | None = None,
) -> bytes:
    fig, axes = _grid(len(scenarios), title)
    for ax, result in zip(axes, scenarios, strict=False):
        draw(ax, result)
    if legend:
        _legend(fig, legend)
    return _png(fig)


def throughput_chart(scenarios: list[ScenarioResult]) -> Chart:
    def draw(ax: Axes, result: ScenarioResult) -> None:
        rows = [row for row in result.rows if row.rps]
        medians = [row.rps.median for row in rows]
        err = [[row.rps.median - row.rps.min for row in rows], [row.rps.max - row.rps.median for row in rows]]
        bars = ax.bar(range(len(rows)), medians, yerr=err, capsize=4, color=[colour(r.colour_index) for r in rows])
        for bar, row in zip(bars, rows, strict=False):
            if not row.compared:  # generator-bound: a lower bound
                bar.set_hatch("//")
                bar.set_alpha(0.5)
        ax.bar_label(bars, labels=[f"{m:,.0f}" for m in medians], fontsize=7, padding=2)
        ax.margins(y=0.15)
        _xticks(ax, rows)
        _style(ax, result.label, "requests/s (median, min–max)")

    png = _panels(scenarios, "Throughput at capacity (hatched: generator-bound, a lower bound)", draw)
    return Chart(
        "throughput", "Throughput per topology and scenario", "Median RPS per topology, one panel per scenario", png
    )


def latency_chart(scenarios: list[ScenarioResult], name: str = "latency", mode_text: str = "at capacity") -> Chart:
    percentiles = [("p50", 0.35), ("p95", 0.65), ("p99", 1.0)]

    def draw(ax: Axes, result: ScenarioResult) -> None:
        rows = result.rows
        width = 0.27
        for i, (key, alpha) in enumerate(percentiles):
            xs = [x + (i - 1) * width for x in range(len(rows))]
            ax.bar(
                xs,
                [getattr(row, key) for row in rows],
                width,
                color=[colour(r.colour_index) for r in rows],
                alpha=alpha,
            )
        _xticks(ax, rows)
        title = result.label if result.load_fraction is None else f"{result.label} @ {result.load_fraction:.0%}"
        _style(ax, title, "latency, ms (median of runs)")

    handles = [Patch(facecolor="grey", alpha=alpha, label=key) for key, alpha in percentiles]
    png = _panels(scenarios, f"Latency percentiles {mode_text}", draw, legend=handles)
    return Chart(
        name,
        f"Latency percentiles {mode_text} (bars left to right: p50, p95, p99)",
        f"p50, p95 and p99 latency per topology {mode_text}",
        png,
    )


def timeline_chart(scenarios: list[ScenarioResult]) -> Chart:
    def draw(ax: Axes, result: ScenarioResult) -> None:
        for row in result.rows:
            if not any(run["history"] for run in row.runs):
                continue  # wrk runs have no history
            for i, run in enumerate(row.runs):
                history = run["history"]
                if not history:
                    continue
                style = "-" if run in row.compared else "--"
                label = row.key if i == 0 else None
                ts, p95 = [p["t"] for p in history], [p["p95"] for p in history]
                ax.plot(
                    ts, p95, style, color=colour(row.colour_index), alpha=0.8 if i == 0 else 0.4, lw=1.2, label=label
                )
        ax.set_xlabel("seconds since end of warm-up")
        ax.legend(fontsize=7, ncols=2, loc="best", framealpha=0.8)
        ax.set_ylim(bottom=0)
        _style(ax, result.label, "p95 latency, ms")

    png = _panels(scenarios, "p95 latency over time at capacity (every repetition; dashed: generator-bound)", draw)
    return Chart("timeline", "Latency over time", "p95 latency from Locust history, per topology", png)


def resources_chart(scenarios: list[ScenarioResult]) -> Chart:
    fig, axes = plt.subplots(
        len(scenarios), 2, figsize=(PANEL_W * 2, PANEL_H * len(scenarios)), squeeze=False, layout="constrained"
    )
    roles = [("app", 1.0), ("nginx", 0.45)]
    for (ax_cpu, ax_mem), result in zip(axes, scenarios, strict=False):  # CPU: cgroup where present
        rows = result.rows
        for ax, attr, unit in ((ax_cpu, "cpu", "CPU, % of one core (avg)"), (ax_mem, "mem", "memory, MB (avg)")):
            width = 0.38
            for i, (role, alpha) in enumerate(roles):
                values = [getattr(row, f"{attr}_{role}") or 0.0 for row in rows]
                xs = [x + (i - 0.5) * width for x in range(len(rows))]
                ax.bar(
                    xs,
                    values,
                    width,
                    color=[colour(r.colour_index) for r in rows],
                    alpha=alpha,
                    edgecolor="black",
                    lw=0.3,
                )
            if attr == "cpu":
                gen = [row.cpu_generator or 0.0 for row in rows]
                ax.plot(range(len(rows)), gen, "kD", ms=5, label="load generator")
            _xticks(ax, rows)
            _style(ax, result.label, unit)
    handles = [Patch(facecolor="grey", alpha=a, edgecolor="black", label=f"{r} containers") for r, a in roles]
    handles.append(plt.Line2D([], [], color="black", marker="D", ls="", label="load generator CPU"))
    fig.suptitle("CPU and memory per container at capacity", fontsize=13, fontweight="bold")
    _legend(fig, handles)
    return Chart("resources", "CPU and memory per container", "CPU and memory of app and nginx containers", _png(fig))


def all_charts(scenarios: list[ScenarioResult]) -> list[Chart]:
    capacity = [s for s in scenarios if s.mode == "capacity"]
    fixed = [s for s in scenarios if s.mode == "fixed-rate"]
    charts = []
    if capacity:
        charts += [
            throughput_chart(capacity),
            latency_chart(capacity),
            timeline_chart(capacity),
            resources_chart(capacity),
        ]
    if fixed:
        charts.append(latency_chart(fixed, "latency-fixed-rate", "at fixed offered load"))
    return charts


@dataclass(frozen=True)
class Bar:
    label: str
    colour: int  # TopologyRow.colour_index
    value: float
    low: float | None = None
    high: float | None = None
    bound: bool = False  # generator-bound: hatched


def bar_chart(name: str, title: str, bars: list[Bar], ylabel: str, target: float | None = None) -> Chart:
    """A small single-panel bar chart for an answer card: median with min–max whiskers."""
    fig, ax = plt.subplots(figsize=(4.2, 2.6), layout="constrained")
    xs = range(len(bars))
    err = [[b.value - (b.low if b.low is not None else b.value) for b in bars],
           [(b.high if b.high is not None else b.value) - b.value for b in bars]]  # fmt: skip
    drawn = ax.bar(xs, [b.value for b in bars], yerr=err, capsize=3, color=[colour(b.colour) for b in bars])
    for patch, bar in zip(drawn, bars, strict=True):
        if bar.bound:
            patch.set_hatch("//")
            patch.set_alpha(0.5)
    ax.bar_label(drawn, labels=[f"{b.value:,.0f}" for b in bars], fontsize=7, padding=2)
    if target is not None:
        ax.axhline(target, color="black", ls=":", lw=1)
    ax.set_xticks(list(xs), [b.label for b in bars], rotation=20, ha="right", fontsize=7)
    ax.margins(y=0.2)
    _style(ax, title, ylabel)
    ax.title.set_fontsize(9)
    return Chart(name, title, f"{title}: " + ", ".join(f"{b.label} {b.value:,.0f}" for b in bars), _png(fig))


ROLE_COLOURS = {"app": _PALETTE[0], "nginx": _PALETTE[1]}


def cost_chart(name: str, title: str, rows: list[tuple[str, dict[str, float]]]) -> Chart:
    """Stacked CPU µs per request per component (app, Nginx), one bar per (label, {role: µs})."""
    fig, ax = plt.subplots(figsize=(4.2, 2.6), layout="constrained")
    bottoms = [0.0] * len(rows)
    for role, colour_ in ROLE_COLOURS.items():
        values = [costs.get(role) or 0.0 for _, costs in rows]
        ax.bar(range(len(rows)), values, bottom=bottoms, color=colour_, edgecolor="black", lw=0.3, label=role)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in enumerate(bottoms):
        ax.annotate(f"{total:,.0f}", (x, total), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(rows)), [label for label, _ in rows], rotation=20, ha="right", fontsize=7)
    ax.legend(fontsize=7, loc="upper left")
    ax.margins(y=0.2)
    _style(ax, title, "CPU µs per request")
    ax.title.set_fontsize(9)
    alt = f"{title}: " + ", ".join(f"{label} {sum(v or 0 for v in c.values()):,.0f} µs" for label, c in rows)
    return Chart(name, title, alt, _png(fig))
