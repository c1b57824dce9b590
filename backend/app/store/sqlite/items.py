"""The item repository on SQLite: SQL for items, nothing else."""

import sqlite3
from datetime import UTC, datetime, timedelta

from app.schemas import Item, ItemIn
from app.store import items
from app.store.idempotency import IdempotencyKeyReused, IdempotentRequest
from app.store.sqlite.database import Database

_COLUMNS = "id, name, description, created_at"


def _item(row: sqlite3.Row) -> Item:
    return Item(id=row["id"], name=row["name"], description=row["description"], created_at=row["created_at"])


class SqliteItemRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, data: ItemIn, idem: IdempotentRequest | None, ttl_s: float) -> tuple[Item, bool]:
        """Store an item; returns (item, created). A live idempotency key returns the first item
        when the body matches, and raises IdempotencyKeyReused when it does not."""
        now = datetime.now(UTC)
        created_at = now.isoformat()

        def insert(conn: sqlite3.Connection) -> tuple[Item, bool]:
            cur = conn.execute(
                "INSERT INTO items (name, description, created_at) VALUES (?, ?, ?)",
                (data.name, data.description, created_at),
            )
            return Item(id=cur.lastrowid, created_at=created_at, **data.model_dump()), True

        def insert_once(conn: sqlite3.Connection) -> tuple[Item, bool]:
            # One write transaction: the expiry, the insert and the read-back see the same state
            # even with several worker processes on the same database.
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "UPDATE items SET idempotency_key = NULL, idempotency_fingerprint = NULL,"
                    " idempotency_expires_at = NULL WHERE idempotency_key = ? AND idempotency_expires_at <= ?",
                    (idem.key, created_at),
                )
                cur = conn.execute(
                    "INSERT INTO items (name, description, created_at, idempotency_key, idempotency_fingerprint,"
                    " idempotency_expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
                    (data.name, data.description, created_at, idem.key, idem.fingerprint,
                     (now + timedelta(seconds=ttl_s)).isoformat()),
                )  # fmt: skip
                if cur.rowcount == 1:
                    result = Item(id=cur.lastrowid, created_at=created_at, **data.model_dump()), True
                else:
                    row = conn.execute(
                        f"SELECT {_COLUMNS}, idempotency_fingerprint FROM items WHERE idempotency_key = ?",
                        (idem.key,),
                    ).fetchone()
                    if row["idempotency_fingerprint"] not in (None, idem.fingerprint):
                        raise IdempotencyKeyReused(idem.key)
                    result = _item(row), False
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await self._db.run(insert if idem is None else insert_once)

    async def purge_expired_keys(self) -> int:
        """Forget expired idempotency keys (the items stay), a bounded batch per statement."""
        now = datetime.now(UTC).isoformat()

        def purge(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "UPDATE items SET idempotency_key = NULL, idempotency_fingerprint = NULL,"
                " idempotency_expires_at = NULL WHERE rowid IN (SELECT rowid FROM items"
                " WHERE idempotency_key IS NOT NULL AND idempotency_expires_at <= ? LIMIT ?)",
                (now, items.PURGE_BATCH),
            ).rowcount

        total = 0
        while (cleared := await self._db.run(purge)) > 0:
            total += cleared
            if cleared < items.PURGE_BATCH:
                break
        return total

    async def get(self, item_id: int) -> Item | None:
        row = await self._db.run(
            lambda conn: conn.execute(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        )
        return _item(row) if row else None

    async def page(self, after: int, limit: int) -> list[Item]:
        """Keyset paging: cost depends on ``limit`` only, never on how deep the page is."""
        rows = await self._db.run(
            lambda conn: conn.execute(
                f"SELECT {_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
            ).fetchall()
        )
        return [_item(r) for r in rows]

    async def delete(self, item_id: int) -> bool:
        cur = await self._db.run(lambda conn: conn.execute("DELETE FROM items WHERE id = ?", (item_id,)))
        return cur.rowcount == 1

    async def ping(self) -> None:
        await self._db.run(lambda conn: conn.execute("SELECT 1 FROM items LIMIT 1").fetchall())
