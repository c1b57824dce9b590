"""runner/app.py: a user app's name and commit, its scenario, the compose variables, the request
list fixed once in the run folder (from loadtest.toml, or derived from the OpenAPI document)."""

import json
import subprocess

import pytest

from loadtest.generator.appscenario import ScenarioError
from loadtest.runner import app as apprun
from loadtest.runner import scenarios
from loadtest.runner.generators.locust import LocustSpec
from loadtest.runner.settings import LoadtestSettings
from loadtest.tests.data.notes_app import NOTES_TOML, notes_openapi


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for knob in LoadtestSettings.model_fields:
        monkeypatch.delenv(knob.upper(), raising=False)


@pytest.fixture
def project(tmp_path):
    d = tmp_path / "notes-api"
    d.mkdir()
    (d / "pyproject.toml").write_text('[project]\nname = "notes-api"\nversion = "0.1.0"\n')
    return d


def settings(monkeypatch, **env) -> LoadtestSettings:
    for k, v in env.items():
        monkeypatch.setenv(k, str(v))
    return LoadtestSettings()


def test_name_from_pyproject_else_the_folder(project, tmp_path):
    assert apprun.project_name(project) == "notes-api"
    (tmp_path / "bare").mkdir()
    assert apprun.project_name(tmp_path / "bare") == "bare"


def test_commit_short_sha_and_dirty(project):
    assert apprun.git_commit(project) is None  # not a git checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=project, check=True)
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True)
    assert apprun.git_commit(project) == sha.stdout.strip()
    (project / "new.py").write_text("")
    assert apprun.git_commit(project) == sha.stdout.strip() + "+dirty"


def test_a_declared_list_is_fixed_before_anything_runs(monkeypatch, project, tmp_path):
    (project / "loadtest.toml").write_text(NOTES_TOML)
    app = apprun.App.from_settings(settings(monkeypatch, APP_DIR=project, APP_IMAGE="me/notes"))
    assert app.fixed and app.source.kind == "loadtest.toml"
    run = tmp_path / "run"
    app.write(run)
    assert [r["path"] for r in json.loads((run / "requests.json").read_text())["requests"]] == [
        "/api/notes?limit=20", "/api/notes",
    ]  # fmt: skip
    assert (run / "wrk-requests.txt").read_text().count("\n") == 4  # weights 3 + 1
    sc = app.scenario()
    assert (sc.name, sc.locustfile, sc.user_class, sc.wrk_input) == (
        "app", "request_list.py", "RequestListUser", "@/out/wrk-requests.txt",
    )  # fmt: skip
    assert app.env() == {"API_PREFIX": "/api", "API_STRIP_PREFIX": "true", "APP_IMAGE": "me/notes"}
    assert app.verify_args() == ["--app", "--requests", "/out/requests.json"]
    doc = app.document()
    assert (doc["name"], doc["source"], doc["image"], doc["requests"][0]["weight"]) == (
        "notes-api", "loadtest.toml", "me/notes", 3,
    )  # fmt: skip


def test_openapi_is_derived_once_through_a_topology(monkeypatch, project, tmp_path):
    app = apprun.App.from_settings(settings(monkeypatch, APP_DIR=project))
    assert not app.fixed and app.document()["requests"] is None
    run = tmp_path / "run"
    run.mkdir()
    fetched = []

    def fetch(url, out):
        fetched.append((url, out))
        (run / "openapi.json").write_text(json.dumps(notes_openapi()))

    app.derive(run, fetch, "https://nginx:8443/")
    assert fetched == [("https://nginx:8443/api/openapi.json", "/out/openapi.json")]
    assert app.fixed and [r.path for r in app.requests] == ["/api/", "/api/notes"]


def test_an_unusable_openapi_document_stops_the_run_in_one_line(monkeypatch, project, tmp_path):
    app = apprun.App.from_settings(settings(monkeypatch, APP_DIR=project, API_STRIP_PREFIX="false"))
    with pytest.raises(ScenarioError, match=r"no OpenAPI document at .*: it answered 404: declare the requests"):
        app.derive(tmp_path, lambda url, out: f"no OpenAPI document at {url}: it answered 404", "http://app:8000")
    (tmp_path / "openapi.json").write_text(json.dumps({"openapi": "3.1.0", "paths": {}}))
    with pytest.raises(ScenarioError, match="http://app:8000/api/openapi.json: the OpenAPI document has no GET"):
        app.derive(tmp_path, lambda url, out: None, "http://app:8000")
    assert app.env()["API_STRIP_PREFIX"] == "false"


def test_a_user_locustfile_runs_as_it_is(monkeypatch, project):
    (project / "load").mkdir()
    (project / "load" / "mine.py").write_text("")
    app = apprun.App.from_settings(settings(monkeypatch, APP_DIR=project, LOCUSTFILE=project / "load" / "mine.py"))
    sc = app.scenario()
    assert sc.wrk_input is None and app.verify_args() == ["--app"] and app.fixed
    assert app.env()["APP_LOCUST_DIR"] == str(project / "load")
    spec = LocustSpec("https://nginx:8443", sc.locustfile, sc.user_class, 10, 5, 1, "/out/x")
    args = spec.args()
    assert args[:3] == [
        "-f",
        "/srv/loadtest/generator/scenarios/user_locustfile.py,/srv/app-locust/mine.py",
        "--headless",
    ]


def test_the_demo_locust_args_are_unchanged():
    spec = LocustSpec("https://nginx:8443", "api_json.py", "JsonUser", 10, 5, 1, "/out/x")
    assert spec.args()[:4] == ["-f", "/srv/loadtest/generator/scenarios/api_json.py", "JsonUser", "--headless"]


def test_scenarios_with_app_dir(monkeypatch, project):
    s = settings(monkeypatch, APP_DIR=project, QUICK="1")
    assert s.scenarios is None and s.duration == 3  # QUICK's demo scenarios do not apply
    app = apprun.App.from_settings(s)
    assert [sc.name for sc in app.scenarios(None, scenarios.SCENARIOS)] == ["app", "static"]
    assert [sc.name for sc in app.scenarios(["app"], scenarios.SCENARIOS)] == ["app"]
    with pytest.raises(SystemExit, match="api-json is the demo app's"):
        app.scenarios(["api-json"], scenarios.SCENARIOS)


def test_the_app_scenario_runs_on_every_comparison_topology():
    from loadtest.report.questions import QUESTIONS
    from loadtest.runner import topologies

    shipped = topologies.discover()
    sc = scenarios.Scenario("app", "request_list.py", "RequestListUser", "app", "app")
    measured = {name for name, t in shipped.items() if scenarios.applies(sc, t)}
    assert {n for q in QUESTIONS for n in (q.a, q.b)} <= measured
    assert "gunicorn-raw" not in measured  # the demo's raw ASGI app: a server ceiling, not the user's app


def test_bad_app_settings(monkeypatch, tmp_path):
    with pytest.raises(ScenarioError, match="no such directory"):
        apprun.App.from_settings(settings(monkeypatch, APP_DIR=tmp_path / "nope"))
    with pytest.raises(ScenarioError, match="APP_ENV_FILE=.*: no such file"):
        apprun.App.from_settings(settings(monkeypatch, APP_DIR=tmp_path, APP_ENV_FILE=tmp_path / "x.env"))
