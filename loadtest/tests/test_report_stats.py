import math

import pytest

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


def test_window_means_groups_five_second_windows():
    history = [{"t": t, "rps": 100.0 + t} for t in range(12)]
    # windows [0..4], [5..9], [10, 11]
    assert stats.window_means(history, "rps") == [102.0, 107.0, 110.5]


def test_clearly_separated_samples_are_significant():
    a = [1200, 1210, 1190, 1205, 1195, 1202, 1198, 1207]
    b = [1000, 1010, 990, 1005, 995, 1002, 998, 1007]
    c = stats.compare(a, b)
    assert c.p_value < 0.05
    assert c.ci_low > 0
    assert c.rel_diff == pytest.approx(1201 / 1001 - 1)
    assert c.verdict == stats.SIGNIFICANT


def test_identical_distributions_are_no_measurable_difference():
    a = [1000, 1010, 990, 1005, 995, 1002]
    c = stats.compare(a, list(a))
    assert c.rel_diff == 0.0
    assert c.p_value == pytest.approx(1.0)
    assert c.ci_low <= 0 <= c.ci_high
    assert c.verdict == stats.NO_DIFFERENCE


def test_one_percent_with_tight_samples_is_below_the_practical_threshold():
    b = [1000 + 0.1 * i for i in range(20)]
    a = [x * 1.01 for x in b]
    c = stats.compare(a, b)
    # statistically clear...
    assert c.p_value < 0.05
    assert c.ci_low > 0
    # ...but practically irrelevant
    assert c.rel_diff == pytest.approx(0.01)
    assert c.verdict == stats.NO_DIFFERENCE
    assert "3% practical threshold" in c.reason


def test_three_vs_three_repetitions_can_never_be_significant():
    c = stats.compare([2000, 2001, 2002], [1000, 1001, 1002])
    assert c.p_value == pytest.approx(0.1)  # the smallest two-sided p for 3 vs 3
    assert c.verdict == stats.NO_DIFFERENCE


def test_too_few_samples():
    c = stats.compare([1.0], [1.0, 2.0])
    assert c.verdict == stats.TOO_FEW
    assert math.isnan(c.p_value)


def test_bootstrap_is_deterministic():
    a, b = [1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]
    assert stats.bootstrap_ci(a, b) == stats.bootstrap_ci(a, b)


def _runs(n, rps=100.0, history=True):
    return [
        {
            "rps": rps,
            "latency_ms": {"p99": 9.0},
            "history": [{"t": t, "rps": rps, "p95": 5.0} for t in range(10)] if history else [],
        }
        for _ in range(n)
    ]


def test_sample_unit_windows_below_five_repetitions():
    assert stats.sample_unit(_runs(3), _runs(5)) == "window"
    assert stats.sample_unit(_runs(5), _runs(6)) == "repetition"
    assert stats.sample_unit(_runs(3, history=False), _runs(3)) == "repetition"


def test_samples_per_unit():
    runs = _runs(3)
    assert stats.samples(runs, "rps", "repetition") == [100.0] * 3
    assert stats.samples(runs, "rps", "window") == [100.0] * 6  # 2 windows x 3 runs
    assert stats.samples(runs, "latency", "repetition") == [9.0] * 3  # p99 per repetition
    assert stats.samples(runs, "latency", "window") == [5.0] * 6  # p95 per window
