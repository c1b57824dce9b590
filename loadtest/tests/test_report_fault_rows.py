from loadtest.report.fault_rows import BASELINE_DISTURBED, fault_row, resilience_sentence
from loadtest.resilience.faults import FAULTS
from loadtest.resilience.matrix import SERVERS, topology_name


def by_scenario(results):
    return {(r["scenario"], r["topology"]): r for r in results["resilience"]}


def test_capacity_after_says_what_it_is_relative_to(results):
    row = fault_row(by_scenario(results)[("kill-worker", "nginx-gunicorn")])
    assert row.capacity_after == "99% of 410 req/s before"
    v1 = fault_row(by_scenario(results)[("kill-worker", "nginx-uvicorn")])
    assert v1.capacity_after == "75% of the rate before" and v1.recovery == "—" and v1.stalls == []


def test_disturbed_baseline_shows_no_ratio_and_the_stall(results):
    item = by_scenario(results)[("recycling", "nginx-uvicorn")]
    item["capacity_after_pct"] = 1710.0  # even if a runner wrote one
    row = fault_row(item)
    assert row.capacity_after == BASELINE_DISTURBED
    assert row.stalls == ["worker 31 stalled 12.5 s from t=4.0 s: worker recycled mid-request"]
    assert "1710" not in resilience_sentence(item)


def test_graceful_stop_in_flight(results):
    row = fault_row(by_scenario(results)[("graceful-stop", "nginx-gunicorn")])
    assert row.in_flight == "12 request(s) in flight at the stop, ended as: 200×12"
    assert row.capacity_after == "—"


def test_the_sample_names_faults_and_topologies_as_the_resilience_runs_write_them(results):
    written = {(f.name, topology_name(s)) for f in FAULTS for s in SERVERS}
    assert set(by_scenario(results)) <= written
