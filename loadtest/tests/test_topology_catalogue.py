"""Adding a topology is one file: the runner discovers it, describes it in results.json, and the
report names it by the label the file gives, with no edit anywhere else."""

import copy

import pytest

from loadtest.report import write_report
from loadtest.runner import scenarios, topologies
from loadtest.tests.data import sample

THROWAWAY = """\
x-topology:
  label: "Nginx → Hypercorn (throwaway)"
  description: "a topology no code knows about"
  target: https://nginx:8443
  server: hypercorn
  worker: asyncio
  proxy: nginx
  scenarios: [api-json]

services:
  app:
    extends: {file: sut.yml, service: app}
    command: ["hypercorn"]
  nginx:
    extends: {file: sut.yml, service: nginx}
"""


def test_a_new_topology_file_is_discovered_and_named_in_the_report(tmp_path):
    topology_dir = tmp_path / "topologies"
    topology_dir.mkdir()
    (topology_dir / "nginx-hypercorn.yml").write_text(THROWAWAY)

    found = topologies.discover(topology_dir)
    assert list(found) == ["nginx-hypercorn"]
    [new] = topologies.select(None, found)
    assert (new.label, new.nginx, new.services) == ("Nginx → Hypercorn (throwaway)", True, ["app", "nginx"])
    assert [s.name for s in scenarios.SCENARIOS.values() if scenarios.applies(s, new)] == ["api-json"]

    # results.json as the runner writes it (its own functions), the new topology measured like the
    # sample's reference.
    results = sample.build_results()
    results["scenarios"] = scenarios.catalogue()
    results["topologies"][new.name] = topologies.describe(new, workers=4, app_cpus="0-3")
    results["verification"][new.name] = {"ok": True, "checks": ["health 200"]}
    measured = [r for r in results["runs"] if (r["topology"], r["scenario"]) == (topologies.REFERENCE, "api-json")]
    assert measured
    for run in copy.deepcopy(measured):
        run["topology"], run["csv_prefix"] = new.name, run["csv_prefix"].replace(topologies.REFERENCE, new.name)
        results["runs"].append(run)
    paths = write_report(sample.write_run_dir(tmp_path / "run", results))

    for report in (paths["html"], paths["markdown"]):
        assert "Nginx → Hypercorn (throwaway)" in report.read_text(encoding="utf-8"), report


def test_the_shipped_topologies_and_scenarios_all_carry_labels():
    shipped = topologies.discover()
    assert topologies.REFERENCE in shipped
    assert all(t.label and t.description for t in shipped.values())
    catalogue = scenarios.catalogue()
    assert list(catalogue) == list(scenarios.SCENARIOS)
    assert all(entry["label"] and entry["description"] for entry in catalogue.values())


def test_the_postgres_topology_measures_its_store_as_a_service():
    pg = topologies.discover()["nginx-gunicorn-postgres"]
    assert (pg.store, pg.services) == ("postgres", ["app", "nginx", "postgres"])
    assert {s.name for s in scenarios.SCENARIOS.values() if scenarios.applies(s, pg)} == {
        "api-read", "api-write", "api-mixed",
    }  # fmt: skip
    assert topologies.describe(pg, workers=1, app_cpus="0")["store"] == "postgres"
    assert topologies.discover()["nginx-gunicorn-unix"].store == "sqlite"


def test_the_upstream_is_what_the_topology_file_declares():
    shipped = topologies.discover()
    upstream = {name: t.upstream for name, t in shipped.items()}
    assert (upstream["nginx-gunicorn-unix"], upstream["nginx-gunicorn"], upstream["gunicorn"]) == ("unix", "tcp", None)
    assert topologies.describe(shipped["nginx-gunicorn-unix"], workers=4, app_cpus="0-3")["upstream"] == "unix"


def test_nginx_on_its_own_cpu_set_is_described_with_that_set():
    """nginx-gunicorn-own-cpu: Nginx on the generator's CPU set (nginx_cpus in results.json,
    which the report's "Nginx on its own CPU set" ratio looks for), the app alone on its own."""
    shipped = topologies.discover()
    own = shipped["nginx-gunicorn-own-cpu"]
    assert own.nginx_own_cpu and own.upstream == "unix" and own.services == ["app", "nginx"]
    doc = topologies.describe(own, workers=1, app_cpus="0", generator_cpus="1")
    assert (doc["app_cpus"], doc["nginx_cpus"]) == ("0", "1")
    assert [n for n, t in shipped.items() if t.nginx_own_cpu] == ["nginx-gunicorn-own-cpu"]
    assert "nginx_cpus" not in topologies.describe(shipped[topologies.REFERENCE], 1, "0", "1")


def test_idle_cpu_is_measured_over_whole_probe_intervals(tmp_path):
    # A window of whole healthcheck intervals holds the same number of probes wherever it starts.
    assert topologies.probe_interval_s() == 2.0  # compose/loadtest/sut.yml's app healthcheck
    assert [topologies.idle_window_s(s, 2.0) for s in (1, 2, 3, 4, 5)] == [2.0, 2.0, 4.0, 4.0, 6.0]
    assert topologies.idle_window_s(0.5, 1.5) == 1.5
    sut = tmp_path / "sut.yml"
    sut.write_text("services:\n  app:\n    healthcheck: {interval: 1m30s}\n")
    assert topologies.probe_interval_s(sut) == 90.0
    sut.write_text("services:\n  app:\n    healthcheck: {interval: soon}\n")
    with pytest.raises(ValueError, match="not a compose duration"):
        topologies.probe_interval_s(sut)
