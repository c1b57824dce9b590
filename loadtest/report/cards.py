"""One answer card per question, the first thing the report shows.

Each card carries the verdict with its label (decided, indicative, generator-bound,
latency-bound, too few repetitions, inconclusive), the number with its range, a small chart,
and what limited the measurement.  Cards built on a pair of topologies lead with the capacity
comparison on the JSON endpoint, measured with the tool that had most headroom; the other
scenarios and the fixed-rate efficiency figures (CPU per request, p50/p99 at equal offered
load) follow as details.
"""

import math
from dataclasses import dataclass, field

from loadtest.report import questions as q
from loadtest.report import sequential as seq
from loadtest.report import stats
from loadtest.report.charts import Bar, Chart, bar_chart, cost_chart
from loadtest.report.compare import PairResult, ScenarioResult, TopologyRow
from loadtest.report.fault_rows import resilience_summary
from loadtest.report.overhead import (
    INDICATIVE,
    MET,
    METRICS,
    MIDDLEWARE,
    NOT_MEASURED,
    NOT_MET,
    PROXY_CPU,
    PROXY_EQUAL,
    PROXY_OWN,
    STATIC,
    Overhead,
)
from loadtest.report.recommend import effect, pct, verdict_text
from loadtest.report.resources import idle_notes
from loadtest.results.schema import Results

NOT_MEASURED_LABEL = "not measured"


@dataclass
class Card:
    id: str
    question: str
    verdict: str
    label: str
    number: str
    limits: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    chart: Chart | None = None


def _headroom(pair: PairResult) -> float:
    rooms = [row.headroom for row in pair.rows if row.headroom is not None]
    return min(rooms) if rooms else 0.0


def _headline(pairs: list[PairResult]) -> PairResult:
    return min(pairs, key=lambda p: (p.scenario not in q.API_SCENARIOS, p.label == "generator-bound", -_headroom(p)))


def _measured_with(rows: tuple[TopologyRow, ...]) -> str:
    rooms = [row.headroom for row in rows if row.headroom is not None]
    room = f"headroom ×{min(rooms):.1f}" if rooms else "headroom not calibrated"
    return f"measured with {rows[0].tool}, {room}"


def _bars(rows: list[TopologyRow], labels: list[str] | None = None) -> list[Bar]:
    labels = labels or [row.key for row in rows]
    return [
        Bar(label, row.colour_index, row.rps.median, row.rps.min, row.rps.max, bound=not row.compared)
        for row, label in zip(rows, labels, strict=True)
        if row.rps
    ]


def _pair_line(pair: PairResult) -> str:
    a, b = pair.rows[0].key, pair.rows[1].key
    c = pair.main
    if pair.skipped or c is None:
        return f"{pair.scenario}, {a} vs {b}: {pair.skipped or 'not compared'}"
    return f"{pair.scenario}, {a} vs {b}: RPS {effect(c)} [{pair.label}]"


def _efficiency_line(pair: PairResult) -> str:
    """Fixed-rate: CPU per request and p50/p99 at the same offered load."""
    a, b = pair.rows
    if pair.skipped:
        return f"{pair.scenario} at a fixed rate, {a.key} vs {b.key}: {pair.skipped}"

    def costs(row: TopologyRow) -> str:
        parts = [f"{role} {v:,.0f} µs" for role, v in (("app", row.us_app), ("nginx", row.us_nginx)) if v is not None]
        return ", ".join(parts) or "CPU per request not measured"

    offered = f"{a.target_rps:,.0f} req/s" if a.target_rps else "the same rate"
    return (
        f"{pair.scenario} at {offered} offered: {a.key} p50 {a.p50:.1f} / p99 {a.p99:.1f} ms ({costs(a)}/request) vs "
        f"{b.key} p50 {b.p50:.1f} / p99 {b.p99:.1f} ms ({costs(b)}/request); p99 [{pair.label}]"
    )


