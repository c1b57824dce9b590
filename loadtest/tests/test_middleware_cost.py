"""`make middleware-cost` measures the bundle's wrapping of the demo, as every server serves it
(servers.asgi:create_app): each set-up's child process answers every request 200 and reports
a CPU time, and the set-ups wrap what their names say."""

import os

import pytest

from loadtest import middleware_cost as mc


@pytest.fixture
def db(tmp_path) -> str:
    from app.store.migrate import migrate_sqlite  # noqa: PLC0415

    migrate_sqlite(tmp_path / "bench.db")
    return str(tmp_path / "bench.db")


@pytest.mark.parametrize("name", list(mc.SETUPS))
def test_every_set_up_answers_200_and_reports_cpu_time(name, db, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    us = mc._run_one({**mc.SETUPS[name], "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}, 20, db)
    assert 0 < us < 1e6
    files = os.listdir(metrics_dir)
    assert bool(files) == ("APP_METRICS" not in mc.SETUPS[name]), files  # metrics on: the worker's files
