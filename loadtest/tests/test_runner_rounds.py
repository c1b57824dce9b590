"""Interleaved repetitions, calibration look-ups and Locust's history timestamps."""

from loadtest.runner import calibration, rounds
from loadtest.runner.generators import locust


def test_rounds_visit_every_topology_in_turn():
    work = [("ref", ["a", "b"]), ("t2", ["a"]), ("empty", []), ("t3", ["b"])]
    visits = rounds.plan(work, 3)
    assert [(v.round, v.topology) for v in visits] == [
        (1, "ref"), (1, "t2"), (1, "t3"), (2, "ref"), (2, "t2"), (2, "t3"), (3, "ref"), (3, "t2"), (3, "t3"),
    ]  # fmt: skip
    assert [v.verify for v in visits] == [True] * 3 + [False] * 6
    assert visits[0].scenarios == ("a", "b")


def test_fixed_rate_runs_spread_over_rounds_once_each():
    visits = rounds.plan([("ref", ["a"]), ("t2", ["a"])], 2, [0.5, 0.8, 0.3])
    by_round = {v.round: v.fractions for v in visits if v.topology == "t2"}
    assert by_round == {1: (0.5, 0.3), 2: (0.8,)}
    assert sorted(f for v in visits if v.topology == "ref" for f in v.fractions) == [0.3, 0.5, 0.8]
    assert rounds.plan([("ref", ["a"])], 1, [0.5, 0.8])[0].fractions == (0.5, 0.8)


def test_calibration_lookups():
    cal = {"locust/https": calibration.entry("locust", "https", "https://nginx:9443/calibrate", 5000, 90, 5)}
    assert calibration.ceiling(cal, "locust", "https://nginx:8443") == 5000.0
    assert calibration.ceiling(cal, "locust", "http://app:8000") is None
    assert calibration.ceiling(None, "wrk", "https://nginx:8443") is None
    assert calibration.offered_cap(cal) == 3000.0
    cal["locust/http"] = calibration.entry("locust", "http", "http://nginx:9080/calibrate", 4000, 90, 5)
    cal["wrk/http"] = calibration.entry("wrk", "http", "http://nginx:9080/calibrate", 50000, 90, 5)
    assert calibration.offered_cap(cal) == 2400.0  # the lowest Locust ceiling: same load for every topology
    assert calibration.offered_cap({}) is None
    assert calibration.key("wrk", "http") == "wrk/http"


def test_history_timestamps_keep_rows_with_every_user_running_after_the_reset(tmp_path):
    head = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,Total Request Count,Total Failure Count\n"
    rows = [
        (99, 0, "Aggregated", 0), (100, 32, "Aggregated", 500), (100, 64, "/x", 500),
        (101, 64, "Aggregated", 40),  # after --reset-stats
        (102, 64, "Aggregated", 1000), (103, 64, "Aggregated", 2000), (103, 64, "Aggregated", 2001),
        (104, 0, "Aggregated", 2500),  # written after the users stopped
    ]  # fmt: skip
    path = tmp_path / "h_stats_history.csv"
    path.write_text(head + "".join(f"{ts},{users},,{name},0,0,1,{total},0\n" for ts, users, name, total in rows))
    assert locust.history_timestamps(path) == [101, 102, 103]
    assert locust.history_timestamps(tmp_path / "missing.csv") == []


def test_ceiling_is_measured_when_the_generator_was_busy_else_extrapolated_per_cpu_second():
    assert calibration.ceiling_estimate(8000, 95.0, 1) == (8000, False)  # Locust at its limit
    assert calibration.ceiling_estimate(30000, 30.0, 1) == (100000, True)  # wrk: Nginx's one core was the limit
    assert calibration.ceiling_estimate(30000, 10.0, 1) == (150000, True)  # at most 5x what it measured
    assert calibration.ceiling_estimate(30000, 100.0, 2) == (60000, True)  # half of two CPUs
    assert calibration.ceiling_estimate(1000, 0.0, 1) == (1000, False)  # no CPU figure: as measured
    e = calibration.entry("wrk", "https", "https://nginx:9443/calibrate", 30000, 30.0, 5.0)
    assert e["rps"] == 100000 and e["measured_rps"] == 30000 and e["extrapolated"] is True
