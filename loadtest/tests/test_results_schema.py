import copy
import json

import pytest

from loadtest.results.schema import SCHEMA_VERSION, SchemaError, load, new_document, validate


def test_v2_sample_loads_and_keeps_unknown_keys(results):
    results["manifest"]["host"]["os"] = "Linux"
    got = validate(results)
    assert got["schema_version"] == SCHEMA_VERSION == 2
    assert got["manifest"]["host"]["os"] == "Linux"
    assert got["runs"][0]["cpu_us_per_request"] == {"app": 300.0, "nginx": 180.0, "generator": 400.0}


def test_results_without_the_v2_fields_still_load(results):
    """What the current runner writes: schema 2 but none of the new fields yet."""
    del results["scenarios"], results["calibration"]
    for t in results["topologies"].values():
        for key in ("label", "idle_cpu_pct", "upstream", "nginx_cpus"):
            t.pop(key, None)
    for run in results["runs"]:
        for key in ("tool", "cpu_us_per_request", "cpu_busy"):
            del run[key]
        for key in ("tool", "ceiling_rps", "headroom"):
            del run["generator"][key]
    for item in results["resilience"]:
        for key in ("baseline_rps", "baseline_disturbed", "stalls", "in_flight"):
            item.pop(key, None)
    assert validate(results)["schema_version"] == 2


def test_version_1_is_upgraded_in_memory(tmp_path, results):
    results["schema_version"] = 1
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    assert load(path)["schema_version"] == 2


def test_unknown_version_is_refused(results):
    results["schema_version"] = 3
    with pytest.raises(SchemaError, match="schema_version 3 is not supported"):
        validate(results)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["runs"][3]["latency_ms"].pop("p99"), "missing required key 'runs[3].latency_ms.p99'"),
        (lambda r: r["topologies"]["gunicorn"].pop("server"), "missing required key 'topologies['gunicorn'].server'"),
        (lambda r: r["runs"][0].update(mode="burst"), "runs[0].mode: Input should be 'capacity' or 'fixed-rate'"),
        (lambda r: r["runs"][1].update(cpu_busy={"app": "x"}), "runs[1].cpu_busy.app: Input should be a valid number"),
        (
            lambda r: r["resilience"][2]["stalls"][0].pop("cause"),
            "missing required key 'resilience[2].stalls[0].cause'",
        ),
        (lambda r: r["calibration"]["wrk/http"].pop("rps"), "missing required key 'calibration['wrk/http'].rps'"),
    ],
)
def test_errors_name_the_key_path(results, edit, message):
    data = copy.deepcopy(results)
    edit(data)
    with pytest.raises(SchemaError) as info:
        validate(data)
    assert message in str(info.value)


def test_new_document_is_valid_when_filled(results):
    doc = new_document("r1", results["manifest"])
    assert doc["schema_version"] == 2 and doc["runs"] == []
    assert validate(doc)["run_id"] == "r1"
