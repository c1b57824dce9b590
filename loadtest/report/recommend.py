"""Plain-sentence recommendations generated from the comparison results.

Nothing here states a conclusion that the numbers did not produce: every sentence
is built from a :class:`~loadtest.report.stats.Comparison`, an overhead ratio or a
resilience result, and carries its own numbers and confidence.
"""

import math
from dataclasses import dataclass

from loadtest.report import stats
from loadtest.report.compare import PairResult, ScenarioResult, topology_label
from loadtest.report.overhead import NOT_MEASURED, Overhead
from loadtest.results.schema import Resilience


def pct(value: float, signed: bool = True) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return (f"{value:+.1%}" if signed else f"{value:.1%}").replace("-", "−")


def p_text(p: float) -> str:
    if math.isnan(p):
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.2g}"


def confidence(c: stats.Comparison) -> str:
    """The numbers behind a verdict: difference, CI, p, sample unit and size."""
    unit = "repetitions" if c.unit == "repetition" else f"{stats.WINDOW_S:g}-s windows"
    ci = f"95% CI {pct(c.ci_low)}..{pct(c.ci_high)}"
    return f"{pct(c.rel_diff)}, {ci}, {p_text(c.p_value)}; {unit}, n={c.n_a} vs {c.n_b}"


def throughput_sentence(pair: PairResult) -> str:
    a, b = topology_label(pair.question.a), topology_label(pair.question.b)
    c = pair.throughput
    if c.verdict == stats.SIGNIFICANT:
        more = "more" if c.rel_diff > 0 else "less"
        return f"{a} delivers {pct(abs(c.rel_diff), signed=False)} {more} RPS than {b} (significant: {confidence(c)})."
    if c.verdict == stats.TOO_FEW:
        return f"{a} vs {b}: {c.verdict} ({c.reason})."
    return f"{a} vs {b}: no measurable difference in RPS ({confidence(c)})."


def latency_sentence(pair: PairResult) -> str:
    a, b = topology_label(pair.question.a), topology_label(pair.question.b)
    c = pair.latency
    metric = "p99" if c.unit == "repetition" else "p95"
    if c.verdict == stats.SIGNIFICANT:
        word = "higher" if c.rel_diff > 0 else "lower"
        size = pct(abs(c.rel_diff), signed=False)
        return f"{a} has {size} {word} {metric} latency than {b} (significant: {confidence(c)})."
    if c.verdict == stats.TOO_FEW:
        return f"{a} vs {b} latency: {c.verdict} ({c.reason})."
    return f"{a} vs {b}: no measurable difference in {metric} latency ({confidence(c)})."


def pair_sentences(pair: PairResult) -> list[str]:
    if pair.skipped:
        return [f"{topology_label(pair.question.a)} vs {topology_label(pair.question.b)}: {pair.skipped}."]
    out = []
    if pair.throughput:
        out.append(throughput_sentence(pair))
    if pair.latency and (pair.mode == "fixed-rate" or pair.latency.significant):
        out.append(latency_sentence(pair))
    if pair.notes:
        out.append("Note: " + "; ".join(pair.notes) + ".")
    return out


@dataclass
class Advice:
    title: str
    sentences: list[str]


def scenario_advice(result: ScenarioResult) -> Advice:
    sentences = []
    ranked = [row for row in result.rows if row.rank]
    if result.mode == "capacity" and ranked:
        ranking = ", ".join(f"{row.topology} {row.rps.median:,.0f}" for row in ranked)
        sentences.append(f"Ranking by median RPS: {ranking} req/s.")
    for pair in result.pairs:
        sentences.extend(f"{pair.question.text}: {s}" for s in pair_sentences(pair))
    sentences.extend(f"{line}." for line in result.excluded)
    if not result.pairs:
        sentences.append("None of the compared topology pairs was measured in this scenario.")
    return Advice(result.title, sentences)


def _capacity_pairs(scenarios: list[ScenarioResult], key: str) -> list[PairResult]:
    return [p for s in scenarios if s.mode == "capacity" for p in s.pairs if p.question.key == key]


def _tally(pairs: list[PairResult], winner_name: str) -> str:
    better = [p for p in pairs if p.throughput and p.throughput.significant and p.throughput.rel_diff > 0]
    worse = [p for p in pairs if p.throughput and p.throughput.significant and p.throughput.rel_diff < 0]
    same = [p for p in pairs if p.throughput and not p.throughput.significant]
    skipped = [p for p in pairs if p.skipped]

    def where(items: list[PairResult]) -> str:
        return ", ".join(f"{p.scenario} {p.question.a} vs {p.question.b} {pct(p.throughput.rel_diff)}" for p in items)

    parts = []
    if same:
        parts.append(f"no measurable RPS difference in {len(same)} ({where(same)})")
    if better:
        parts.append(f"{winner_name} faster in {len(better)} ({where(better)})")
    if worse:
        parts.append(f"{winner_name} slower in {len(worse)} ({where(worse)})")
    if skipped:
        parts.append(f"{len(skipped)} not compared ({', '.join(f'{p.scenario}: {p.skipped}' for p in skipped)})")
    return f"{len(pairs)} comparison(s): " + "; ".join(parts) + "."