def _pairs(scenarios: list[ScenarioResult], key: str, mode: str) -> list[PairResult]:
    return [p for s in scenarios if s.mode == mode for p in s.pairs if p.question.key == key]


def pair_card(card_id: str, question: str, scenarios: list[ScenarioResult], with_chart: bool) -> Card:
    capacity, fixed = _pairs(scenarios, card_id, "capacity"), _pairs(scenarios, card_id, "fixed-rate")
    measured = [p for p in capacity if p.throughput]
    if not measured:
        names = sorted({f"{x.a} vs {x.b}" for x in q.QUESTIONS if x.key == card_id})
        return Card(card_id, question, f"Not measured: no capacity runs of {', '.join(names)} in this run.",
                    NOT_MEASURED_LABEL, "—", details=[_efficiency_line(p) for p in fixed])  # fmt: skip
    head = _headline(measured)
    a, b = head.rows
    verdict = f"{a.label} vs {b.label}, {head.scenario}: {verdict_text(head.throughput, head.label)}."
    details = [_pair_line(p) for p in capacity if p is not head] + [_efficiency_line(p) for p in fixed]
    chart = None
    if with_chart:
        names = {
            n
            for p in measured
            if (p.scenario, p.tool) == (head.scenario, head.tool)
            for n in (p.question.a, p.question.b)
        }
        rows = [r for s in scenarios if s.mode == "capacity" and s.scenario == head.scenario
                for r in s.rows if r.tool == head.tool and r.topology in names]  # fmt: skip
        chart = bar_chart(f"card-{card_id}", f"{head.scenario}: req/s ({head.tool})", _bars(rows), "req/s")
    return Card(card_id, question, verdict, head.label, effect(head.throughput),
                [_measured_with(head.rows), *head.limits, *head.notes], details, chart)  # fmt: skip


def _ratio_range(item: Overhead, one_minus: bool = False) -> str:
    c = item.comparison
    if c is None or math.isnan(c.range_low):
        return item.shown
    low, high = (-c.range_high, -c.range_low) if one_minus else (1 + c.range_low, 1 + c.range_high)
    shown = (lambda v: pct(v, signed=False)) if item.as_percent else (lambda v: f"{v:.1f}×")
    return f"{item.shown} (range {shown(low)}..{shown(high)})"


def _overhead_sentence(item: Overhead) -> str:
    if item.status == NOT_MEASURED:
        return f"{item.name}: not measured ({item.caveat})"
    text = f"{item.name}: {item.shown} (target {item.target}: {item.status})"
    if item.measured_with:
        text += f", measured with {item.measured_with}"
    if item.caveat:
        text += f"; {item.caveat}"
    if item.obstacle:
        text += f"; what stood in the way: {item.obstacle}"
    return text


def overhead_card(card_id: str, question: str, item: Overhead, extra: list[Overhead], chart: Chart | None,
                  one_minus: bool = False) -> Card:  # fmt: skip
    if item.status == NOT_MEASURED:
        return Card(card_id, question, f"Not measured: {item.caveat}.", NOT_MEASURED_LABEL, "—",
                    details=[_overhead_sentence(x) for x in extra])  # fmt: skip
    limits = [f"measured with {item.measured_with}", *item.limits]
    if item.caveat:
        limits.append(item.caveat)
    if item.obstacle:
        limits.append(f"what stood in the way: {item.obstacle}")
    status = item.status
    if item.label != stats.DECIDED and status in (MET, NOT_MET):
        status += f" ({item.label}: not a decided result)"
    verdict = f"{item.name}: {item.shown} against a target of {item.target}: {status}."
    if status == INDICATIVE:
        verdict = f"{item.name}: {item.shown}, indicative (quick mode: not assessed against its target, {item.target})."
    return Card(card_id, question, verdict, item.label, _ratio_range(item, one_minus), limits,
                [_overhead_sentence(x) for x in extra], chart)  # fmt: skip


