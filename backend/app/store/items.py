"""Item repository: SQL for items, nothing else."""

import sqlite3
from datetime import UTC, datetime

from app.schemas import Item, ItemIn
from app.store.sqlite import Database

_COLUMNS = "id, name, description, created_at"


def _item(row: sqlite3.Row) -> Item:
    return Item(id=row["id"], name=row["name"], description=row["description"], created_at=row["created_at"])


class ItemRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, data: ItemIn, idempotency_key: str | None = None) -> tuple[Item, bool]:
        """Store an item; returns (item, created). A repeated idempotency key returns the first item."""
        now = datetime.now(UTC).isoformat()

        def insert(conn: sqlite3.Connection) -> tuple[Item, bool]:
            cur = conn.execute(
                "INSERT INTO items (name, description, created_at, idempotency_key) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (idempotency_key) DO NOTHING",
                (data.name, data.description, now, idempotency_key),
            )
            if cur.rowcount == 1:
                return Item(id=cur.lastrowid, created_at=now, **data.model_dump()), True
            row = conn.execute(f"SELECT {_COLUMNS} FROM items WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
            return _item(row), False

        return await self._db.run(insert)

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
