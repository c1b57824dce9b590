"""The plan's one estimate (runner/plan.py) and the default plan's shape (runner/__main__.py Matrix)."""

import pytest

from loadtest.runner import plan
from loadtest.runner.__main__ import Matrix
from loadtest.runner.plan import Costs, Step
from loadtest.runner.settings import LoadtestSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for knob in LoadtestSettings.model_fields:
        monkeypatch.delenv(knob.upper(), raising=False)


def test_estimate_adds_each_steps_length_and_overhead():
    costs = Costs(up=5, down=2, verify=4, idle=0.5, locust=3, wrk=1.5, calibration=15, fault=130, fault_short=45)
    steps = [
        Step(plan.CALIBRATION, "cal", 16), Step(plan.UP, "up"), Step(plan.VERIFY, "v"), Step(plan.IDLE, "i", 3),
        Step(plan.RUN, "warm", 2, "wrk"), Step(plan.RUN, "wrk", 8, "wrk"), Step(plan.RUN, "fixed", 8, "locust"),
        Step(plan.DOWN, "down"), Step(plan.FAULT, "kill", tool="full"), Step(plan.FAULT, "kill", tool="short"),
    ]  # fmt: skip
    assert plan.estimate(steps, costs) == 31 + 5 + 4 + 3.5 + 3.5 + 9.5 + 11 + 2 + 130 + 45


def test_costs_come_from_an_earlier_runs_timing():
    costs = Costs.from_results({"timing": {"overheads": {"up": 11.0, "wrk": 2.5, "bogus": 1, "down": -1}}})
    assert (costs.up, costs.wrk, costs.down) == (11.0, 2.5, Costs().down)
    assert Costs.from_results(None) == Costs()
    assert plan.overhead(Step(plan.RUN, "r", 8, "wrk"), 10.0) == ("wrk", 2.0)
    assert plan.overheads({"wrk": [1.0, 2.0, 9.0]}) == {"wrk": 2.0}


def test_ending_says_why_when_off_by_more_than_ten_percent():
    assert plan.ending(1700, 1753) is None
    assert plan.ending(900, 1753, "every comparison decided by round 3") == (
        "took 15m 00s, planned 29m 13s: every comparison decided by round 3"
    )
    assert "longer than estimated" in plan.ending(2400, 1753)


def test_default_plan_fits_the_budget_on_two_cpus(tmp_path):
    m = Matrix(LoadtestSettings(), tmp_path, costs=Costs())
    e = m.expected()
    assert 3 <= m.max_rounds <= 10 and e["planned_s"] <= 30 * 60
    assert len(m.topologies) == 7 and {sc.name for sc in m.scenarios} == {"api-json", "api-read"}
    keys = {(c.a, c.b) for c in m.comparisons}
    assert ("nginx-gunicorn", "nginx-uvicorn") in keys and ("nginx-gunicorn-unix", "gunicorn") in keys
    assert ("nginx-granian", "nginx-gunicorn") in keys and ("nginx-gunicorn-asgi", "nginx-gunicorn") in keys
    assert ("nginx-gunicorn-unix", "nginx-gunicorn") in keys and ("gunicorn", "gunicorn-nomw") in keys
    # the middleware on the JSON endpoint only (gunicorn-nomw has no read scenario): 6 x 2 + 1
    assert len(m.comparisons) == 13
    assert not m.fault_steps()  # no resilience unless asked
    lines = "\n".join(m.describe_plan())
    assert "expected duration" in lines and "budget: 30m 00s" in lines


def test_a_bigger_budget_buys_more_rounds_and_resilience_is_planned_when_asked(tmp_path, monkeypatch):
    small = Matrix(LoadtestSettings(), tmp_path, costs=Costs()).max_rounds
    monkeypatch.setenv("BUDGET", "45m")
    assert Matrix(LoadtestSettings(), tmp_path, costs=Costs()).max_rounds > small
    monkeypatch.setenv("RESILIENCE", "1")
    m = Matrix(LoadtestSettings(), tmp_path, costs=Costs())
    assert len(m.fault_steps()) == 16 and m.expected()["faults_s"] == 16 * Costs().fault


def test_later_rounds_bring_up_only_what_open_comparisons_need(tmp_path):
    m = Matrix(LoadtestSettings(), tmp_path, costs=Costs())
    for c in m.comparisons:
        if c.a != "nginx-uvicorn" and c.b != "nginx-uvicorn":
            c.stop("decided")
    visits = m.round_plan(2, m.needed())
    assert [v.topology.name for v in visits] == ["nginx-gunicorn", "nginx-uvicorn"]
    assert all(not v.verify and not v.fractions for v in visits)
    kinds = [s.kind for s in m.steps(visits[0])]
    assert kinds.count(plan.VERIFY) == 1  # re-seeds the items api-read reads


def test_topologies_the_apps_image_cannot_run_are_left_out_and_said_why(tmp_path, monkeypatch):
    """A project's own pins (Gunicorn 23: no -k asgi) leave a topology out, with the reason in
    the results; the run is not failed for it, and its comparisons are not measured."""
    import loadtest.runner.__main__ as runner  # noqa: PLC0415

    asked = []

    def servers_unavailable(image, commands):
        asked.append((image, commands))
        return {"gunicorn-asgi": "Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24; this image has 23.0.0"}

    monkeypatch.setattr(runner, "servers_unavailable", servers_unavailable)
    m = Matrix(LoadtestSettings(), tmp_path, costs=Costs())
    lines = m.drop_unavailable()
    assert lines == ["nginx-gunicorn-asgi: not run, Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24;"
                     " this image has 23.0.0"]  # fmt: skip
    assert dict(asked) == {
        "apibundle/backend:latest": ["gunicorn", "gunicorn-asgi", "uvicorn"],
        "apibundle/backend-compare:latest": ["granian"],
    }
    assert "nginx-gunicorn-asgi" in m.broken and not m.failed
    assert set(m.results["unavailable"]) == {"nginx-gunicorn-asgi"}
    assert all(v.topology.name != "nginx-gunicorn-asgi" for v in m.round_plan(1, None))


def test_the_idle_window_is_whole_probe_intervals_and_none_when_off():
    from loadtest.runner.rounds import Rules  # noqa: PLC0415

    assert Rules.of(LoadtestSettings()).idle_s == 4.0  # the default plan's 3 s, on the 2 s probe
    assert Rules.of(LoadtestSettings(idle_s=0)).idle_s == 0  # off: no window recorded or slept
