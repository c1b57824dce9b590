import pytest

from loadtest.report import stats
from loadtest.report.compare import SATURATED, analyze


def scenario(results, name, mode="capacity"):
    return next(s for s in analyze(results) if s.scenario == name and s.mode == mode)


def test_rows_median_spread_and_ranking(results):
    api = scenario(results, "api-json")
    row = api.row("gunicorn")
    assert row.rps.median == 1000.0
    assert row.rps.iqr == 10.0
    assert (row.rps.min, row.rps.max) == (990.0, 1010.0)
    assert row.requests == 30000 + 30300 + 29700
    assert row.cpu_app == 95.0 and row.cpu_nginx is None and row.cpu_generator == 40.0
    ranked = [r.topology for r in api.rows if r.rank]
    assert ranked == ["gunicorn-raw", "gunicorn-nomw", "gunicorn", "uvicorn", "nginx-gunicorn", "nginx-uvicorn",
                      "nginx-uvicorn-1"]  # fmt: skip


def test_saturated_runs_are_excluded_and_reported(results):
    api = scenario(results, "api-json")
    granian = api.row("nginx-granian")
    assert granian.compared == [] and granian.rank is None
    pair = api.pair("nginx-gunicorn", "nginx-granian")
    assert pair.throughput is None and pair.latency is None
    assert pair.skipped == f"{SATURATED} (nginx-granian)"
    assert api.excluded == [f"nginx-granian: {SATURATED} in 3/3 runs"]


def test_partly_saturated_topology_compares_only_clean_runs(results):
    for run in results["runs"]:
        if (run["scenario"], run["topology"], run["repetition"]) == ("cpu", "uvicorn", 3):
            run["generator"]["saturated"] = True
    cpu = scenario(results, "cpu")
    row = cpu.row("uvicorn")
    assert [r["repetition"] for r in row.compared] == [1, 2]
    pair = cpu.pair("gunicorn", "uvicorn")
    assert pair.throughput.n_b == 12  # 2 runs x 6 windows
    assert "uvicorn: 1 saturated run(s) left out" in pair.notes


def test_failures_are_flagged(results):
    api = scenario(results, "api-json")
    assert api.row("nginx-uvicorn-1").flags == ["5 failed requests"]
    assert "nginx-uvicorn-1: 5 failed requests" in api.pair("nginx-uvicorn", "nginx-uvicorn-1").notes


def test_only_pairs_present_in_the_data(results):
    api = scenario(results, "api-json")
    asked = {(p.question.a, p.question.b) for p in api.pairs}
    assert asked == {
        ("nginx-gunicorn", "nginx-uvicorn"),
        ("gunicorn", "uvicorn"),
        ("nginx-gunicorn", "gunicorn"),
        ("nginx-uvicorn", "nginx-uvicorn-1"),
        ("nginx-gunicorn", "nginx-granian"),
    }  # no nginx-gunicorn-asgi in the sample


def test_verdicts(results):
    api, cpu = scenario(results, "api-json"), scenario(results, "cpu")
    one_percent = api.pair("gunicorn", "uvicorn").throughput
    assert one_percent.unit == "window" and one_percent.n_a == 18
    assert one_percent.rel_diff == pytest.approx(1000 / 990 - 1)
    assert one_percent.verdict == stats.NO_DIFFERENCE
    same = api.pair("nginx-gunicorn", "nginx-uvicorn").throughput
    assert same.rel_diff == 0.0 and same.verdict == stats.NO_DIFFERENCE
    tax = api.pair("nginx-gunicorn", "gunicorn").throughput
    assert tax.rel_diff == pytest.approx(-0.15) and tax.verdict == stats.SIGNIFICANT
    cpu_pair = cpu.pair("gunicorn", "uvicorn").throughput
    assert cpu_pair.rel_diff == pytest.approx(200 / 180 - 1) and cpu_pair.verdict == stats.SIGNIFICANT


def test_fixed_rate_compares_latency_at_equal_load_only(results):
    fixed = scenario(results, "api-json", "fixed-rate")
    assert fixed.load_fraction == 0.5
    assert all(row.rank is None for row in fixed.rows)
    pair = fixed.pair("nginx-gunicorn", "gunicorn")
    assert pair.throughput is None and pair.latency.verdict == stats.SIGNIFICANT
    for run in results["runs"]:
        if run["mode"] == "fixed-rate" and run["topology"] == "gunicorn":
            run["target_rps"] = 500.0
    pair = scenario(results, "api-json", "fixed-rate").pair("nginx-gunicorn", "gunicorn")
    assert pair.latency is None
    assert pair.skipped == "not compared: different offered load (425 vs 500 req/s)"