def _verdict(pairs: list[PairResult], subject: str) -> str:
    significant = [p for p in pairs if p.throughput and p.throughput.significant]
    if not [p for p in pairs if p.throughput]:
        return ""
    if not significant:
        return f"On throughput alone, these numbers give no reason to add or drop {subject}."
    if all(p.throughput.rel_diff > 0 for p in significant):
        return f"Where there is a difference, {subject} is ahead."
    if all(p.throughput.rel_diff < 0 for p in significant):
        return f"Where there is a difference, {subject} costs throughput."
    return f"The effect of {subject} depends on the scenario (see above)."


def gunicorn_answer(scenarios: list[ScenarioResult]) -> str:
    pairs = _capacity_pairs(scenarios, "gunicorn")
    if not pairs:
        return "Do I need Gunicorn? Not measured: no Gunicorn vs Uvicorn pair in this run."
    return (
        f"Do I need Gunicorn? Gunicorn + UvicornWorker vs uvicorn --workers, {_tally(pairs, 'Gunicorn')} "
        + _verdict(pairs, "Gunicorn")
    )


def nginx_answer(scenarios: list[ScenarioResult], overheads: list[Overhead]) -> str:
    pairs = _capacity_pairs(scenarios, "nginx")
    parts = ["Do I need Nginx?"]
    for pair in pairs:
        c = pair.throughput
        if pair.skipped:
            parts.append(f"{pair.scenario}: {pair.skipped}.")
        elif c.significant:
            effect = "costs" if c.rel_diff < 0 else "adds"
            parts.append(f"Nginx in front {effect} {pct(abs(c.rel_diff), False)} RPS on {pair.scenario} "
                         f"(significant: {confidence(c)}).")  # fmt: skip
        else:
            parts.append(f"Nginx in front costs no measurable RPS on {pair.scenario} ({confidence(c)}).")
    for item in overheads:
        if item.name.startswith(("Proxy tax", "Static")) and item.status != NOT_MEASURED:
            caveat = f" ({item.caveat})" if item.caveat else ""
            parts.append(f"{item.name}: {item.shown} against a target of {item.target}: {item.status}{caveat}.")
    if len(parts) == 1:
        parts.append("Not measured: no Nginx vs direct pair and no static scenario in this run.")
    return " ".join(parts)


def workers_answer(scenarios: list[ScenarioResult]) -> str:
    pairs = [p for p in _capacity_pairs(scenarios, "workers") if p.throughput]
    if not pairs:
        return ""
    return (
        "Several workers vs one process: "
        + "; ".join(f"{p.scenario} {pct(p.throughput.rel_diff)} ({p.throughput.verdict})" for p in pairs)
        + "."
    )


def resilience_sentence(item: Resilience) -> str:
    codes = ", ".join(f"{code}×{n}" for code, n in item["error_codes"].items()) or "none"
    recovery = f"{item['recovery_s']:.1f} s" if item["recovery_s"] is not None else "n/a"
    after = f"{item['capacity_after_pct']:.0f}%" if item["capacity_after_pct"] is not None else "n/a"
    status = "met" if item["met"] else "NOT met"
    return (
        f"{item['scenario']} on {item['topology']}: {item['failed_requests']} failed requests (codes: {codes}), "
        f"recovery {recovery}, capacity after {after}, {item['lost_items']} lost items; "
        f"target {item['target']}: {status}."
    )


def resilience_answer(resilience: list[Resilience] | None) -> str:
    if not resilience:
        return ""
    met = sum(1 for r in resilience if r["met"])
    failed = [r for r in resilience if not r["met"]]
    text = f"Resilience: {met} of {len(resilience)} checks met their target."
    if failed:
        text += " Not met: " + " ".join(resilience_sentence(r) for r in failed)
    return text


def overall(
    scenarios: list[ScenarioResult], overheads: list[Overhead], resilience: list[Resilience] | None
) -> list[str]:
    """The short answer paragraphs, in the order users ask the questions."""
    paragraphs = [
        gunicorn_answer(scenarios),
        nginx_answer(scenarios, overheads),
        workers_answer(scenarios),
        resilience_answer(resilience),
    ]
    return [p for p in paragraphs if p]
