"""The default load test, shortened to one question: it prints its plan and expected time first,
repeats interleaved rounds only while the comparison is undecided and the budget lasts, and
decides on CPU per request with the sequential rule the report's method section names."""

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.containers

VERDICTS = {"A better", "B better", "equivalent", "not decided within budget"}


@pytest.fixture(scope="module")
def run(tmp_path_factory, certs):
    reports = tmp_path_factory.mktemp("reports")
    env = {
        **os.environ,
        "TOPOLOGIES": "nginx-uvicorn nginx-gunicorn",  # Gunicorn + UvicornWorker vs uvicorn --workers
        "SCENARIOS": "api-json", "BUDGET": "4m", "USERS": "16", "DURATION": "3", "WARMUP": "1",
        "WRK_DURATION": "3", "CALIBRATION_S": "2", "IDLE_S": "1", "FRACTIONS": "0.5",
        "REPORTS_DIR": str(reports), "LOADTEST_PROJECT": f"apibundle-test-plan-{uuid.uuid4().hex[:6]}",
        "CERTS_DIR": str(certs / "live"),
    }  # fmt: skip
    for knob in ("QUICK", "FULL", "RESILIENCE", "REPEAT"):
        env.pop(knob, None)
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.runner"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stderr, json.loads((reports / "latest" / "results.json").read_text()), reports / "latest"


def test_the_plan_and_its_expected_duration_come_first(run):
    stderr, results, _ = run
    head = stderr[: stderr.index("building images")]
    assert "expected duration" in head and "resilience: off" in head
    plan = results["plan"]
    assert plan["name"] == "default" and plan["budget_s"] == 240 and plan["expected_s"] > 0
    assert set(plan["topologies"]) == {"nginx-uvicorn", "nginx-gunicorn"}


def test_the_question_gets_a_verdict_from_cpu_per_request(run):
    _, results, _ = run
    [comparison] = [c for c in results["sequential"] if c["scenario"] == "api-json"]
    assert {comparison["a"], comparison["b"]} == {"nginx-uvicorn", "nginx-gunicorn"}
    assert comparison["metric"] == "cpu_us_per_request" and comparison["verdict"] in VERDICTS
    assert len(comparison["values_a"]) == len(comparison["values_b"]) >= 1
    assert all(v > 0 for v in comparison["values_a"] + comparison["values_b"])
    for look in comparison["looks"]:
        assert look["alpha"] <= comparison["alpha"] and look["round"] in comparison["looks_planned"]


def test_it_ends_within_its_plan_or_says_why(run):
    _, results, run_dir = run
    timing = results["timing"]
    assert timing["took_s"] <= 1.1 * timing["planned_s"] or timing.get("reason"), timing
    report = (run_dir / "report.md").read_text()
    assert "planned" in report and results["sequential"][0]["method"].split()[0] in report
