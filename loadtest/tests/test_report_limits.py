import copy

from loadtest.report import limits
from loadtest.report.resources import ceilings, idle
from loadtest.tests.data.sample import make_run


def test_headroom_from_the_run_or_the_ceiling():
    run = make_run("gunicorn", "api-json", 1, 1000)
    assert limits.headroom(run) == 5.0
    run["generator"]["headroom"] = None
    assert limits.headroom(run) == 5.0  # ceiling_rps / rps
    run["generator"]["ceiling_rps"] = None
    assert limits.headroom(run) is None
    assert not limits.generator_bound(run)


def test_generator_bound_above_seventy_percent_of_the_ceiling():
    run = make_run("gunicorn", "api-json", 1, 3600)  # 5000 / 3600 = ×1.39 < 1/0.7
    assert limits.generator_bound(run)
    assert limits.generator_reason(run) == "locust at 72% of its calibrated ceiling (headroom ×1.39)"
    run = make_run("gunicorn", "api-json", 1, 3400)  # ×1.47
    assert not limits.generator_bound(run)
    run["generator"]["saturated"] = True
    assert limits.generator_bound(run) and limits.generator_reason(run) == "locust saturated"


def test_the_seventy_percent_line_in_headroom_terms():
    run = make_run("gunicorn", "api-json", 1, 1000)
    for room, bound in ((1.2, True), (1.5, False), (1.42, True), (1.43, False)):  # 83 %, 67 %, the 70 % line
        run["generator"]["headroom"] = room
        assert limits.generator_bound(run) is bound, room


def test_latency_bound_needs_every_cpu_below_85_percent():
    run = make_run("nginx-uvicorn", "api-json", 1, 850)
    assert limits.latency_bound(run)
    busy = copy.deepcopy(run)
    busy["cpu_busy"]["nginx"] = 0.9
    assert not limits.latency_bound(busy)
    unknown = copy.deepcopy(run)
    del unknown["cpu_busy"]
    assert not limits.latency_bound(unknown)  # v1 results: never claimed


def test_latency_bound_only_when_the_sut_cpu_set_had_idle_time():
    run = make_run("nginx-uvicorn", "api-json", 1, 850)
    run["mode"], run["window_s"] = "capacity", 10.0
    run["sut_cpuset"] = {"user": 0.5, "system": 0.2, "softirq": 0.25, "steal": 0.0, "busy": 0.95, "unattributed": 0.3}
    assert not limits.latency_bound(run)  # every container below 85 %, the CPUs full all the same
    (label,) = limits.run_labels(run)
    assert label == "cpu-set-bound (SUT CPU set 95% busy, 30% charged to no container)"
    assert "SUT CPU set 95% busy, 30% charged to no container" in limits.likely_cause(run, 64)
    run["sut_cpuset"]["busy"] = 0.6
    assert limits.latency_bound(run) and limits.run_labels(run) == ["latency-bound"]


def test_a_container_throttled_by_its_quota_is_not_latency_bound():
    run = make_run("nginx-uvicorn", "api-json", 1, 850)
    run["mode"], run["window_s"] = "capacity", 10.0
    run["throttled"] = {"app": {"periods": 30, "ms": 200.0}}  # 2 % of the run: bursts, not a limit
    assert limits.latency_bound(run)
    run["throttled"]["app"]["ms"] = 1500.0  # 15 %
    assert not limits.latency_bound(run)
    assert limits.run_labels(run) == ["cpu-set-bound (app throttled 15% of the run)"]


def test_tool_defaults_to_locust():
    run = make_run("gunicorn", "api-json", 1, 1000)
    del run["tool"], run["generator"]["tool"]
    assert limits.tool(run) == "locust"


def test_calibration_and_idle_cpu_tables(results):
    got = {c.name: c for c in ceilings(results)}
    assert got["wrk/https"].rps == 20000.0 and got["locust/http"].tool == "locust"
    rows = {r.topology: r for r in idle(results)}
    assert rows["gunicorn-raw"].flagged == ["app 3.1%"]
    assert rows["gunicorn"].flagged == [] and rows["gunicorn"].upstream == "—"
    assert rows["nginx-gunicorn"].upstream == "tcp"
    del results["calibration"]
    assert ceilings(results) == []


def test_run_labels():
    assert limits.run_labels(make_run("gunicorn", "api-json", 1, 1000)) == []
    assert limits.run_labels(make_run("nginx-uvicorn", "api-json", 1, 850)) == [limits.LATENCY_BOUND]
    fixed = make_run("nginx-uvicorn", "api-json", 1, 850, "fixed-rate", 0.5, 850.0)
    assert limits.run_labels(fixed) == []  # a fixed rate is never "latency-bound"
    bound = make_run("gunicorn", "api-json", 1, 4000)
    assert limits.run_labels(bound) == ["generator-bound (locust at 80% of its calibrated ceiling (headroom ×1.25))"]
