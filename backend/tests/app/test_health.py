import os

import pytest


def test_health_names_server_and_worker(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["server"] == "uvicorn"  # pytest is neither a Gunicorn nor a Granian process
    assert body["worker_pid"] == os.getpid()
    assert body["environment"] == "test"


def test_ready_checks_the_store(client):
    assert client.get("/api/health/ready").json() == {"status": "ok", "store": "ok"}


def test_ready_is_503_when_the_store_is_broken(client):
    import sqlite3

    async def broken():
        raise sqlite3.OperationalError("disk I/O error")

    client.demo.state.items.ping = broken  # the store fails under a running app
    r = client.get("/api/health/ready")
    assert r.status_code == 503 and r.json() == {"status": "unavailable", "store": "OperationalError"}


def test_a_worker_refuses_a_schema_the_prestart_did_not_bring_up(settings):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.store.migrate import MigrationError

    settings.database_path.unlink()  # no schema: APP_PRESTART did not run
    with pytest.raises(MigrationError, match="is at version 0"), TestClient(create_app(settings)):
        pass


def test_openapi_and_docs_live_under_api(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/items" in spec["paths"] and "/api/work/cpu" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_fault_injection_is_off_by_default(client):
    assert client.post("/api/_fault/hang", params={"seconds": 0.01}).status_code == 404


def test_fault_injection_when_enabled_is_bounded(settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    settings.fault_injection = True
    with TestClient(create_app(settings)) as c:
        assert c.post("/api/_fault/hang", params={"seconds": 0.01}).json() == {"hung_s": 0.01}
        assert c.post("/api/_fault/hang", params={"seconds": 1000}).status_code == 422


def test_gunicorn_is_told_by_its_command_not_by_an_import(monkeypatch):
    import sys

    import gunicorn  # noqa: F401  (imported, as the worker class module does)
    import uvicorn_worker  # noqa: F401

    from servers.runtime import server_info

    assert server_info().server == "uvicorn"
    for argv0 in ("/usr/local/bin/gunicorn", "/venv/lib/python3.13/site-packages/gunicorn/__main__.py"):
        monkeypatch.setattr(sys, "argv", [argv0, "--config", "gunicorn.conf.py"])
        assert (server_info().server, server_info().worker) == ("gunicorn", "uvicorn")


def test_docs_page_uses_only_the_bundles_own_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" not in page.text  # no inline script
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in page.text and "https://" not in page.text
