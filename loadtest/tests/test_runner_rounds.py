"""Interleaved repetitions and the plan's rules (runner/rounds.py), calibration look-ups and
Locust's history timestamps."""

from pathlib import Path

from loadtest.report.questions import QUESTIONS
from loadtest.resilience.faults import FAULTS
from loadtest.resilience.matrix import SERVERS
from loadtest.runner import calibration, plan, rounds
from loadtest.runner.generators import locust
from loadtest.runner.scenarios import SCENARIOS
from loadtest.runner.topologies import REFERENCE, Topology


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


# --- the plan's rules (rounds.Rules and the functions beside it) -------------------------------


def _topology(name: str, proxy: str = "nginx") -> Topology:
    return Topology(name, Path(f"{name}.yml"), name, name, "https://nginx:8443", "gunicorn", "uvicorn", proxy)


REF, OTHER, DIRECT = _topology(REFERENCE), _topology("nginx-uvicorn"), _topology("gunicorn", proxy="none")
JSON, READ, STATIC, WRITE = (SCENARIOS[n] for n in ("api-json", "api-read", "static", "api-write"))


def _rules(**knobs) -> rounds.Rules:
    base = dict(adaptive=True, repeat=10, fractions=(0.5,), duration=8, wrk_duration=6, warmup=2, idle_s=3,
                calibration_s=3, wrk=True, locust_rounds=1)  # fmt: skip
    return rounds.Rules(**(base | knobs))


def _runs(steps) -> list[tuple[str, str]]:
    return [(s.label.split(" round ")[-1].split(" ", 1)[-1], s.tool) for s in steps if s.kind == plan.RUN]


def test_work_leaves_static_to_the_reference_and_drops_topologies_with_nothing_to_run():
    work = rounds.work([REF, OTHER, DIRECT], [STATIC, JSON])
    assert [(t.name, [sc.name for sc in scs]) for t, scs in work] == [
        (REFERENCE, ["static", "api-json"]), ("nginx-uvicorn", ["api-json"]), ("gunicorn", ["api-json"]),
    ]  # fmt: skip
    assert rounds.work([OTHER], [STATIC]) == []
    assert [t.name for t, _ in rounds.without(work, {"nginx-uvicorn"})] == [REFERENCE, "gunicorn"]


def test_default_plan_runs_locust_capacity_only_on_the_reference_and_only_in_the_first_round():
    rules = _rules()
    first, later = rounds.Visit(1, REF, (JSON,), True, (0.5,)), rounds.Visit(2, REF, (JSON,), False, ())
    assert _runs(rules.steps(first)) == [("capacity (Locust)", "locust"), ("capacity (wrk)", "wrk"),
                                         ("fixed rate 50%", "locust")]  # fmt: skip
    assert _runs(rules.steps(later)) == [("warm-up", "wrk"), ("capacity (wrk)", "wrk")]
    other = rounds.Visit(1, OTHER, (JSON,), True, ())
    assert _runs(rules.steps(other)) == [("warm-up", "wrk"), ("capacity (wrk)", "wrk")]
    # a scenario wrk cannot run: Locust every round, warmed up with Locust
    assert _runs(rules.steps(rounds.Visit(2, OTHER, (WRITE,), False, ()))) == [
        ("warm-up", "locust"), ("capacity (Locust)", "locust"),
    ]  # fmt: skip


def test_full_plan_runs_locust_capacity_every_round_and_without_wrk_only_locust():
    rules = _rules(adaptive=False, locust_rounds=None)
    assert _runs(rules.steps(rounds.Visit(3, OTHER, (JSON,), False, ()))) == [
        ("capacity (Locust)", "locust"), ("capacity (wrk)", "wrk"),
    ]  # fmt: skip
    rules = _rules(adaptive=False, locust_rounds=2)
    assert ("capacity (Locust)", "locust") in _runs(rules.steps(rounds.Visit(2, OTHER, (JSON,), False, ())))
    assert ("capacity (Locust)", "locust") not in _runs(rules.steps(rounds.Visit(3, OTHER, (JSON,), False, ())))
    no_wrk = _rules(wrk=False)
    assert _runs(no_wrk.steps(rounds.Visit(2, OTHER, (JSON,), False, ()))) == [
        ("warm-up", "locust"), ("capacity (Locust)", "locust"),
    ]  # fmt: skip
    assert [s.seconds for s in no_wrk.steps(rounds.Visit(2, OTHER, (JSON,), False, ())) if s.kind == plan.RUN] == [2, 8]


