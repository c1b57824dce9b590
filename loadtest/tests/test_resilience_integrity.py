"""The integrity check's SQLite file is the one the demo's settings open (one source for the
path: backend/app/settings.py), read with the container's environment."""

import os
import sqlite3
import subprocess
import sys

from loadtest.bundle.paths import ROOT
from loadtest.resilience.integrity import SQLITE_INTEGRITY_CHECK


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")} | env
    env["PYTHONPATH"] = str(ROOT / "backend")  # as the image's /srv/bundle:/srv/app
    return subprocess.run([sys.executable, "-c", SQLITE_INTEGRITY_CHECK], env=env, capture_output=True, text=True)


def test_the_sqlite_check_reads_the_file_the_app_settings_name(tmp_path):
    db = tmp_path / "elsewhere.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
    result = _check({"APP_DATABASE_PATH": str(db)})
    assert (result.returncode, result.stdout.strip()) == (0, "ok"), result.stderr
    missing = _check({"APP_DATABASE_PATH": str(tmp_path / "absent.db")})  # read-only: never creates one
    assert missing.returncode != 0 and "unable to open" in missing.stderr
    assert not (tmp_path / "absent.db").exists()
