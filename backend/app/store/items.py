"""The item repository's interface: what the services need from any store. Each store has its
implementation (sqlite/items.py, postgres/items.py); the tests run the same API against both."""

from typing import Protocol

from app.schemas import Item, ItemIn
from app.store.idempotency import IdempotentRequest

PURGE_BATCH = 500  # expired keys cleared per statement: the database is never held long


class StoreUnavailable(Exception):
    """The store cannot answer now (no free connection, the server unreachable): a 503."""


class ItemRepository(Protocol):
    async def add(self, data: ItemIn, idem: IdempotentRequest | None, ttl_s: float) -> tuple[Item, bool]:
        """Store an item; returns (item, created). A live idempotency key returns the first item
        when the body matches, and raises IdempotencyKeyReused when it does not; an expired key
        is free to be used again."""
        ...

    async def purge_expired_keys(self) -> int:
        """Forget expired idempotency keys (the items stay), PURGE_BATCH per statement."""
        ...

    async def get(self, item_id: int) -> Item | None: ...

    async def page(self, after: int, limit: int) -> list[Item]:
        """Keyset paging: items with an id above ``after``, in id order, at most ``limit``."""
        ...

    async def delete(self, item_id: int) -> bool: ...

    async def ping(self) -> None:
        """Raise unless the store answers and has its schema."""
        ...
