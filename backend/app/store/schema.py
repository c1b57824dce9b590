"""Schema set-up. Runs once, before any worker starts (``python -m app.store.schema``),
so workers never race each other to create tables."""

import sqlite3
import sys
from pathlib import Path

SCHEMA_VERSION = 2

_MIGRATIONS = {
    1: """
        CREATE TABLE IF NOT EXISTS items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            description TEXT,
            created_at TEXT NOT NULL,
            idempotency_key TEXT UNIQUE
        );
    """,
    # Idempotency keys gain a request fingerprint and an expiry. Keys stored before this have
    # no fingerprint (any body matches them) and expire a day after their item was created.
    2: """
        ALTER TABLE items ADD COLUMN idempotency_fingerprint TEXT;
        ALTER TABLE items ADD COLUMN idempotency_expires_at TEXT;
        UPDATE items SET idempotency_expires_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', created_at, '+1 day')
            WHERE idempotency_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS items_idempotency_expiry ON items (idempotency_expires_at)
            WHERE idempotency_key IS NOT NULL;
    """,
}


def migrate(path: Path) -> int:
    """Bring the database at ``path`` to SCHEMA_VERSION; return the version it is at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path, timeout=30) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for version in range(current + 1, SCHEMA_VERSION + 1):
            conn.executescript(_MIGRATIONS[version])
            conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    return SCHEMA_VERSION


if __name__ == "__main__":
    from app.settings import get_settings

    db = get_settings().database_path
    print(f"schema of {db} at version {migrate(db)}", file=sys.stderr)
