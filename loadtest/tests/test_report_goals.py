import pytest

from loadtest.report.compare import analyze
from loadtest.report.goals import costs, median_ci

NGINX_SHARE, KEPT, MIDDLEWARE, IDLE = range(4)


def goals_of(results):
    return costs(analyze(results), results)


def test_each_component_has_its_median_and_interval(results):
    got = {c.name: c for c in goals_of(results).components}
    nginx = got["Nginx, per proxied request"]
    assert (nginx.topology, nginx.median) == ("nginx-gunicorn", 180)
    assert nginx.low <= 180 <= nginx.high and nginx.runs >= 3
    assert got["app behind Nginx"].median == 300 and got["app serving clients directly"].median == 220
    assert got["app without middleware"].topology == "gunicorn-nomw"
    assert nginx.shown.startswith("180 µs (95% CI ")


def test_goals_are_shares_with_a_mark(results):
    goals = goals_of(results).goals
    assert goals[NGINX_SHARE].measured == pytest.approx(180 / 300) and goals[NGINX_SHARE].mark == "✗"
    assert goals[NGINX_SHARE].inputs == "Nginx 180 µs, app 300 µs"
    assert goals[KEPT].measured == pytest.approx(220 / (300 + 180)) and goals[KEPT].mark == "✗"
    assert goals[MIDDLEWARE].measured == pytest.approx(0.0) and goals[MIDDLEWARE].mark == "✓"
    assert goals[IDLE].measured == pytest.approx(0.005) and goals[IDLE].mark == "✓"
    assert goals[IDLE].shown == "0.50%"


def test_a_cheaper_nginx_meets_the_share_and_the_kept_throughput(results):
    for run in results["runs"]:
        us = run.get("cpu_us_per_request") or {}
        if us.get("nginx") is not None:
            us["nginx"], us["app"] = 50.0, 220.0
    goals = goals_of(results).goals
    assert goals[NGINX_SHARE].measured == pytest.approx(50 / 220) and goals[NGINX_SHARE].met is True
    assert goals[KEPT].measured == pytest.approx(220 / 270) and goals[KEPT].met is True


def test_idle_above_two_percent_fails(results):
    results["topologies"]["gunicorn"]["idle_cpu_pct"]["app"] = 2.4
    assert goals_of(results).goals[IDLE].mark == "✗"


def test_an_unmeasured_goal_says_so_and_where_to_measure_it(results):
    results["runs"] = [r for r in results["runs"] if r["topology"] != "gunicorn-nomw"]
    goal = goals_of(results).goals[MIDDLEWARE]
    assert goal.met is None and goal.mark == "–" and goal.shown == "not measured"
    assert "make middleware-cost" in goal.inputs


def test_quick_runs_mark_their_figures(quick_results):
    assert all(g.mark.endswith("(QUICK)") for g in goals_of(quick_results).goals if g.met is not None)


def test_the_capacity_model_is_one_core_over_the_summed_costs(results):
    model = {c.topology: c for c in goals_of(results).capacity}
    assert model["gunicorn"].per_core == pytest.approx(1e6 / 220)
    assert model["nginx-gunicorn"].per_core == pytest.approx(1e6 / (300 + 180))
    assert list(model)[0] in ("gunicorn", "gunicorn-nomw", "gunicorn-raw", "uvicorn")  # cheapest first


def test_a_proxied_topology_without_nginx_figures_is_left_out_of_the_model(results):
    for run in results["runs"]:
        if run["topology"] == "nginx-uvicorn":
            run["cpu_us_per_request"]["nginx"] = None
    assert "nginx-uvicorn" not in {c.topology for c in goals_of(results).capacity}


def test_median_ci():
    assert median_ci([1.0, 2.0]) == (None, None)
    low, high = median_ci([10.0, 11.0, 12.0, 13.0, 14.0])
    assert 10.0 <= low <= 12.0 <= high <= 14.0
