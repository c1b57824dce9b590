"""Open the store APP_DATABASE_URL names, in this worker process: its repository and how to close it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.database_url import PostgresUrl
from app.settings import Settings
from app.store.items import ItemRepository
from app.store.postgres.items import PostgresItemRepository
from app.store.postgres.pool import open_pool
from app.store.sqlite.database import Database
from app.store.sqlite.items import SqliteItemRepository


@dataclass(frozen=True)
class Store:
    name: str  # "sqlite" or "postgres"
    items: ItemRepository
    close: Callable[[], Awaitable[None]]


async def open_store(settings: Settings) -> Store:
    target = settings.database
    if isinstance(target, PostgresUrl):
        pool = await open_pool(settings, target)
        return Store("postgres", PostgresItemRepository(pool), pool.close)
    db = Database(target.path)
    await db.open()
    return Store("sqlite", SqliteItemRepository(db), db.close)
