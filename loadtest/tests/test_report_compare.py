import pytest

from loadtest.report import limits, stats
from loadtest.report.compare import analyze


def scenario(results, name, mode="capacity"):
    return next(s for s in analyze(results) if s.scenario == name and s.mode == mode)


def test_rows_median_spread_ranking_per_tool(results):
    api = scenario(results, "api-json")
    row = api.row("gunicorn")
    assert row.rps.median == 1000.0
    assert row.rps.iqr == 10.0
    assert (row.rps.min, row.rps.max) == (990.0, 1010.0)
    assert row.requests == 5 * 30000
    ranked = [r.topology for r in api.rows if r.rank and r.tool == "locust"]
    assert ranked == ["gunicorn-raw", "gunicorn-nomw", "gunicorn", "uvicorn", "nginx-gunicorn", "nginx-uvicorn",
                      "nginx-gunicorn-asgi", "nginx-uvicorn-1"]  # fmt: skip
    assert [r.topology for r in api.rows if r.rank and r.tool == "wrk"] == [
        "nginx-gunicorn-split", "gunicorn", "nginx-gunicorn",
    ]  # fmt: skip


def test_locust_and_wrk_are_separate_rows_and_pairs(results):
    api = scenario(results, "api-json")
    locust, wrk = api.row("nginx-gunicorn"), api.row("nginx-gunicorn", "wrk")
    assert (locust.rps.median, wrk.rps.median) == (850.0, 2600.0)
    assert wrk.key == "nginx-gunicorn (wrk)" and locust.key == "nginx-gunicorn"
    assert wrk.runs[0]["history"] == []
    assert api.pair("nginx-gunicorn", "gunicorn").throughput.rel_diff == pytest.approx(-0.15)
    assert api.pair("nginx-gunicorn", "gunicorn", "wrk").throughput.rel_diff == pytest.approx(2600 / 4400 - 1)
    assert api.tools == ["locust", "wrk"]


def test_cgroup_cpu_replaces_docker_stats(results):
    row = scenario(results, "api-json").row("nginx-gunicorn")
    assert (row.us_app, row.us_nginx, row.us_generator) == (300.0, 180.0, 400.0)
    assert row.cpu_source == "cgroup"
    assert row.cpu_app == pytest.approx(300 * 850 / 10_000)  # % of one core = µs/req × req/s / 10⁴
    assert row.busy == {"app": 0.97, "generator": 0.5, "nginx": 0.4}
    for run in results["runs"]:
        del run["cpu_us_per_request"]
    old = scenario(results, "api-json").row("nginx-gunicorn")
    assert (old.cpu_app, old.cpu_nginx, old.cpu_source) == (95.0, 20.0, "docker stats")


def test_labels_come_from_results_json(results):
    api = scenario(results, "api-json")
    assert api.label == "JSON endpoint" and api.title == "JSON endpoint — capacity"
    assert api.row("gunicorn").label == "Gunicorn + UvicornWorker"
    assert api.row("gunicorn-raw").label == "gunicorn-raw"  # no label: the name
    assert scenario(results, "cpu").label == "cpu"  # no label: the name
    assert [s.scenario for s in analyze(results) if s.mode == "capacity"] == ["static", "api-json", "cpu"]
    results["scenarios"] = {"cpu": {"label": "CPU"}, "api-json": {}, "static": {}}
    assert [s.label for s in analyze(results) if s.mode == "capacity"] == ["CPU", "api-json", "static"]


def test_a_new_topology_needs_no_code(results):
    results["topologies"]["nginx-hypercorn"] = {**results["topologies"]["nginx-granian"], "label": "Nginx → Hypercorn"}
    for run in [r for r in results["runs"] if r["topology"] == "nginx-gunicorn" and r["scenario"] == "api-json"]:
        results["runs"].append({**run, "topology": "nginx-hypercorn"})
    row = scenario(results, "api-json").row("nginx-hypercorn")
    assert row.label == "Nginx → Hypercorn" and row.rank is not None
    assert row.colour_index == list(results["topologies"]).index("nginx-hypercorn")


def test_generator_bound_rows_are_lower_bounds_and_their_pairs_never_decide(results):
    api = scenario(results, "api-json")
    granian = api.row("nginx-granian")
    assert granian.compared == [] and granian.rank is None
    assert granian.flags[0].startswith("generator-bound in 5/5 runs (locust saturated)")
    pair = api.pair("nginx-granian", "nginx-gunicorn")
    assert pair.label == limits.GENERATOR_BOUND
    assert pair.throughput.rel_diff == pytest.approx(1500 / 850 - 1)  # shown, as a lower bound
    assert any("a lower bound, never a verdict" in line for line in pair.limits)


