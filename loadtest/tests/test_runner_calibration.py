"""Calibration's run loop: a measurement that completed no request is not a ceiling."""

import pytest

from loadtest.runner.calibration import LOCUST_MIN_S, RETRY_FACTOR, Calibrator, starved_rerun


class _Stack:
    """Calibrator.run only starts and stops its stack around the measurements."""

    def start(self):
        pass

    def stop(self):
        pass


def _calibrator(results: dict, calls: list) -> Calibrator:
    cal = Calibrator(stack=_Stack(), raw_dir=None, duration=2)

    def measure(tool):
        def run(base, scheme, duration):
            calls.append((tool, scheme, duration))
            return results[(tool, scheme)].pop(0), 50.0, float(duration)

        return run

    cal._wrk, cal._locust = measure("wrk"), measure("locust")
    return cal


def test_a_starved_measurement_runs_once_more_longer():
    calls = []
    results = {("wrk", "https"): [900.0], ("wrk", "http"): [1000.0],
               ("locust", "https"): [0.0, 300.0], ("locust", "http"): [400.0]}  # fmt: skip
    out = _calibrator(results, calls).run()
    assert out["locust/https"]["measured_rps"] == 300.0
    assert ("locust", "https", RETRY_FACTOR * LOCUST_MIN_S) in calls
    assert len(calls) == 5


def test_nothing_completed_twice_is_an_error_not_a_zero_ceiling():
    results = {("wrk", "https"): [0.0, 0.0]}
    with pytest.raises(RuntimeError, match="wrk over https: no request completed, twice"):
        _calibrator(results, []).run(tools=("wrk",))


def test_starved_rerun_runs_once_more_three_times_longer_and_says_so():
    durations, said = [], []

    def measure(duration):
        durations.append(duration)
        return (0.0 if len(durations) == 1 else 700.0), 40.0, float(duration)

    assert starved_rerun(measure, 8, "wrk over http", said.append) == (700.0, 40.0, 8.0 * RETRY_FACTOR)
    assert durations == [8, 8 * RETRY_FACTOR] and said == [
        "calibrating wrk over http: no requests completed, once more, longer"
    ]
    durations.clear()
    assert starved_rerun(lambda d: (durations.append(d) or 50.0, 1.0, d), 2, "x") == (50.0, 1.0, 2)
    assert durations == [2]  # a run that completed requests is not repeated
