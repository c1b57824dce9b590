"""The sequential rule (loadtest/report/sequential.py), driven exactly as the runner drives it."""

import math

import numpy as np
import pytest
from scipy.stats import binom

from loadtest.report import sequential as seq

SIMULATIONS = 1000


def lognormal(rng, n: int, cv: float, median: float = 300.0) -> np.ndarray:
    """Per-round CPU µs per request with a coefficient of variation ``cv``."""
    return median * np.exp(rng.normal(0.0, math.sqrt(math.log1p(cv**2)), n))


def comparison(max_rounds: int) -> seq.Comparison:
    return seq.Comparison("k", "A vs B?", "a", "b", "api-json", seq.look_alphas(max_rounds))


def test_bonferroni_split_over_the_planned_looks():
    alphas = seq.look_alphas(7)
    assert sorted(alphas) == list(range(seq.FIRST_LOOK, 8))
    assert sum(alphas.values()) == pytest.approx(seq.ALPHA)
    assert len(set(alphas.values())) == 1
    assert seq.look_alphas(1, first_look=1) == {1: seq.ALPHA}


@pytest.mark.parametrize(("cv", "max_rounds"), [(0.10, 7), (0.20, 7), (0.15, 10)])
def test_aa_false_positive_rate_stays_within_alpha(cv, max_rounds):
    """1,000 A/A comparisons (the same lognormal on both sides) through the runner's rule: the share
    declared different stays within alpha, with a binomial margin (one-sided 99.9%)."""
    rng = np.random.default_rng(20261122 + int(cv * 100) + max_rounds)
    different = 0
    for _ in range(SIMULATIONS):
        c = seq.run_stream(comparison(max_rounds), lognormal(rng, max_rounds, cv), lognormal(rng, max_rounds, cv))
        different += c.verdict in (seq.A_BETTER, seq.B_BETTER)
    margin = binom.ppf(0.999, SIMULATIONS, seq.ALPHA)
    assert different <= margin, f"{different}/{SIMULATIONS} A/A comparisons declared different"


def test_a_real_20_percent_difference_is_decided_within_the_planned_looks():
    rng = np.random.default_rng(7)
    rounds, decided, right = 7, 0, 0  # the default plan's rounds at 30 minutes on 2 CPUs
    for _ in range(SIMULATIONS):
        a, b = lognormal(rng, rounds, 0.10, 360.0), lognormal(rng, rounds, 0.10, 300.0)  # A costs 20% more
        c = seq.run_stream(comparison(rounds), a, b)
        decided += c.verdict in seq.DECIDED
        right += c.verdict == seq.B_BETTER
    assert right / SIMULATIONS > 0.6 and right == decided  # mostly decided, never the wrong way


def test_a_large_difference_stops_at_the_first_look_and_an_equal_pair_ends_equivalent():
    rng = np.random.default_rng(3)
    c = seq.run_stream(comparison(7), lognormal(rng, 7, 0.03, 600.0), lognormal(rng, 7, 0.03, 300.0))
    assert c.verdict == seq.B_BETTER and c.stopped == seq.STOP_DECIDED and c.looks[-1].round <= seq.FIRST_LOOK + 1
    assert c.looks[0].round == seq.FIRST_LOOK and c.looks[-1].effect == pytest.approx(1.0, abs=0.1)
    same = seq.run_stream(comparison(7), lognormal(rng, 7, 0.01), lognormal(rng, 7, 0.01))
    assert same.verdict == seq.EQUIVALENT and -0.05 < same.looks[-1].ci_low < same.looks[-1].ci_high < 0.05


def test_undecided_until_the_looks_run_out_then_not_decided():
    c = comparison(3)
    assert c.add(1, 300, 310) is None and c.open  # no look before FIRST_LOOK
    values = [(300, 330), (330, 300)]
    for r, (a, b) in enumerate(values, start=2):
        c.add(r, a, b)
    assert c.stopped == seq.STOP_LOOKS and c.verdict == seq.NOT_DECIDED
    doc = c.document()
    assert doc["looks_planned"] == [2, 3] and len(doc["looks"]) == 2 and doc["alpha"] == pytest.approx(0.05)


def test_rps_higher_is_better():
    c = seq.Comparison("k", "q", "a", "b", "s", seq.look_alphas(4), metric="rps", lower_is_better=False)
    seq.run_stream(c, [2000, 2010, 1990, 2000], [1000, 1010, 990, 1000])
    assert c.verdict == seq.A_BETTER


def test_missing_values_are_skipped_and_stop_reasons_kept():
    c = comparison(4)
    c.add(1, None, 300)
    c.add(2, 300, 300)
    assert c.looks[-1].verdict == seq.UNDECIDED and c.looks[-1].n_a == 1
    c.stop(seq.STOP_BUDGET)
    assert c.stopped == seq.STOP_BUDGET and c.add(3, 300, 300) is None
