"""The report of a user app's run (APP_DIR) names the app, its commit, the scenario's source and
its requests; the comparison questions are answered from its scenario."""

import pytest

from loadtest.report import write_report
from loadtest.report.overhead import by_name
from loadtest.report.render import build
from loadtest.results.schema import SchemaError, validate
from loadtest.tests.data.sample import build_app_results, build_results, write_run_dir


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_report(write_run_dir(tmp_path_factory.mktemp("app") / "run", build_app_results()))


def test_the_report_names_the_app_its_commit_and_requests(written):
    md = written["markdown"].read_text(encoding="utf-8")
    html = written["html"].read_text(encoding="utf-8")
    assert "## App under test: notes-api" in md and "`1a2b3c4+dirty`" in md
    assert "| GET | `/api/notes` | 1 | 200 | — |" in md and "its OpenAPI document" in md
    assert '<h2 id="app">App under test: notes-api</h2>' in html and "<code>1a2b3c4+dirty</code>" in html
    assert "<td>GET</td><td><code>/api/</code></td>" in html


def test_a_locustfile_source_says_its_requests_are_its_own(tmp_path):
    results = build_app_results(quick=True)
    results["app"] |= {"source": "locustfile", "source_path": "/p/locustfile.py", "requests": None, "commit": None}
    md = write_report(write_run_dir(tmp_path / "run", results))["markdown"].read_text(encoding="utf-8")
    assert "its own locustfile (/p/locustfile.py)" in md and "not a git checkout" in md
    assert "the locustfile's own User classes" in md


def test_the_demo_report_has_no_app_section(tmp_path):
    report = build(write_run_dir(tmp_path / "run", build_results(quick=True)), with_charts=False)
    assert report.app is None


def test_the_overhead_ratios_use_the_app_scenario(tmp_path):
    report = build(write_run_dir(tmp_path / "run", build_app_results()), with_charts=False)
    items = by_name(report.overheads)
    assert any("app" in item.formula for item in items.values())
    measured = [item for item in items.values() if item.measured is not None]
    assert measured  # proxy tax and middleware from the app's own runs
    gunicorn = next(c for c in report.cards if c.id == "gunicorn")
    assert "app" in gunicorn.verdict


def test_the_schema_checks_the_app_block():
    results = build_app_results()
    assert validate(results)["app"]["name"] == "notes-api"
    del results["app"]["source"]
    with pytest.raises(SchemaError, match="app.source"):
        validate(results)


def test_topologies_left_out_for_the_apps_versions_are_listed_with_the_reason(tmp_path):
    results = build_app_results(quick=True)
    results["unavailable"] = {"nginx-gunicorn-asgi": "Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24"}
    written = write_report(write_run_dir(tmp_path / "run", results))
    md, html = (written[k].read_text(encoding="utf-8") for k in ("markdown", "html"))
    assert "- nginx-gunicorn-asgi: Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24" in md
    assert "<li>nginx-gunicorn-asgi: Gunicorn&#39;s own ASGI worker (-k asgi) needs gunicorn &gt;= 24</li>" in html
