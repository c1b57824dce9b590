import math

import pytest
from scipy.stats import mannwhitneyu

from loadtest.report import stats


def test_spread_median_quartiles_and_range():
    s = stats.spread([4, 1, 100, 3, 2])
    assert (s.n, s.median, s.q1, s.q3, s.min, s.max) == (5, 3.0, 2.0, 4.0, 1.0, 100.0)
    assert s.iqr == 2.0


def test_spread_even_count_interpolates():
    s = stats.spread([990, 1000, 1010, 1020])
    assert s.median == 1005.0
    assert s.q1 == pytest.approx(997.5)
    assert s.q3 == pytest.approx(1012.5)


def test_spread_of_nothing_is_none():
    assert stats.spread([]) is None


@pytest.mark.parametrize(
    ("n_a", "n_b", "p"),
    [(2, 2, 1 / 3), (3, 3, 0.1), (5, 5, 2 / 252), (4, 4, 2 / 70), (1, 5, 1 / 3), (0, 3, 1.0), (1, 1, 1.0)],
)
def test_smallest_attainable_p(n_a, n_b, p):
    assert stats.smallest_p(n_a, n_b) == pytest.approx(p)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_smallest_p_is_what_the_exact_test_gives_fully_separated_samples(n):
    p = mannwhitneyu([2000 + i for i in range(n)], [1000 + i for i in range(n)], alternative="two-sided").pvalue
    assert stats.smallest_p(n, n) == pytest.approx(p)


def test_two_vs_two_is_too_few_repetitions_with_the_effect_and_its_range():
    c = stats.compare([1500, 1600], [1000, 1010])
    assert c.verdict == stats.TOO_FEW_REPETITIONS
    assert c.label == "too few repetitions"
    assert c.min_p == pytest.approx(1 / 3)
    assert "smallest attainable p = 0.33" in c.reason
    assert c.rel_diff == pytest.approx(1550 / 1005 - 1)
    assert c.range_low == pytest.approx(1500 / 1010 - 1) and c.range_high == pytest.approx(1600 / 1000 - 1)
    assert math.isnan(c.p_value)  # no p is claimed
    assert c.verdict != stats.NO_DIFFERENCE


def test_three_vs_three_a_large_drop_is_never_no_difference():
    c = stats.compare([380, 390, 370], [1000, 1001, 1002])  # the −62% of issue 7
    assert c.min_p == pytest.approx(0.1)
    assert c.verdict == stats.TOO_FEW_REPETITIONS
    assert c.rel_diff == pytest.approx(380 / 1001 - 1)


def test_five_vs_five_separated_is_significant():
    c = stats.compare([1200, 1210, 1190, 1205, 1195], [1000, 1010, 990, 1005, 995])
    assert c.p_value == pytest.approx(0.0079, abs=1e-4)
    assert c.ci_low > 0
    assert c.verdict == stats.SIGNIFICANT and c.label == stats.DECIDED


def test_five_vs_five_tight_and_close_is_no_measurable_difference():
    b = [1000, 1002, 998, 1001, 999]
    c = stats.compare([x * 1.005 for x in b], b)
    assert -0.03 < c.ci_low and c.ci_high < 0.03
    assert c.verdict == stats.NO_DIFFERENCE and c.decided
    assert "ruled out" in c.reason


def test_five_vs_five_noisy_is_inconclusive_not_no_difference():
    c = stats.compare([900, 1100, 950, 1050, 1000], [1000, 1200, 800, 1100, 950])
    assert c.verdict == stats.INCONCLUSIVE
    assert "does not rule out" in c.reason


def test_one_percent_with_tight_samples_is_below_the_practical_threshold():
    b = [1000 + 0.1 * i for i in range(20)]
    c = stats.compare([x * 1.01 for x in b], b)
    assert c.p_value < 0.05 and c.ci_low > 0  # statistically clear, practically irrelevant
    assert c.verdict == stats.NO_DIFFERENCE


def test_all_ties():
    five = stats.compare([1000.0] * 5, [1000.0] * 5)
    assert five.p_value == 1.0 and five.rel_diff == 0.0
    assert five.verdict == stats.NO_DIFFERENCE  # the test could have detected 3%: CI is exactly 0
    three = stats.compare([1000.0] * 3, [1000.0] * 3)
    assert three.verdict == stats.TOO_FEW_REPETITIONS  # identical, but 3 vs 3 cannot test anything


def test_one_side_empty():
    c = stats.compare([], [1.0, 2.0, 3.0])
    assert c.verdict == stats.NOT_ENOUGH
    assert math.isnan(c.rel_diff) and math.isnan(c.p_value)
    assert "no repetition on one side (0 vs 3)" == c.reason


def test_zero_medians():
    c = stats.compare([0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0])
    assert c.verdict == stats.NOT_ENOUGH and "median of B is 0" in c.reason
    a_zero = stats.compare([0.0] * 5, [10.0, 11.0, 9.0, 10.0, 10.0])
    assert a_zero.rel_diff == -1.0 and a_zero.verdict == stats.SIGNIFICANT


def test_quick_mode_is_indicative_even_with_many_repetitions():
    c = stats.compare([1200, 1210, 1190, 1205, 1195], [1000, 1010, 990, 1005, 995], quick=True)
    assert c.verdict == stats.INDICATIVE and c.label == "indicative"
    assert math.isnan(c.p_value)
    assert c.rel_diff == pytest.approx(0.2)
    assert c.range_low == pytest.approx(1190 / 1010 - 1)


def test_bootstrap_is_deterministic():
    a, b = [1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]
    assert stats.bootstrap_ci(a, b) == stats.bootstrap_ci(a, b)
