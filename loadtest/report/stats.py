"""Spread across repetitions and the significance test behind every "A vs B" verdict.

A difference is called *significant* only when all three hold:

* Mann-Whitney U (two-sided) p < ``ALPHA``;
* the bootstrap 95% CI of the relative difference of medians excludes 0;
* the relative difference is at least ``PRACTICAL_THRESHOLD`` in size.

Otherwise the verdict is "no measurable difference".  With 3 vs 3 repetitions
Mann-Whitney cannot reach p < 0.05 at all, so groups with fewer than
``MIN_REPETITIONS`` repetitions are compared on per-window values taken from the
runs' ``history`` (pooled across repetitions), and the sample unit is reported.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu

from loadtest.results.schema import HistoryPoint, Run

ALPHA = 0.05
PRACTICAL_THRESHOLD = 0.03
MIN_REPETITIONS = 5
WINDOW_S = 5.0
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20261121

SIGNIFICANT = "significant"
NO_DIFFERENCE = "no measurable difference"
TOO_FEW = "not enough samples"


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


def window_means(history: Sequence[HistoryPoint], key: str, window_s: float = WINDOW_S) -> list[float]:
    """Mean of ``key`` over consecutive windows of ``window_s`` seconds (partial windows included)."""
    buckets: dict[int, list[float]] = {}
    for point in history:
        buckets.setdefault(int(point["t"] // window_s), []).append(float(point[key]))
    return [sum(v) / len(v) for _, v in sorted(buckets.items())]


_METRICS = {
    # metric: (per-repetition value, history key for per-window values)
    "rps": (lambda run: run["rps"], "rps"),
    "latency": (lambda run: run["latency_ms"]["p99"], "p95"),
}
METRIC_LABELS = {
    ("rps", "repetition"): "RPS per repetition",
    ("rps", "window"): f"RPS per {WINDOW_S:g}-s window",
    ("latency", "repetition"): "p99 per repetition",
    ("latency", "window"): f"p95 per {WINDOW_S:g}-s window",
}


def samples(runs: Sequence[Run], metric: str, unit: str) -> list[float]:
    """Values of *metric* ("rps" or "latency") per repetition or per history window."""
    per_run, key = _METRICS[metric]
    if unit == "window":
        return [w for run in runs for w in window_means(run["history"], key)]
    return [float(per_run(run)) for run in runs]


def sample_unit(runs_a: Sequence[Run], runs_b: Sequence[Run]) -> str:
    """Both sides use the same unit: repetitions if both have enough, else history windows."""
    if min(len(runs_a), len(runs_b)) >= MIN_REPETITIONS:
        return "repetition"
    if all(run["history"] for run in [*runs_a, *runs_b]):
        return "window"
    return "repetition"  # no history to fall back on: small n, and the verdict will say so


@dataclass(frozen=True)
class Comparison:
    """A vs B: ``rel_diff`` = median(A) / median(B) - 1."""

    median_a: float
    median_b: float
    rel_diff: float
    ci_low: float
    ci_high: float
    p_value: float
    n_a: int
    n_b: int
    unit: str
    threshold: float
    verdict: str
    reason: str

    @property
    def significant(self) -> bool:
        return self.verdict == SIGNIFICANT


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


def compare(
    a: Sequence[float],
    b: Sequence[float],
    *,
    unit: str = "repetition",
    threshold: float = PRACTICAL_THRESHOLD,
    alpha: float = ALPHA,
) -> Comparison:
    """Compare two samples of the same metric; see the module docstring for the rule."""
    median_a = float(np.median(a)) if len(a) else math.nan
    median_b = float(np.median(b)) if len(b) else math.nan
    rel = median_a / median_b - 1.0 if len(a) and len(b) and median_b else math.nan
    if len(a) < 2 or len(b) < 2 or math.isnan(rel):
        return Comparison(
            median_a, median_b, rel, math.nan, math.nan, math.nan, len(a), len(b), unit, threshold,
            TOO_FEW, f"need at least 2 samples per side (have {len(a)} vs {len(b)})",
        )  # fmt: skip
    if np.ptp(np.concatenate([np.asarray(a, float), np.asarray(b, float)])) == 0:
        p = 1.0  # all values identical: mannwhitneyu would warn
    else:
        p = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    low, high = bootstrap_ci(a, b)
    failed = []
    if not p < alpha:
        failed.append(f"p={p:.2g} is not below {alpha:g}")
    if not (low > 0 or high < 0):
        failed.append("the 95% CI includes 0")
    if abs(rel) < threshold:
        failed.append(f"{rel:+.1%} is smaller than the {threshold:.0%} practical threshold")
    verdict = NO_DIFFERENCE if failed else SIGNIFICANT
    reason = "; ".join(failed) if failed else f"p<{alpha:g}, CI excludes 0, difference of at least {threshold:.0%}"
    return Comparison(median_a, median_b, rel, low, high, p, len(a), len(b), unit, threshold, verdict, reason)
