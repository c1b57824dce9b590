"""Spread across repetitions and the test behind every "A vs B" verdict.

The unit of a sample is a repetition: windows inside one run are not independent, so they
are never pooled.  A comparison ends in one of these verdicts:

* **indicative** (QUICK mode): direction and size with their range, no significance claim;
* **too few repetitions to test**: the smallest p a two-sided Mann–Whitney U test can reach
  with n_a vs n_b repetitions, ``2 / C(n_a + n_b, n_a)``, is not below ``ALPHA`` (2 vs 2:
  0.33, 3 vs 3: 0.1), so no outcome could be significant; the effect and its range are shown;
* **significant**: p < ``ALPHA``, the bootstrap 95% CI of the relative difference of medians
  excludes 0, and the difference is at least ``PRACTICAL_THRESHOLD``;
* **no measurable difference**: the test could pass, and the 95% CI lies inside
  ±``PRACTICAL_THRESHOLD``: a difference as large as the threshold is ruled out;
* **inconclusive**: the test could pass, but neither of the above holds (noisy data);
* **not enough samples**: a side has no repetition, or B's median is 0 (no ratio).

"decided" is the label of the significant and no-difference verdicts.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu

ALPHA = 0.05
PRACTICAL_THRESHOLD = 0.03
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20261121

SIGNIFICANT = "significant"
NO_DIFFERENCE = "no measurable difference"
TOO_FEW_REPETITIONS = "too few repetitions to test"
INCONCLUSIVE = "inconclusive"
INDICATIVE = "indicative"
NOT_ENOUGH = "not enough samples"

# Labels of a comparison (see limits.py for generator-bound and latency-bound).
DECIDED = "decided"
LABELS = {
    SIGNIFICANT: DECIDED,
    NO_DIFFERENCE: DECIDED,
    TOO_FEW_REPETITIONS: "too few repetitions",
    INCONCLUSIVE: INCONCLUSIVE,
    INDICATIVE: INDICATIVE,
    NOT_ENOUGH: NOT_ENOUGH,
}


@dataclass(frozen=True)
class Spread:
    n: int
    median: float
    q1: float
    q3: float
    min: float
    max: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def spread(values: Iterable[float]) -> Spread | None:
    """Median, quartiles (linear interpolation) and range; None for no values."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size == 0:
        return None
    q1, median, q3 = np.percentile(arr, [25, 50, 75])
    return Spread(int(arr.size), float(median), float(q1), float(q3), float(arr.min()), float(arr.max()))


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p an exact Mann–Whitney U test can give for n_a vs n_b samples."""
    if n_a < 1 or n_b < 1:
        return 1.0
    return min(1.0, 2 / math.comb(n_a + n_b, n_a))


@dataclass(frozen=True)
class Comparison:
    """A vs B: ``rel_diff`` = median(A) / median(B) - 1; ``range_*`` span every pair of samples."""

    median_a: float
    median_b: float
    rel_diff: float
    ci_low: float
    ci_high: float
    range_low: float
    range_high: float
    p_value: float
    min_p: float
    n_a: int
    n_b: int
    threshold: float
    verdict: str
    reason: str

    @property
    def significant(self) -> bool:
        return self.verdict == SIGNIFICANT

    @property
    def decided(self) -> bool:
        return self.verdict in (SIGNIFICANT, NO_DIFFERENCE)

    @property
    def label(self) -> str:
        return LABELS[self.verdict]


def bootstrap_ci(
    a: Sequence[float], b: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """95% percentile-bootstrap CI of median(A)/median(B) - 1."""
    rng = np.random.default_rng(seed)
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ma = np.median(rng.choice(xa, size=(resamples, xa.size)), axis=1)
    mb = np.median(rng.choice(xb, size=(resamples, xb.size)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = ma / mb - 1.0
    rel = rel[np.isfinite(rel)]
    if rel.size == 0:
        return math.nan, math.nan
    low, high = np.percentile(rel, [2.5, 97.5])
    return float(low), float(high)


def ratio_range(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """min(A)/max(B) - 1 .. max(A)/min(B) - 1: every ratio of one A to one B lies inside."""
    if not len(a) or not len(b) or min(b) <= 0:
        return math.nan, math.nan
    return min(a) / max(b) - 1.0, max(a) / min(b) - 1.0


def _p_value(a: Sequence[float], b: Sequence[float]) -> float:
    if np.ptp(np.concatenate([np.asarray(a, float), np.asarray(b, float)])) == 0:
        return 1.0  # all values identical: mannwhitneyu would warn
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def compare(
    a: Sequence[float],
    b: Sequence[float],
    *,
    quick: bool = False,
    threshold: float = PRACTICAL_THRESHOLD,
    alpha: float = ALPHA,
) -> Comparison:
    """Compare per-repetition values of one metric; see the module docstring for the verdicts."""
    n_a, n_b = len(a), len(b)
    median_a = float(np.median(a)) if n_a else math.nan
    median_b = float(np.median(b)) if n_b else math.nan
    min_p = smallest_p(n_a, n_b)
    nan = math.nan

    def result(rel, ci, rng, p, verdict, reason) -> Comparison:
        return Comparison(median_a, median_b, rel, *ci, *rng, p, min_p, n_a, n_b, threshold, verdict, reason)

    if not n_a or not n_b:
        return result(nan, (nan, nan), (nan, nan), nan, NOT_ENOUGH, f"no repetition on one side ({n_a} vs {n_b})")
    if median_b == 0:
        return result(nan, (nan, nan), (nan, nan), nan, NOT_ENOUGH, "median of B is 0: no ratio")
    rel = median_a / median_b - 1.0
    rng = ratio_range(a, b)
    ci = bootstrap_ci(a, b) if min(n_a, n_b) >= 2 else (nan, nan)
    if quick:
        return result(rel, ci, rng, nan, INDICATIVE, "quick mode: direction and size only, no significance claim")
    if not min_p < alpha:
        return result(
            rel, ci, rng, nan, TOO_FEW_REPETITIONS,
            f"smallest attainable p = {min_p:.2g} with {n_a} vs {n_b} repetitions, not below {alpha:g}",
        )  # fmt: skip
    p = _p_value(a, b)
    low, high = ci
    if p < alpha and (low > 0 or high < 0) and abs(rel) >= threshold:
        reason = f"p={p:.2g}<{alpha:g}, CI excludes 0, difference of at least {threshold:.0%}"
        return result(rel, ci, rng, p, SIGNIFICANT, reason)
    if -threshold < low and high < threshold:
        reason = f"95% CI {low:+.1%}..{high:+.1%} inside ±{threshold:.0%}: a {threshold:.0%} difference is ruled out"
        return result(rel, ci, rng, p, NO_DIFFERENCE, reason)
    failed = []
    if not p < alpha:
        failed.append(f"p={p:.2g} is not below {alpha:g}")
    if not (low > 0 or high < 0):
        failed.append("the 95% CI includes 0")
    if abs(rel) < threshold:
        failed.append(f"{rel:+.1%} is smaller than the {threshold:.0%} practical threshold")
    failed.append(f"the 95% CI {low:+.1%}..{high:+.1%} does not rule out ±{threshold:.0%}")
    return result(rel, ci, rng, p, INCONCLUSIVE, "; ".join(failed))
