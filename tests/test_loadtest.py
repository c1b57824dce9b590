"""The comparison harness end to end, shortened: the reference topology (Nginx -> Gunicorn) and
direct Uvicorn, real Locust in the compose network, results.json and a report from them. FULL=1:
the fixed matrix of interleaved rounds (the default adaptive plan: tests/test_loadtest_plan.py)."""

import json
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from loadtest.runner.topologies import REFERENCE

pytestmark = pytest.mark.containers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, certs):
    reports = tmp_path_factory.mktemp("reports")
    env = {
        **os.environ,
        "FULL": "1",
        "TOPOLOGIES": f"uvicorn {REFERENCE}",  # the reference is measured first all the same
        "SCENARIOS": "api-json",
        "USERS": "16",
        "DURATION": "4",
        "WARMUP": "1",
        "REPEAT": "2",
        "FRACTIONS": "0.5",
        "WRK_DURATION": "2",
        "CALIBRATION_S": "2",
        "IDLE_S": "1",
        "RESILIENCE": "0",  # tests/test_resilience.py covers the faults
        "REPORTS_DIR": str(reports),
        "LOADTEST_PROJECT": f"apibundle-test-lt-{uuid.uuid4().hex[:6]}",
        "CERTS_DIR": str(certs / "live"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.runner"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return reports / "latest"


@pytest.fixture(scope="module")
def results(run_dir):
    return json.loads((run_dir / "results.json").read_text())


def test_both_topologies_verified_and_measured_without_failures(results):
    assert list(results["topologies"]) == [REFERENCE, "uvicorn"]
    assert all(v["ok"] for v in results["verification"].values()), results["verification"]
    capacity = [r for r in results["runs"] if r["mode"] == "capacity" and r.get("tool", "locust") == "locust"]
    assert {r["topology"] for r in capacity} == {"uvicorn", REFERENCE}
    assert len(capacity) == 4
    for run in results["runs"]:
        assert run["failures"] == 0, run["errors"]


def test_figures_are_plausible(results):
    for run in results["runs"]:
        assert run["requests"] > 50
        assert 10 < run["rps"] < 100_000
        lat = run["latency_ms"]
        assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"] + 1
        assert run["containers"]["app"]["cpu_pct_max"] > 0
        assert run["generator"]["cpu_pct_max"] > 0


def test_fixed_rate_offers_half_the_reference_capacity(results):
    """Both topologies are offered the same load: half the reference's median capacity as measured
    before the run (never their own), capped below Locust's ceiling where the run calibrated one."""
    reference, fixed = [], []
    for run in results["runs"]:  # in the order they ran
        if (run["topology"], run["mode"], run.get("tool", "locust")) == (REFERENCE, "capacity", "locust"):
            reference.append(run["rps"])
        elif run["mode"] == "fixed-rate":
            assert reference, "a fixed-rate run before the reference's capacity was measured"
            fixed.append((run, round(0.5 * statistics.median(reference), 1)))
    assert {run["topology"] for run, _ in fixed} == {"uvicorn", REFERENCE}
    capped = bool(results.get("calibration"))
    for run, half in fixed:
        assert run["load_fraction"] == 0.5 and run["target_rps"] > 0, run
        assert run["target_rps"] <= half + 0.1 if capped else run["target_rps"] == pytest.approx(half, abs=0.1), run
    for half in {h for _, h in fixed}:  # the same reference figure: the same offered load, whoever runs
        assert len({run["target_rps"] for run, h in fixed if h == half}) == 1, fixed


def test_manifest_describes_the_environment(results):
    m = results["manifest"]
    assert m["cpu_count"] >= 1 and m["cpu_model"]
    for package in ("python", "fastapi", "uvicorn", "gunicorn", "nginx", "locust"):
        assert m["versions"][package][0].isdigit(), (package, m["versions"])
    assert "container to container" in m["measurement_path"]
    assert m["cpusets"]["app"] and m["cpusets"]["generator"]
    assert any(" up " in c for c in m["commands"])


def test_report_is_written_and_matches_the_raw_csvs(run_dir):
    html = (run_dir / "report.html").read_text()
    assert "data:image/png;base64," in html and "gunicorn" in html and "uvicorn" in html
    assert "all match" in (run_dir / "report.md").read_text()
    assert list((run_dir / "raw" / REFERENCE / "api-json").glob("capacity-r1_stats.csv"))


def _scheme(results, topology: str) -> str:
    return "https" if results["topologies"][topology]["tls"] else "http"


def test_generators_are_calibrated_and_every_run_knows_its_headroom(results):
    cal = results["calibration"]
    assert {"wrk/https", "wrk/http", "locust/https", "locust/http"} <= set(cal), cal
    for key, entry in cal.items():
        assert f"{entry['tool']}/{entry['scheme']}" == key and entry["target"].endswith("/calibrate")
        assert entry["rps"] > 100 and entry["generator_cpu_pct"] > 0, entry
    for run in results["runs"]:
        g = run["generator"]
        assert g["tool"] == run.get("tool", "locust")
        assert g["ceiling_rps"] == cal[f"{g['tool']}/{_scheme(results, run['topology'])}"]["rps"]
        assert g["headroom"] == pytest.approx(g["ceiling_rps"] / run["rps"], rel=0.02)


def test_cpu_per_request_per_component_from_cgroup_counters(results):
    for run in results["runs"]:
        per, busy = run["cpu_us_per_request"], run["cpu_busy"]
        assert set(per) == {"app", "nginx", "generator"}, per
        assert 5 < per["app"] < 100_000 and per["generator"] > 0, run
        assert (per["nginx"] is not None) == (run["topology"] == REFERENCE), per
        assert 0 < busy["app"] <= 1.5 and 0 < busy["generator"] <= 1.5, busy


def test_wrk_measures_capacity_beside_locust(results, run_dir):
    wrk = [r for r in results["runs"] if r.get("tool") == "wrk"]
    assert {r["topology"] for r in wrk} == {"uvicorn", REFERENCE}
    for run in wrk:
        assert run["mode"] == "capacity" and run["failures"] == 0 and run["history"] == [], run
        assert run["requests"] > 100 and 0 < run["latency_ms"]["p50"] <= run["latency_ms"]["p99"]
        assert "/wrk-capacity-" in run["csv_prefix"]
        assert "Requests/sec" in (run_dir / f"{run['csv_prefix']}.txt").read_text()


def test_idle_cpu_measured_and_rounds_interleaved(results):
    for name, topology in results["topologies"].items():
        assert 0 <= topology["idle_cpu_pct"]["app"] < 100, (name, topology)
    settings = results["manifest"]["settings"]
    assert settings["interleaved"] is True and settings["rounds"] == 2
    order = [(r["topology"], r["repetition"]) for r in results["runs"] if r["mode"] == "capacity"]
    rounds = [rep for _, rep in dict.fromkeys(order)]
    assert rounds == sorted(rounds), order  # round 1 for every topology before round 2
