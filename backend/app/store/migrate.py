"""Versioned schema migrations: ``python -m app.store.migrate`` (compose's one-shot ``migrate`` service).

The data layer is plain SQL, so its migrations are too: ``migrations/<store>/NNNN_<what>.sql``,
numbered from 1 without gaps, each applied once, in order, in its own transaction together with
the record that it was applied:

- SQLite records the version in ``PRAGMA user_version`` (databases made before this runner are
  at 1 or 2 and carry on from there). ``BEGIN IMMEDIATE`` holds the write lock while it reads
  the version and applies what is missing, so two runners never apply a file twice.
- Postgres records each version in ``schema_migrations`` and holds a session advisory lock while
  it reads and applies, so runners on several hosts (or a retried one-shot service) queue up
  behind each other instead of racing.

Workers never migrate: this is the demo's APP_PRESTART (backend/.env), which the bundle runs once
before any worker starts (compose's ``migrate`` service, or the launcher with
SERVER_RUN_PRESTART). Each worker checks at start that the schema is current (app/main.py).
"""

import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from app.database_url import DatabaseUrl, PostgresUrl
from app.settings import Settings, settings_or_exit
from app.store.postgres.pool import conninfo

MIGRATIONS = Path(__file__).parent / "migrations"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
ADVISORY_LOCK = 20_261_122  # any constant, the same in every runner
CONNECT_PATIENCE_S = 60  # how long the runner waits for a server that is still starting


class MigrationError(RuntimeError):
    """The migrations cannot be applied, or the schema is not at the version this code needs."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(store: str, directory: Path = MIGRATIONS) -> list[Migration]:
    """The store's migrations in order; refuses stray files, gaps and duplicate numbers."""
    found = []
    for path in sorted((directory / store).iterdir()):
        if path.name.startswith((".", "_")):
            continue
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_what.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"{directory / store}: versions must run 1, 2, 3... without gaps; found {versions}")
    return found


def latest(store: str) -> int:
    return len(migrations(store))


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_version(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    return version


def _statements(sql: str):
    """The file's statements, each ending on a line of its own (``sqlite3.complete_statement``)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""
    if statement.strip() and not all(s.strip().startswith("--") for s in statement.splitlines() if s.strip()):
        raise MigrationError(f"an incomplete statement at the end of a migration: {statement.strip()[:80]!r}")


def migrate_sqlite(path: Path) -> list[int]:
    """Bring the database at ``path`` (created if missing) to the latest version; the versions applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)  # transactions below are explicit
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN IMMEDIATE")  # the write lock: one runner at a time
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            applied = []
            for m in migrations("sqlite"):
                if m.version > current:
                    for statement in _statements(m.sql):  # not executescript: it would COMMIT first
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {m.version:d}")
                    applied.append(m.version)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
    return applied


# --- Postgres -------------------------------------------------------------------------------

_RECORD = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
    )
"""


def _connect(dsn: str, patience_s: float) -> psycopg.Connection:
    """Connect, retrying while the server is still starting (Swarm has no depends_on)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return psycopg.connect(dsn, autocommit=True)
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline or "password authentication failed" in str(exc):
                raise
            time.sleep(1)


def postgres_version(dsn: str, patience_s: float = 0) -> int:
    with _connect(dsn, patience_s) as conn:
        exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
        if not exists:
            return 0
        return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def migrate_postgres(dsn: str, patience_s: float = CONNECT_PATIENCE_S) -> list[int]:
    applied = []
    with _connect(dsn, patience_s) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK,))  # released when the session ends
        conn.execute(_RECORD)
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for m in migrations("postgres"):
            if m.version in done:
                continue
            with conn.transaction():
                conn.execute(m.sql.encode())  # several statements: no parameters, one simple query
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (m.version, m.name))
            applied.append(m.version)
    return applied


# --- either store ---------------------------------------------------------------------------


def current_version(settings: Settings, target: DatabaseUrl | None = None, patience_s: float = 0) -> int:
    target = target or settings.database
    if isinstance(target, PostgresUrl):
        return postgres_version(conninfo(settings, target), patience_s)
    return sqlite_version(target.path)


def migrate(settings: Settings) -> list[int]:
    """Apply what is missing to the configured store; the versions applied."""
    target = settings.database
    if isinstance(target, PostgresUrl):
        return migrate_postgres(conninfo(settings, target))
    return migrate_sqlite(target.path)


def check(settings: Settings, patience_s: float = 0) -> int:
    """The schema version, if it is at least the one this code needs; MigrationError otherwise."""
    target = settings.database
    version, needed = current_version(settings, target, patience_s), latest(target.store)
    if version < needed:
        raise MigrationError(
            f"the {target.store} schema at {target} is at version {version}, this app needs {needed}:"
            " run the migrations first (python -m app.store.migrate; compose runs its `migrate` service)"
        )
    return version


def main() -> None:
    settings = settings_or_exit("migrate")
    target = settings.database
    try:
        applied = migrate(settings)
        version = current_version(settings, target)
    except (MigrationError, psycopg.Error, sqlite3.Error) as exc:
        sys.exit(f"migrate: {exc}")
    what = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    print(f"migrate: {target} at schema version {version} ({what})", file=sys.stderr)
    if version > latest(target.store):
        print(f"migrate: note: the schema is newer than this image knows ({latest(target.store)})", file=sys.stderr)


if __name__ == "__main__":
    main()
