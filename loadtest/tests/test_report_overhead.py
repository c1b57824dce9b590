import pytest

from loadtest.report import limits, stats
from loadtest.report import overhead as o
from loadtest.report.compare import analyze
from loadtest.report.overhead import INCONCLUSIVE, INFO, MET, NOT_MEASURED, NOT_MET, by_name, overheads

FRAMEWORK, MIDDLEWARE, STATIC = o.FRAMEWORK, o.MIDDLEWARE, o.STATIC
PROXY_CPU, PROXY_EQUAL, PROXY_OWN = o.PROXY_CPU, o.PROXY_EQUAL, o.PROXY_OWN


def items(results):
    return by_name(overheads(analyze(results), results))


def test_proxy_tax_three_ways_with_the_tool_with_most_headroom(results):
    got = items(results)
    equal = got[PROXY_EQUAL]
    assert equal.tool == "wrk" and equal.headroom == pytest.approx(30000 / 4400, rel=1e-3)
    assert equal.measured == pytest.approx(2600 / 4400) and equal.status == NOT_MET
    assert equal.measured_with == "wrk, headroom ×6.8"
    assert "Nginx costs 180 µs and the app 300 µs behind Nginx vs 220 µs direct" in equal.obstacle
    assert "predicts 46% retained" in equal.obstacle  # 220 / (300 + 180)
    own = got[PROXY_OWN]
    assert own.measured == pytest.approx(4500 / 4400) and own.status == MET
    assert "nginx-gunicorn-split" in own.formula
    share = got[PROXY_CPU]
    assert share.measured == pytest.approx(0.6) and share.status == NOT_MET
    assert share.obstacle == "Nginx 180 µs vs app 300 µs per proxied request"


def test_own_cpu_absent_is_not_measured(results):
    del results["topologies"]["nginx-gunicorn-split"]["nginx_cpus"]
    own = items(results)[PROXY_OWN]
    assert own.status == NOT_MEASURED and "nginx_cpus" in own.caveat


def test_without_wrk_locust_is_used(results):
    results["runs"] = [r for r in results["runs"] if r["tool"] == "locust"]
    equal = items(results)[PROXY_EQUAL]
    assert equal.tool == "locust" and equal.measured == pytest.approx(0.85)


def test_middleware_static_and_framework(results):
    got = items(results)
    assert got[MIDDLEWARE].measured == pytest.approx(1 - 1000 / 1050) and got[MIDDLEWARE].status == MET
    assert got[MIDDLEWARE].shown == "4.8%" and got[MIDDLEWARE].label == stats.DECIDED
    static = got[STATIC]
    assert static.tool == "wrk" and static.measured == pytest.approx(5.0) and static.status == MET
    assert static.shown == "5.0×" and static.bound == "exact"
    assert got[FRAMEWORK].measured == pytest.approx(0.5) and got[FRAMEWORK].status == INFO


def test_missing_topology_is_not_measured(results):
    results["runs"] = [r for r in results["runs"] if r["topology"] not in ("gunicorn-nomw", "gunicorn-raw")]
    got = items(results)
    assert got[MIDDLEWARE].status == NOT_MEASURED and got[MIDDLEWARE].measured is None
    assert "gunicorn-nomw api-json" in got[MIDDLEWARE].caveat
    assert got[FRAMEWORK].status == NOT_MEASURED
    assert got[PROXY_EQUAL].status == NOT_MET  # unaffected


def test_generator_bound_numerator_gives_a_lower_bound(results):
    results["runs"] = [r for r in results["runs"] if not (r["tool"] == "wrk" and r["scenario"] == "static")]
    static = items(results)[STATIC]  # Locust static: headroom ×1.1, generator-bound
    assert static.bound == "lower bound" and static.label == limits.GENERATOR_BOUND
    assert static.shown == "≥ 3.5×" and static.status == INCONCLUSIVE
    assert "lower bound" in static.caveat


def test_generator_bound_denominator_gives_an_upper_bound(results):
    results["runs"] = [r for r in results["runs"] if r["tool"] == "locust"]
    for run in results["runs"]:
        if run["scenario"] == "api-json" and run["topology"] == "gunicorn":
            run["generator"]["saturated"] = True
    got = items(results)
    assert got[PROXY_EQUAL].bound == "upper bound" and got[PROXY_EQUAL].status == INCONCLUSIVE  # 85% ≥ 80%
    assert got[MIDDLEWARE].bound == "upper bound" and got[MIDDLEWARE].status == MET


def test_quick_overheads_are_indicative(quick_results):
    got = items(quick_results)
    assert got[PROXY_EQUAL].label == stats.INDICATIVE
    assert got[PROXY_EQUAL].measured == pytest.approx(2600 / 4400)
