"""Item rules: what a page is, what missing means."""

from app.schemas import Item, ItemIn, ItemPage
from app.store.idempotency import IdempotentRequest
from app.store.items import ItemRepository


class ItemNotFound(LookupError):
    def __init__(self, item_id: int) -> None:
        super().__init__(f"item {item_id} not found")
        self.item_id = item_id


class ItemService:
    def __init__(self, repository: ItemRepository, idempotency_ttl_s: float) -> None:
        self._repo = repository
        self._ttl_s = idempotency_ttl_s

    async def create(self, data: ItemIn, idem: IdempotentRequest | None = None) -> tuple[Item, bool]:
        return await self._repo.add(data, idem, self._ttl_s)

    async def get(self, item_id: int) -> Item:
        item = await self._repo.get(item_id)
        if item is None:
            raise ItemNotFound(item_id)
        return item

    async def page(self, after: int, limit: int) -> ItemPage:
        # One extra row tells whether another page exists without a COUNT(*).
        items = await self._repo.page(after, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        return ItemPage(items=items, next_after=items[-1].id if more else None)

    async def delete(self, item_id: int) -> None:
        if not await self._repo.delete(item_id):
            raise ItemNotFound(item_id)
