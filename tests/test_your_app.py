"""A project that is not ours, deployed the way README tells a newcomer to: `make up
APP_DIR=examples/notes-api` (here: the same compose file with APP_DIR set, on free ports).

examples/notes-api is a typical user project: its own name, SQLAlchemy on SQLite, an Alembic
migration as its APP_PRESTART, routes at its root, no health route, [tool.fastapi] entrypoint,
gunicorn and uvicorn pinned at the oldest versions the server layer supports, and a top-level
package named `app` like the demo's, so any leftover import of the demo fails loudly.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest

from loadtest.bundle.stack import Bundle
from tests.conftest import ROOT
from tests.prometheus_scrape import exec_in, scrape

pytestmark = pytest.mark.containers

EXAMPLE = ROOT / "examples" / "notes-api"


def wheels_image(app_dir) -> dict[str, str]:
    """What `make images APP_DIR=...` exports: scripts/images.sh builds the runtime images and,
    air-gapped, the project's wheels image."""
    result = subprocess.run(
        ["bash", str(ROOT / "scripts/images.sh")], env={**os.environ, "APP_DIR": str(app_dir)},
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    exports = dict(part.split("=", 1) for line in out.splitlines() for part in line.split()[1:])
    return {"WHEELS_IMAGE": exports["WHEELS_IMAGE"], "PIP_NO_INDEX": exports["PIP_NO_INDEX"]}


def test_make_takes_the_project_folder_as_readme_writes_it():
    """`make up APP_DIR=examples/notes-api`: a relative folder, which compose alone would read as
    a named volume (app-dev mounts it); make hands compose the absolute path."""
    result = subprocess.run(
        ["make", "-s", "config", "APP_DIR=examples/notes-api"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"context: {EXAMPLE}\n" in result.stdout
    assert "image: apibundle/app-notes-api" in result.stdout
    assert f"source: {EXAMPLE}\n        target: /srv/app\n" in result.stdout  # app-dev's reload mount
    assert "context: ./backend" not in result.stdout and f"context: {ROOT / 'backend'}\n" not in result.stdout


@pytest.fixture(scope="module")
def notes(certs, reports_dir, tmp_path_factory):
    stack = Bundle(
        root=ROOT, profile="prod", project=f"apibundle-test-notes-{uuid.uuid4().hex[:6]}", certs=certs,
        reports_dir=reports_dir, workdir=tmp_path_factory.mktemp("stack-notes"),
        extra_env={
            "APP_DIR": EXAMPLE, "APP_IMAGE": "apibundle/app-notes-api", **wheels_image(EXAMPLE),
            # The reload test's load comes from this host: exempt it from the edge's rate limit.
            "RATELIMIT_EXEMPT_DIR": ROOT / "compose" / "loadtest" / "ratelimit-exempt",
        },
    )  # fmt: skip
    stack.start()
    yield stack
    stack.stop()


def test_the_oldest_supported_servers_run_it(notes):
    versions = exec_in(
        notes, "app", "python3", "-c", "import gunicorn, uvicorn; print(gunicorn.__version__, uvicorn.__version__)"
    )
    assert versions.split() == ["23.0.0", "0.30.0"]  # the project's pins, not the runtime's
    live = json.loads(exec_in(notes, "app", "python3", "-c", LIVE))
    assert live["server"] == "gunicorn" and live["worker"] == "uvicorn"


LIVE = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/.bundle/live').read().decode())"


def test_it_turns_healthy_without_a_health_route_and_the_probe_stays_inside(notes):
    assert notes.inspect("app")["State"]["Health"]["Status"] == "healthy"
    for path in ("/.bundle/live", "/api/.bundle/live"):
        assert notes.get(path).status_code == 404  # Nginx never forwards the liveness probe


def test_docs_and_openapi_work_under_the_prefix(notes):
    docs = notes.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
    spec = notes.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Notes API"
    assert "/notes" in spec["paths"] and "/notes/{note_id}" in spec["paths"]
    assert spec.get("servers") == [{"url": "/api"}]  # the routes are at its root, reached under /api
    assert notes.get("/api/").json() == {"service": "notes-api"}


def test_crud_through_nginx_with_its_own_migration(notes):
    with notes.client() as c:
        created = c.post("/api/notes", json={"title": "first", "body": "from the bundle"})
        assert created.status_code == 201, created.text
        note = created.json()
        assert c.get(f"/api/notes/{note['id']}").json()["title"] == "first"
        assert note["id"] in [n["id"] for n in c.get("/api/notes", params={"limit": 100}).json()]
        assert c.post("/api/notes", json={"title": ""}).status_code == 422
        assert c.delete(f"/api/notes/{note['id']}").status_code == 204
        assert c.get(f"/api/notes/{note['id']}").status_code == 404
    assert "alembic" in notes.logs("migrate").lower()  # APP_PRESTART ran, as the migrate service


def test_its_requests_are_counted_by_route_template(notes):
    key = ("app_http_requests_total", (("method", "GET"), ("route", "/notes/{note_id}"), ("status", "4xx")))
    before = scrape(notes).get(key, 0.0)
    for note_id in (910001, 910002, 910003):
        assert notes.get(f"/api/notes/{note_id}").status_code == 404
    assert scrape(notes)[key] - before == 3


def test_a_gunicorn_reload_under_load_fails_no_request(notes):
    """Keep-alive clients reading and writing while Gunicorn reloads (SIGHUP: new workers, the
    old ones drained): none of their requests may fail."""
    stop, failures, done = threading.Event(), [], []

    def client(n: int) -> None:
        with notes.client() as c:
            while not stop.is_set():
                try:
                    if n % 2:
                        r = c.post("/api/notes", json={"title": f"load-{n}"})
                        ok = r.status_code == 201
                    else:
                        r = c.get("/api/notes", params={"limit": 5})
                        ok = r.status_code == 200
                    (done if ok else failures).append(r.status_code)
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        before = len(done)
        for _ in range(2):
            notes.run("kill", "--signal", "HUP", "app")
            time.sleep(4)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert len(done) - before > 100, len(done)  # real load through the reloads
    assert failures == []


def test_a_short_load_test_measures_its_own_endpoints(certs, tmp_path):
    """`make loadtest APP_DIR=examples/notes-api QUICK=1`, shortened: its requests come from its
    OpenAPI document (GET / and GET /notes: the operations with no required parameter), are
    verified through each topology, and the report names the app and lists them; the topology
    its pinned Gunicorn 23 cannot run (-k asgi) is left out with the reason, and the run succeeds."""
    reports = tmp_path / "reports"
    env = {
        **os.environ, **wheels_image(EXAMPLE),
        "APP_DIR": str(EXAMPLE), "APP_IMAGE": "apibundle/app-notes-api", "QUICK": "1",
        "TOPOLOGIES": "uvicorn nginx-gunicorn nginx-gunicorn-asgi",
        "USERS": "8", "DURATION": "3", "WARMUP": "1", "REPEAT": "1",
        "FRACTIONS": "0.5", "WRK_DURATION": "2", "CALIBRATION_S": "2", "IDLE_S": "1", "RESILIENCE": "0",
        "REPORTS_DIR": str(reports), "LOADTEST_PROJECT": f"apibundle-test-lt-notes-{uuid.uuid4().hex[:6]}",
        "CERTS_DIR": str(certs / "live"),
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.runner"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-4000:]
    results = json.loads((reports / "latest" / "results.json").read_text())
    assert results["app"]["name"] == "notes-api"
    requests = {(r["method"], r["path"]) for r in results["app"]["requests"]}
    assert requests == {("GET", "/api/"), ("GET", "/api/notes")}
    assert all(v["ok"] for v in results["verification"].values()), results["verification"]
    measured = [r for r in results["runs"] if r["scenario"] == "app" and r["mode"] == "capacity"]
    assert {r["topology"] for r in measured} == {"uvicorn", "nginx-gunicorn"}
    assert all(r["failures"] == 0 for r in measured), [r["errors"] for r in measured]
    report = (reports / "latest" / "report.md").read_text()
    assert "notes-api" in report and "/api/notes" in report
    # Gunicorn 23, as the project pins it, has no -k asgi: that topology is left out, said why, not failed
    assert results["unavailable"] == {
        "nginx-gunicorn-asgi": "Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24; this image has 23.0.0"
        " (pinned by the app's requirements?)"
    }
    assert "- nginx-gunicorn-asgi: Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24" in report