def test_headroom_below_one_over_point_seven_is_generator_bound(results):
    static = scenario(results, "static")
    locust = static.row("nginx-gunicorn")
    assert locust.headroom == pytest.approx(1.1)
    assert locust.compared == [] and "locust at 91% of its calibrated ceiling (headroom ×1.10)" in locust.flags[0]
    assert static.row("nginx-gunicorn", "wrk").compared  # ×1.54: not bound


def test_partly_bound_topology_compares_only_clean_runs(results):
    for run in results["runs"]:
        if (run["scenario"], run["topology"], run["repetition"], run["tool"]) == ("cpu", "uvicorn", 3, "locust"):
            run["generator"]["saturated"] = True
    cpu = scenario(results, "cpu")
    row = cpu.row("uvicorn")
    assert [r["repetition"] for r in row.compared] == [1, 2, 4, 5]
    pair = cpu.pair("gunicorn", "uvicorn")
    assert pair.throughput.n_b == 4
    assert "uvicorn: 1 generator-bound run(s) left out" in pair.notes


def test_latency_bound_pair_says_why(results):
    pair = scenario(results, "api-json").pair("nginx-uvicorn", "nginx-uvicorn-1")
    assert pair.throughput.verdict == stats.SIGNIFICANT
    assert pair.label == limits.LATENCY_BOUND
    cause = next(line for line in pair.limits if line.startswith("latency-bound"))
    assert "no CPU saturated (app 50%, nginx 30%, generator 40%)" in cause
    assert "100 users × 117.6 ms per round trip allow ≈ 850 req/s" in cause


def test_failures_are_flagged(results):
    api = scenario(results, "api-json")
    assert "5 failed requests" in api.row("nginx-uvicorn-1").flags
    assert "nginx-uvicorn-1: 5 failed requests" in api.pair("nginx-uvicorn", "nginx-uvicorn-1").notes


def test_only_pairs_present_in_the_data(results):
    api = scenario(results, "api-json")
    asked = {(p.question.a, p.question.b, p.tool) for p in api.pairs}
    assert asked == {
        ("nginx-gunicorn", "nginx-uvicorn", "locust"),
        ("gunicorn", "uvicorn", "locust"),
        ("nginx-gunicorn", "gunicorn", "locust"),
        ("nginx-uvicorn", "nginx-uvicorn-1", "locust"),
        ("nginx-gunicorn-asgi", "nginx-gunicorn", "locust"),
        ("nginx-granian", "nginx-gunicorn", "locust"),
        ("gunicorn", "gunicorn-nomw", "locust"),
        ("nginx-gunicorn", "gunicorn", "wrk"),
    }


def test_verdicts_full_run(results):
    api, cpu = scenario(results, "api-json"), scenario(results, "cpu")
    close = api.pair("gunicorn", "uvicorn")
    assert close.throughput.n_a == 5 and close.throughput.rel_diff == pytest.approx(1000 / 990 - 1)
    assert close.throughput.verdict == stats.NO_DIFFERENCE and close.label == stats.DECIDED
    assert cpu.pair("gunicorn", "uvicorn").throughput.verdict == stats.SIGNIFICANT
    assert api.pair("nginx-gunicorn", "gunicorn").label == stats.DECIDED


def test_quick_run_is_indicative_everywhere(quick_results):
    for result in analyze(quick_results):
        for pair in result.pairs:
            if pair.main:
                assert pair.main.verdict == stats.INDICATIVE
                assert pair.label in (stats.INDICATIVE, limits.GENERATOR_BOUND)


def test_three_repetitions_are_too_few(results):
    results["manifest"]["settings"]["quick"] = False
    results["runs"] = [r for r in results["runs"] if r["repetition"] <= 3]
    pair = scenario(results, "cpu").pair("gunicorn", "uvicorn")
    assert pair.label == "too few repetitions"
    assert pair.throughput.min_p == pytest.approx(0.1)


def test_fixed_rate_compares_latency_at_equal_load(results):
    fixed = scenario(results, "api-json", "fixed-rate")
    pair = fixed.pair("nginx-gunicorn", "gunicorn")
    assert pair.throughput is None and pair.latency.verdict == stats.SIGNIFICANT
    assert fixed.row("gunicorn").target_rps == 425.0