def _nginx_chart(items: dict[str, Overhead], api: str) -> Chart | None:
    equal = items[PROXY_EQUAL]
    if len(equal.rows) != 2:
        return None
    ng, g = equal.rows
    if ng.us_app is not None and g.us_app is not None:
        rows = [(g.key, {"app": g.us_app}), (ng.key, {"app": ng.us_app, "nginx": ng.us_nginx or 0.0})]
        own = items[PROXY_OWN].rows
        if own and own[0].us_app is not None:
            rows.append((own[0].key, {"app": own[0].us_app, "nginx": own[0].us_nginx or 0.0}))
        return cost_chart("card-nginx", f"{api}: CPU per request ({ng.tool})", rows)
    return bar_chart("card-nginx", f"{api}: req/s ({ng.tool})", _bars([g, ng]), "req/s")


def _rows_chart(card_id: str, item: Overhead, title: str, labels: list[str] | None = None) -> Chart | None:
    if len(item.rows) != 2:
        return None
    return bar_chart(f"card-{card_id}", f"{title} ({item.tool})", _bars(list(item.rows), labels), "req/s")


METRIC_WORDS = {"cpu_us_per_request": "CPU µs per request", "rps": "req/s"}


def _ci(look: dict) -> str:
    if math.isnan(look["ci_low"]):
        return "no interval yet"
    return f"{1 - look['alpha']:.1%} CI {pct(look['ci_low'])}..{pct(look['ci_high'])}"


def sequential_line(entry: dict, label) -> str:
    """One comparison's verdict: decided (which side, or equivalent) or not, with its effect and looks."""
    a, b = label(entry["a"]), label(entry["b"])
    metric = METRIC_WORDS.get(entry["metric"], entry["metric"])
    looks = entry["looks"]
    if not looks:
        return f"{entry['scenario']}: {a} vs {b}: not decided within budget: no look done ({entry['stopped']})"
    last = looks[-1]
    effect = f"{metric} {pct(last['effect'])} ({_ci(last)}; n={last['n_a']} vs {last['n_b']})"
    used = f"{len(looks)} of {len(entry['looks_planned'])} planned looks, rounds {looks[0]['round']}..{last['round']}"
    cheaper = "costs less" if entry["lower_is_better"] else "serves more"
    verdict = entry["verdict"]
    if verdict == seq.A_BETTER:
        text = f"decided: {a} {cheaper} than {b}"
    elif verdict == seq.B_BETTER:
        text = f"decided: {b} {cheaper} than {a}"
    elif verdict == seq.EQUIVALENT:
        text = f"decided: equivalent within ±{entry['threshold']:.0%}: {a} vs {b}"
    else:
        text = f"not decided within budget ({entry['stopped']}): {a} vs {b}"
    return f"{entry['scenario']}: {text}; {effect}; {used}"


def _rps_line(entry: dict, scenarios: list[ScenarioResult]) -> str | None:
    """RPS second: the same pair's capacity comparison, shown, not deciding."""
    for s in scenarios:
        if s.mode == "capacity" and s.scenario == entry["scenario"]:
            for pair in s.pairs:
                if (pair.question.a, pair.question.b) == (entry["a"], entry["b"]) and pair.throughput:
                    return f"{entry['scenario']}, RPS ({pair.tool}, not deciding): {effect(pair.throughput)}"
    return None


