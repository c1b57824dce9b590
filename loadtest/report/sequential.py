"""The sequential rule behind the default plan's verdicts (pure: no I/O, no runner state).

A comparison is A vs B on one metric, CPU µs per request by default (lower is better), one
value per side per interleaved round. After each round from ``FIRST_LOOK`` on (a *look*), the
two-sample Student t interval of mean(log A) - mean(log B) is computed at the level this look
was given, and the comparison stops as soon as one of these holds:

* the interval lies inside ±log(1 + threshold): **equivalent within the threshold** (a difference
  as large as the threshold is ruled out; two one-sided tests, each at half the look's level);
* else the interval excludes 0: **A better** or **B better** (two-sided test at the look's level).

Otherwise another round runs, until the planned looks or the time budget run out: then
**not decided within budget**, with the looks done.

Error control: a Bonferroni split of ``ALPHA`` across the planned looks (rounds FIRST_LOOK..K:
each look tested at ALPHA / (K - FIRST_LOOK + 1)). By the union bound the chance that an A/A
comparison is ever declared different stays at most ALPHA, whatever the dependence between
looks, and so does the chance of declaring equivalence when the true difference is the
threshold; looks not taken (budget spent, comparison decided) only spend less.
The effect shown is the ratio of geometric means minus 1, with the look's interval (a repeated
confidence interval at level 1 - ALPHA / looks).
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats as st

ALPHA = 0.05
THRESHOLD = 0.05  # ±5% of CPU µs per request: the difference an equivalence verdict rules out
FIRST_LOOK = 2  # 2 vs 2 (2 degrees of freedom) decides only large effects, which frees later rounds
METHOD = "Bonferroni split of α across the planned looks"

A_BETTER, B_BETTER, EQUIVALENT, UNDECIDED = "A better", "B better", "equivalent", "undecided"
DECIDED = (A_BETTER, B_BETTER, EQUIVALENT)
# Why a comparison stopped.
STOP_DECIDED, STOP_BUDGET, STOP_LOOKS, STOP_BROKEN = "decided", "budget spent", "planned looks done", "not measured"
NOT_DECIDED = "not decided within budget"


def look_alphas(max_rounds: int, alpha: float = ALPHA, first_look: int = FIRST_LOOK) -> dict[int, float]:
    """round -> the level its look is tested at (Bonferroni: equal shares over the planned looks)."""
    rounds = list(range(first_look, max_rounds + 1))
    return {r: alpha / len(rounds) for r in rounds}


@dataclass(frozen=True)
class Look:
    round: int
    n_a: int
    n_b: int
    effect: float  # geometric mean(A) / geometric mean(B) - 1
    ci_low: float
    ci_high: float
    alpha: float
    verdict: str


def look(a: Sequence[float], b: Sequence[float], alpha: float, round_: int = 0, threshold: float = THRESHOLD,
         lower_is_better: bool = True) -> Look:  # fmt: skip
    """One look at per-round values of A and B (all > 0), tested at ``alpha``."""
    la, lb = np.log(np.asarray(a, float)), np.log(np.asarray(b, float))
    n_a, n_b = la.size, lb.size
    if n_a < 2 or n_b < 2:
        effect = math.exp(la.mean() - lb.mean()) - 1 if n_a and n_b else math.nan
        return Look(round_, n_a, n_b, effect, math.nan, math.nan, alpha, UNDECIDED)
    diff = float(la.mean() - lb.mean())
    df = n_a + n_b - 2
    pooled = ((n_a - 1) * la.var(ddof=1) + (n_b - 1) * lb.var(ddof=1)) / df
    half = float(st.t.ppf(1 - alpha / 2, df)) * math.sqrt(pooled * (1 / n_a + 1 / n_b))
    low, high = diff - half, diff + half
    bound = math.log1p(threshold)
    if -bound < low and high < bound:
        verdict = EQUIVALENT
    elif low > 0 or high < 0:
        verdict = (B_BETTER if diff > 0 else A_BETTER) if lower_is_better else (A_BETTER if diff > 0 else B_BETTER)
    else:
        verdict = UNDECIDED
    return Look(round_, n_a, n_b, math.expm1(diff), math.expm1(low), math.expm1(high), alpha, verdict)


@dataclass
class Comparison:
    """One question on one scenario, followed round by round (the runner's and the tests' rule)."""

    key: str
    question: str
    a: str
    b: str
    scenario: str
    alphas: dict[int, float]  # round -> level (look_alphas)
    metric: str = "cpu_us_per_request"
    lower_is_better: bool = True
    threshold: float = THRESHOLD
    values_a: list[float] = field(default_factory=list)
    values_b: list[float] = field(default_factory=list)
    looks: list[Look] = field(default_factory=list)
    stopped: str | None = None  # None: still running

    @property
    def open(self) -> bool:
        return self.stopped is None

    @property
    def verdict(self) -> str:
        last = self.looks[-1].verdict if self.looks else UNDECIDED
        return last if last in DECIDED else NOT_DECIDED

    def add(self, round_: int, a: float | None, b: float | None) -> Look | None:
        """This round's values (None: not measured); the look, if this round has one."""
        if not self.open:
            return None
        if a is not None and a > 0:
            self.values_a.append(float(a))
        if b is not None and b > 0:
            self.values_b.append(float(b))
        if round_ not in self.alphas:
            return None
        result = look(self.values_a, self.values_b, self.alphas[round_], round_, self.threshold, self.lower_is_better)
        self.looks.append(result)
        if result.verdict in DECIDED:
            self.stopped = STOP_DECIDED
        elif round_ >= max(self.alphas):
            self.stopped = STOP_LOOKS
        return result

    def stop(self, reason: str) -> None:
        if self.open:
            self.stopped = reason

    def document(self) -> dict:
        """results.json's ``sequential[]`` entry (loadtest/results/schema.py)."""
        return {
            "key": self.key, "question": self.question, "a": self.a, "b": self.b, "scenario": self.scenario,
            "metric": self.metric, "lower_is_better": self.lower_is_better, "threshold": self.threshold,
            "alpha": sum(self.alphas.values()), "method": METHOD, "looks_planned": sorted(self.alphas),
            "values_a": self.values_a, "values_b": self.values_b,
            "looks": [asdict(x) for x in self.looks], "verdict": self.verdict, "stopped": self.stopped or STOP_LOOKS,
        }  # fmt: skip


def run_stream(comparison: Comparison, a: Sequence[float], b: Sequence[float]) -> Comparison:
    """Feed round values until the comparison stops (what the runner does, one round at a time)."""
    for r, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        comparison.add(r, x, y)
        if not comparison.open:
            break
    return comparison
