"""Calibration's run loop: a measurement that completed no request is not a ceiling."""

import pytest

from loadtest.runner.calibration import LOCUST_MIN_S, RETRY_FACTOR, Calibrator


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
    with pytest.raises(RuntimeError, match="completed no request over https"):
        _calibrator(results, []).run(tools=("wrk",))
