"""The versioned-SQL migration runner: files, order, SQLite's user_version, the launcher's choice.
(Postgres's side, the advisory lock and schema_migrations, runs in the container tests.)"""

import sqlite3
import threading

import pytest

from app.settings import Settings
from app.store import migrate


def test_each_store_has_numbered_migrations_from_one():
    for store in ("sqlite", "postgres"):
        found = migrate.migrations(store)
        assert [m.version for m in found] == list(range(1, len(found) + 1))
        assert all(m.sql.strip() for m in found)
    assert migrate.latest("sqlite") == 2 and migrate.latest("postgres") == 1


@pytest.mark.parametrize(
    "files, says",
    [
        (["0001_a.sql", "0003_c.sql"], "without gaps"),
        (["0001_a.sql", "0001_b.sql"], "without gaps"),
        (["0002_b.sql"], "without gaps"),
        (["1_a.sql"], "NNNN_what.sql"),
        (["0001_A.sql"], "NNNN_what.sql"),
    ],
)
def test_bad_migration_sets_are_refused(tmp_path, files, says):
    (tmp_path / "x").mkdir()
    for name in files:
        (tmp_path / "x" / name).write_text("SELECT 1;\n")
    with pytest.raises(migrate.MigrationError, match=says):
        migrate.migrations("x", tmp_path)


def test_a_new_sqlite_database_gets_every_version_once(tmp_path):
    db = tmp_path / "sub" / "app.db"
    assert migrate.migrate_sqlite(db) == [1, 2]
    assert migrate.migrate_sqlite(db) == []
    assert migrate.sqlite_version(db) == 2
    with sqlite3.connect(db) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(items)")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"idempotency_fingerprint", "idempotency_expires_at"} <= columns


def test_a_database_from_before_the_runner_carries_on_from_its_user_version(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:  # what the old schema.py made, at version 2, with data
        for m in migrate.migrations("sqlite"):
            conn.executescript(m.sql)
        conn.execute("PRAGMA user_version = 2")
        conn.execute("INSERT INTO items (name, created_at) VALUES ('kept', '2026-01-01T00:00:00+00:00')")
    assert migrate.migrate_sqlite(db) == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM items").fetchall() == [("kept",)]


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "app.db"
    good = migrate.migrations("sqlite")
    broken = [good[0], migrate.Migration(2, "broken", "ALTER TABLE items ADD COLUMN x TEXT;\nNOT SQL;\n")]
    monkeypatch.setattr(migrate, "migrations", lambda store: broken)
    with pytest.raises(sqlite3.OperationalError):
        migrate.migrate_sqlite(db)
    assert migrate.sqlite_version(db) == 0  # version 1 rolled back with the failed 2: one transaction
    monkeypatch.undo()
    assert migrate.migrate_sqlite(db) == [1, 2]


def test_concurrent_runners_apply_each_version_once(tmp_path):
    db, results = tmp_path / "app.db", []
    threads = [threading.Thread(target=lambda: results.append(migrate.migrate_sqlite(db))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [[], [], [], [1, 2]]


def test_statements_are_split_where_they_end():
    sql = "-- a comment\nCREATE TABLE a (x TEXT DEFAULT ';');\nUPDATE a SET x = 'y';\n-- trailing\n"
    assert [s.strip().splitlines()[-1] for s in migrate._statements(sql)] == [
        "CREATE TABLE a (x TEXT DEFAULT ';');", "UPDATE a SET x = 'y';",
    ]  # fmt: skip
    with pytest.raises(migrate.MigrationError, match="incomplete"):
        list(migrate._statements("CREATE TABLE a (x TEXT"))


def test_check_says_what_to_run_when_the_schema_is_behind(tmp_path):
    settings = Settings(database_path=tmp_path / "app.db")
    with pytest.raises(migrate.MigrationError, match="version 0, this app needs 2.*app.store.migrate"):
        migrate.check(settings)
    migrate.migrate(settings)
    assert migrate.check(settings) == 2
