"""The item repository on Postgres: the same rules as sqlite/items.py, in Postgres's terms.

An idempotent create relies on the unique constraint on ``idempotency_key``: it inserts with
``ON CONFLICT DO NOTHING`` and, when a row already holds the key, reads that row. It never
checks first and inserts after, so two workers (or two hosts) racing with the same key store
one item, and the loser answers with the winner's item. An expired key is released (only if it
is still the same expired row) and the insert is tried again.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from app.schemas import Item, ItemIn
from app.store import items
from app.store.idempotency import IdempotencyKeyReused, IdempotentRequest
from app.store.items import StoreUnavailable

_COLUMNS = "id, name, description, created_at"
# A create meets a key that is deleted, purged or expires under it at most once or twice;
# this bounds the loop should the impossible happen.
_ATTEMPTS = 5


def _item(row: tuple) -> Item:
    return Item(id=row[0], name=row[1], description=row[2], created_at=row[3])


class PostgresItemRepository:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreUnavailable(f"no free database connection within {self._pool.timeout:g} s") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"the database did not answer ({type(exc).__name__})") from exc

    async def add(self, data: ItemIn, idem: IdempotentRequest | None, ttl_s: float) -> tuple[Item, bool]:
        now = datetime.now(UTC)
        async with self._connection() as conn:
            if idem is None:
                cur = await conn.execute(
                    "INSERT INTO items (name, description, created_at) VALUES (%s, %s, %s) RETURNING id",
                    (data.name, data.description, now),
                )
                (item_id,) = await cur.fetchone()
                return Item(id=item_id, created_at=now, **data.model_dump()), True
            return await self._add_once(conn, data, idem, now, now + timedelta(seconds=ttl_s))

    async def _add_once(
        self, conn: AsyncConnection, data: ItemIn, idem: IdempotentRequest, now: datetime, expires_at: datetime
    ) -> tuple[Item, bool]:
        for _ in range(_ATTEMPTS):
            cur = await conn.execute(
                "INSERT INTO items (name, description, created_at, idempotency_key, idempotency_fingerprint,"
                " idempotency_expires_at) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                (data.name, data.description, now, idem.key, idem.fingerprint, expires_at),
            )
            if (row := await cur.fetchone()) is not None:
                return Item(id=row[0], created_at=now, **data.model_dump()), True
            cur = await conn.execute(
                f"SELECT {_COLUMNS}, idempotency_fingerprint, idempotency_expires_at <= %s"
                " FROM items WHERE idempotency_key = %s",
                (now, idem.key),
            )
            row = await cur.fetchone()
            if row is None:  # the first item went (deleted, its key purged) since the insert: again
                continue
            if row[5]:  # expired: free the key if it is still this row's, then insert again
                await conn.execute(
                    "UPDATE items SET idempotency_key = NULL, idempotency_fingerprint = NULL,"
                    " idempotency_expires_at = NULL WHERE id = %s AND idempotency_key = %s"
                    " AND idempotency_expires_at <= %s",
                    (row[0], idem.key, now),
                )
                continue
            if row[4] not in (None, idem.fingerprint):
                raise IdempotencyKeyReused(idem.key)
            return _item(row), False
        raise StoreUnavailable(f"Idempotency-Key {idem.key!r} kept changing under the create; retry")

    async def purge_expired_keys(self) -> int:
        now = datetime.now(UTC)
        total = 0
        while True:
            async with self._connection() as conn:
                # SKIP LOCKED: workers purging at the same time take different rows.
                cur = await conn.execute(
                    "UPDATE items SET idempotency_key = NULL, idempotency_fingerprint = NULL,"
                    " idempotency_expires_at = NULL WHERE id IN (SELECT id FROM items"
                    " WHERE idempotency_key IS NOT NULL AND idempotency_expires_at <= %s"
                    " LIMIT %s FOR UPDATE SKIP LOCKED)",
                    (now, items.PURGE_BATCH),
                )
            total += cur.rowcount
            if cur.rowcount < items.PURGE_BATCH:
                return total

    async def get(self, item_id: int) -> Item | None:
        async with self._connection() as conn:
            cur = await conn.execute(f"SELECT {_COLUMNS} FROM items WHERE id = %s", (item_id,))
            row = await cur.fetchone()
        return _item(row) if row else None

    async def page(self, after: int, limit: int) -> list[Item]:
        async with self._connection() as conn:
            cur = await conn.execute(f"SELECT {_COLUMNS} FROM items WHERE id > %s ORDER BY id LIMIT %s", (after, limit))
            rows = await cur.fetchall()
        return [_item(r) for r in rows]

    async def delete(self, item_id: int) -> bool:
        async with self._connection() as conn:
            cur = await conn.execute("DELETE FROM items WHERE id = %s", (item_id,))
        return cur.rowcount == 1

    async def ping(self) -> None:
        async with self._connection() as conn:
            await conn.execute("SELECT 1 FROM items LIMIT 1")
