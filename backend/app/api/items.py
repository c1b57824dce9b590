"""Items CRUD."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from app.api.deps import item_service
from app.schemas import Item, ItemIn, ItemPage
from app.services.items import ItemService

router = APIRouter(prefix="/items", tags=["items"])

Service = Annotated[ItemService, Depends(item_service)]
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", response_model=Item, status_code=status.HTTP_201_CREATED)
async def create_item(
    data: ItemIn,
    service: Service,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
) -> Item:
    """Create an item. With an `Idempotency-Key` header a retried create returns the first item (200)."""
    item, created = await service.create(data, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    return item


@router.get("", response_model=ItemPage)
async def list_items(
    service: Service,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Return items with an id above this.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ItemPage:
    return await service.page(after, limit)


@router.get("/{item_id}", response_model=Item)
async def get_item(item_id: ItemId, service: Service) -> Item:
    return await service.get(item_id)


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: ItemId, service: Service) -> None:
    await service.delete(item_id)