def sequential_cards(results: Results, scenarios: list[ScenarioResult]) -> list[Card]:
    """One card per question the default plan followed (results.json's ``sequential``)."""
    topologies = results.get("topologies", {})

    def label(name: str) -> str:
        return (topologies.get(name) or {}).get("label") or name

    grouped: dict[str, list[dict]] = {}
    for entry in results.get("sequential") or []:
        grouped.setdefault(entry["question"], []).append(entry)
    out = []
    for i, (question, entries) in enumerate(grouped.items()):
        head = min(entries, key=lambda e: e["scenario"] not in q.API_SCENARIOS)
        decided = all(e["verdict"] in seq.DECIDED for e in entries)
        last = head["looks"][-1] if head["looks"] else None
        number = f"{pct(last['effect'])} ({_ci(last)})" if last else "—"
        lines = [sequential_line(e, label) for e in entries]
        rps = [line for e in entries if (line := _rps_line(e, scenarios))]
        limits = [
            f"decided on {METRIC_WORDS.get(head['metric'], head['metric'])} of the system under test, one value per "
            f"interleaved round; {head['method']}: α = {head['alpha']:g} over the planned looks"
        ]
        out.append(
            Card(
                f"q{i}-{head['key']}",
                question,
                " · ".join(lines),
                stats.DECIDED if decided else seq.NOT_DECIDED,
                number,
                limits,
                rps,
            )  # fmt: skip
        )
    return out


def cards(scenarios: list[ScenarioResult], overheads: list[Overhead], results: Results,
          with_charts: bool = True) -> list[Card]:  # fmt: skip
    items = {item.name: item for item in overheads}
    api = q.api_scenario(s.scenario for s in scenarios if s.mode == "capacity")
    gunicorn = pair_card(q.GUNICORN, "Do I need Gunicorn?", scenarios, with_charts)
    summary = resilience_summary(results.get("resilience"))
    if summary:
        gunicorn.details.append(summary + " See the resilience table: what Gunicorn's process management buys.")
    nginx = overhead_card(
        q.NGINX, "Do I need Nginx?", items[PROXY_EQUAL], [items[PROXY_OWN], items[PROXY_CPU]],
        _nginx_chart(items, api) if with_charts else None,
    )  # fmt: skip
    nginx.details += [_pair_line(p) for p in _pairs(scenarios, q.NGINX, "capacity")]
    nginx.details += [_efficiency_line(p) for p in _pairs(scenarios, q.NGINX, "fixed-rate")]
    middleware = overhead_card(
        q.MIDDLEWARE, "What does the middleware cost?", items[MIDDLEWARE], [items[METRICS]],
        _rows_chart(q.MIDDLEWARE, items[MIDDLEWARE], f"{api}: req/s") if with_charts else None,
        one_minus=True,
    )  # fmt: skip
    middleware.details += [_efficiency_line(p) for p in _pairs(scenarios, q.MIDDLEWARE, "fixed-rate")]
    static = overhead_card(
        q.STATIC, "Static vs API?", items[STATIC], [],
        _rows_chart(q.STATIC, items[STATIC], "static vs API: req/s",
                    [f"{q.STATIC_SCENARIO}: {r.topology}" for r in items[STATIC].rows[:1]]
                    + [f"{api}: {r.topology}" for r in items[STATIC].rows[1:]])
        if with_charts else None,
    )  # fmt: skip
    out = [
        gunicorn,
        nginx,
        pair_card(q.WORKERS, "Do several workers help?", scenarios, with_charts),
        pair_card(q.ALTERNATIVES, "How do Gunicorn's own asgi worker and Granian compare?", scenarios, with_charts),
        middleware,
        static,
    ]
    involved = {
        q.GUNICORN: {n for x in q.QUESTIONS if x.key == q.GUNICORN for n in (x.a, x.b)},
        q.NGINX: {row.topology for name in (PROXY_EQUAL, PROXY_OWN) for row in items[name].rows},
        q.WORKERS: {n for x in q.QUESTIONS if x.key == q.WORKERS for n in (x.a, x.b)},
        q.ALTERNATIVES: {n for x in q.QUESTIONS if x.key == q.ALTERNATIVES for n in (x.a, x.b)},
        q.MIDDLEWARE: {row.topology for name in (MIDDLEWARE, METRICS) for row in items[name].rows},
        q.STATIC: {row.topology for row in items[STATIC].rows},
    }
    for card in out:
        if card.label != NOT_MEASURED_LABEL:
            card.limits += idle_notes(results, involved[card.id])
    return sequential_cards(results, scenarios) + out
