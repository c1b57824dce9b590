import pytest

from loadtest.resilience.load import Outcome
from loadtest.resilience.outcome import STALL_S, summarize

FAULT_AT, FAULT_END = 10.0, 11.0


def steady(start: float, end: float, per_s: int = 10, pid: int | None = 7) -> list[Outcome]:
    """Fast successful requests, ``per_s`` a second, each taking 10 ms."""
    n = round((end - start) * per_s)
    return [Outcome(start + i / per_s, start + i / per_s + 0.01, "health", 200, worker_pid=pid) for i in range(n)]


def test_a_clean_run():
    r = summarize(steady(0, 20), FAULT_AT, FAULT_END)
    assert (r["requests"], r["failed_requests"], r["stalled_requests"], r["error_codes"]) == (200, 0, 0, {})
    assert r["recovery_s"] == 0.0 and r["stalls"] == []
    assert (r["baseline_rps"], r["baseline_disturbed"], r["rps_after"]) == (10.0, False, 10.0)
    assert r["capacity_after_pct"] == 100.0


def test_failures_count_by_kind_and_code_and_recovery_ends_with_the_last():
    failed = [
        Outcome(10.5, 10.6, "health", 502),
        Outcome(11.2, 11.3, "create", None, "RemoteProtocolError"),
        Outcome(12.0, 12.4, "read", 502),
    ]
    r = summarize(steady(0, 20) + failed, FAULT_AT, FAULT_END)
    assert (r["failed_requests"], r["failed_gets"], r["failed_creates"]) == (3, 2, 1)
    assert r["error_codes"] == {"502": 2, "RemoteProtocolError": 1}
    assert r["recovery_s"] == pytest.approx(2.4)
    assert r["stalls"] == []  # fast failures are failures, not stalls


def test_capacity_after_is_measured_after_recovery_against_the_baseline():
    # Half the rate after the fault: 50 %.
    r = summarize(steady(0, 10) + steady(11, 20, per_s=5), FAULT_AT, FAULT_END)
    assert (r["baseline_rps"], r["rps_after"], r["capacity_after_pct"]) == (10.0, 5.0, 50.0)


def test_a_stall_in_the_baseline_window_disturbs_it_and_withholds_the_ratio():
    slow = Outcome(8.0, 8.0 + STALL_S + 1, "health", 200, worker_pid=9)
    r = summarize(steady(0, 20) + [slow], FAULT_AT, FAULT_END)
    assert r["baseline_disturbed"] is True and r["capacity_after_pct"] is None
    assert r["baseline_rps"] > 0  # still reported, flagged
    # The same stall well before the window does not disturb it.
    early = Outcome(1.0, 1.0 + STALL_S + 1, "health", 200, worker_pid=9)
    assert summarize(steady(0, 20) + [early], FAULT_AT, FAULT_END)["baseline_disturbed"] is False


def test_overlapping_slow_requests_are_one_stall_with_their_worker_and_its_fate():
    on_nine = [Outcome(12.0, 15.0, "health", 200, worker_pid=9), Outcome(13.0, 16.5, "health", 200, worker_pid=9)]
    unnamed = Outcome(14.0, 16.2, "read", None, "ReadTimeout")  # no answer: no pid, same stall
    r = summarize(steady(0, 20) + on_nine + [unnamed], FAULT_AT, FAULT_END)
    assert r["stalled_requests"] == 2 and r["failed_requests"] == 1
    [stall] = r["stalls"]
    assert (stall["worker_pid"], stall["start_s"], stall["duration_s"]) == (9, 2.0, 4.5)
    assert stall["cause"] == "3 requests over 2 s (ReadTimeout×1) after the fault; worker 9 answered nothing after it"


def test_separate_stalls_and_a_worker_that_kept_serving():
    slow = [Outcome(2.0, 5.0, "health", 200, worker_pid=7), Outcome(10.2, 13.0, "health", 200, worker_pid=8)]
    other = Outcome(10.5, 12.6, "health", 200, worker_pid=7)  # two workers in one stall: pid unknown
    r = summarize(steady(0, 20, pid=7) + slow + [other], FAULT_AT, FAULT_END)
    first, second = r["stalls"]
    assert (first["worker_pid"], first["start_s"]) == (7, -8.0)
    assert first["cause"] == "1 request over 2 s before the fault; worker 7 kept serving"
    assert (second["worker_pid"], second["duration_s"]) == (None, 2.8)
    assert second["cause"] == "2 requests over 2 s during the fault"
