"""Plain sentences built from the comparison results.

Nothing here states a conclusion that the numbers did not produce: every sentence is built
from a :class:`~loadtest.report.stats.Comparison` and its label, and carries its numbers.
A generator-bound comparison is a lower bound and never gets a verdict; "no measurable
difference" appears only where the test could have detected the practical threshold.
"""

import math

from loadtest.report import limits, stats
from loadtest.report.compare import PairResult, ScenarioResult


def pct(value: float | None, signed: bool = True) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return (f"{value:+.1%}" if signed else f"{value:.1%}").replace("-", "−")


def p_text(p: float) -> str:
    if p is None or math.isnan(p):
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.2g}"


def effect(c: stats.Comparison) -> str:
    """The difference of medians with its range: bootstrap 95% CI where there is one, else min–max."""
    if not math.isnan(c.ci_low):
        return f"{pct(c.rel_diff)} (95% CI {pct(c.ci_low)}..{pct(c.ci_high)}; n={c.n_a} vs {c.n_b})"
    return f"{pct(c.rel_diff)} (range {pct(c.range_low)}..{pct(c.range_high)}; n={c.n_a} vs {c.n_b})"


def verdict_text(c: stats.Comparison, label: str, metric: str = "RPS") -> str:
    """One verdict, worded by its label: a lower bound, indicative, untestable, or decided."""
    if label == limits.GENERATOR_BOUND:
        return f"generator-bound: {metric} {effect(c)} is a lower bound, no verdict"
    if c.verdict == stats.INDICATIVE:
        return f"indicative (quick mode): {metric} {effect(c)}, no significance claim"
    if c.verdict == stats.TOO_FEW_REPETITIONS:
        return f"too few repetitions to test (smallest attainable p = {c.min_p:.2g}): {metric} {effect(c)}"
    if c.verdict == stats.SIGNIFICANT:
        return f"significant: {metric} {effect(c)}, {p_text(c.p_value)}"
    if c.verdict == stats.NO_DIFFERENCE:
        return (
            f"no measurable difference in {metric}: {effect(c)}, {p_text(c.p_value)}; "
            f"a {c.threshold:.0%} difference is ruled out"
        )
    if c.verdict == stats.INCONCLUSIVE:
        return f"inconclusive: {metric} {effect(c)}, {p_text(c.p_value)} ({c.reason})"
    return f"{c.verdict}: {c.reason}"


def pair_sentences(pair: PairResult) -> list[str]:
    a, b = pair.rows[0].key, pair.rows[1].key
    if pair.skipped:
        return [f"{a} vs {b}: {pair.skipped}."]
    out = []
    if pair.throughput:
        out.append(f"{a} vs {b}: {verdict_text(pair.throughput, pair.label)} [{pair.label}].")
    if pair.latency and (pair.mode == "fixed-rate" or pair.latency.significant):
        out.append(f"{a} vs {b}: {verdict_text(pair.latency, pair.label, 'p99 latency')}.")
    if pair.limits:
        out.append("Limits: " + "; ".join(pair.limits) + ".")
    if pair.notes:
        out.append("Note: " + "; ".join(pair.notes) + ".")
    return out


def scenario_advice(result: ScenarioResult) -> tuple[str, list[str]]:
    """(title, sentences) for one scenario and mode."""
    sentences = []
    for tool in result.tools:
        ranked = [row for row in result.rows if row.rank and row.tool == tool]
        if result.mode == "capacity" and ranked:
            ranking = ", ".join(f"{row.topology} {row.rps.median:,.0f}" for row in ranked)
            sentences.append(f"Ranking by median RPS ({tool}): {ranking} req/s.")
    for pair in result.pairs:
        sentences.extend(f"{pair.question.text}: {s}" for s in pair_sentences(pair))
    sentences.extend(f"{line}." for line in result.excluded)
    if not result.pairs:
        sentences.append("None of the compared topology pairs was measured in this scenario.")
    return result.title, sentences
