"""The Postgres pool's connection check: skipped for a connection handed back a moment ago,
made for one that sat idle (as through a Postgres restart)."""

import asyncio

from app.store.postgres import pool


class FakeConnection:
    pass


def test_a_recently_returned_connection_is_lent_unchecked_an_idle_one_is_checked(monkeypatch):
    checked = []

    async def check_connection(conn):
        checked.append(conn)

    monkeypatch.setattr(pool.AsyncConnectionPool, "check_connection", check_connection)
    fresh, idle, never = FakeConnection(), FakeConnection(), FakeConnection()
    now = [1000.0]
    monkeypatch.setattr(pool.time, "monotonic", lambda: now[0])

    async def scenario():
        await pool._returned(fresh)
        now[0] += pool.RECENTLY_USED_S / 2
        await pool._check(fresh)
        await pool._returned(idle)
        now[0] += pool.RECENTLY_USED_S
        await pool._check(idle)
        await pool._check(never)

    asyncio.run(scenario())
    assert checked == [idle, never]