def test_first_visit_verifies_and_measures_idle_later_ones_only_reseed_what_reads_need():
    rules = _rules()
    kinds = [s.kind for s in rules.steps(rounds.Visit(1, REF, (JSON,), True, ()))]
    assert kinds[:3] == [plan.UP, plan.VERIFY, plan.IDLE] and kinds[-1] == plan.DOWN
    assert plan.VERIFY in [s.kind for s in rules.steps(rounds.Visit(2, REF, (READ,), False, ()))]
    assert plan.VERIFY not in [s.kind for s in rules.steps(rounds.Visit(2, REF, (JSON,), False, ()))]
    user_app = _rules(seed=False)  # a user app's verifier seeds nothing
    assert plan.VERIFY not in [s.kind for s in user_app.steps(rounds.Visit(2, REF, (READ,), False, ()))]
    assert plan.IDLE not in [s.kind for s in _rules(idle_s=0).steps(rounds.Visit(1, REF, (JSON,), True, ()))]


def test_a_round_brings_up_only_what_open_comparisons_need():
    work = rounds.work([REF, OTHER, DIRECT], [JSON, READ])
    alphas = {3: 0.01, 5: 0.01}
    comparisons = rounds.comparisons(work, [JSON, READ], QUESTIONS, alphas)
    assert {(c.a, c.b, c.scenario) for c in comparisons} == {
        (REFERENCE, b, sc) for b in ("nginx-uvicorn", "gunicorn") for sc in ("api-json", "api-read")
    }
    for c in comparisons:
        if c.b != "gunicorn" or c.scenario != "api-read":
            c.stop("decided")
    needed = rounds.needed(comparisons, set())
    assert needed == {(REFERENCE, "api-read"), ("gunicorn", "api-read")}
    visits = _rules().round(work, 2, needed)
    assert [(v.topology.name, [sc.name for sc in v.scenarios]) for v in visits] == [
        (REFERENCE, ["api-read"]), ("gunicorn", ["api-read"]),
    ]  # fmt: skip
    assert all(not v.verify and not v.fractions for v in visits)
    assert rounds.needed(comparisons, {"gunicorn"}) == {(REFERENCE, "api-read")}
    assert [v.fractions for v in _rules().round(work, 1, None)] == [(0.5,)] * 3  # round 1: all, with fixed rates


def test_rounds_fit_the_budget_after_the_fixed_costs_and_at_least_one_runs():
    assert rounds.fit_rounds(100, 10, [30, 30, 30, 30]) == 3
    assert rounds.fit_rounds(100, 10, [30, 30, 30]) == 3
    assert rounds.fit_rounds(100, 95, [30, 30]) == 1  # nothing fits: still one round
    rules, work = _rules(), rounds.work([REF, OTHER], [JSON])
    costs = rules.round_costs(work, 3, plan.Costs())
    assert costs[0] > costs[1] == costs[2]  # round 1 verifies, measures idle CPU and runs the fixed rates


def test_calibration_and_fault_steps():
    assert _rules().calibration_step().seconds == (3 + calibration.LOCUST_MIN_S) * len(calibration.TARGETS)
    assert _rules(wrk=False, calibration_s=7).calibration_step().seconds == 7 * len(calibration.TARGETS)
    runs = rounds.fault_runs(full_length=False)
    assert len(runs) == len(FAULTS) * len(SERVERS) and {step.tool for _, _, step in runs} == {"short"}
    assert runs[0][2].label == f"resilience: {FAULTS[0].name} on {next(iter(SERVERS))}"
