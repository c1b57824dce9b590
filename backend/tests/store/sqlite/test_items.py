"""The SQLite item repository's purge of expired idempotency keys (app/store/sqlite/items.py)."""

import asyncio
import sqlite3

from app.store.migrate import migrate_sqlite as migrate
from app.store.sqlite.database import Database
from app.store.sqlite.items import SqliteItemRepository


def test_purge_works_in_bounded_batches(tmp_path, monkeypatch):
    import app.store.items as items_module

    monkeypatch.setattr(items_module, "PURGE_BATCH", 2)
    db_path = tmp_path / "app.db"
    migrate(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO items (name, created_at, idempotency_key, idempotency_expires_at) VALUES (?, ?, ?, ?)",
            [(f"n{i}", "2020-01-01T00:00:00+00:00", f"k{i}", "2020-01-02T00:00:00+00:00") for i in range(5)],
        )

    async def purge() -> int:
        db = Database(db_path)
        await db.open()
        try:
            return await SqliteItemRepository(db).purge_expired_keys()
        finally:
            await db.close()

    assert asyncio.run(purge()) == 5
