"""Items CRUD."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from app.api.deps import item_service
from app.schemas import Detail, Item, ItemIn, ItemPage, Problem
from app.services.items import ItemService
from app.settings import Settings
from app.store.idempotency import MAX_KEY_LENGTH, request_for

router = APIRouter(prefix="/items", tags=["items"])

Service = Annotated[ItemService, Depends(item_service)]
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]


IdempotencyKey = Annotated[
    str | None,
    Header(
        description=f"Makes a retried create safe: 1-{MAX_KEY_LENGTH} characters of A-Z a-z 0-9 . _ : -, as a"
        ' Structured Field string (`"key"`) or bare. Remembered for APP_IDEMPOTENCY_TTL_S'
        f" (default {Settings.model_fields['idempotency_ttl_s'].default // 3600} h).",
        json_schema_extra={
            "pattern": rf'^([A-Za-z0-9._:-]{{1,{MAX_KEY_LENGTH}}}|"[A-Za-z0-9._:-]{{1,{MAX_KEY_LENGTH}}}")?$'
        },
    ),
]


@router.post(
    "",
    response_model=Item,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": Item, "description": "A retried create (same Idempotency-Key and body): the first item"},
        400: {"description": "The Idempotency-Key is malformed (a problem), or the body cannot be read at all",
              "content": {"application/problem+json": {"schema": Problem.model_json_schema()},
                          "application/json": {"schema": Detail.model_json_schema()}}},
        422: {"description": "The body is invalid, or the Idempotency-Key was used with another body"},
    },
)  # fmt: skip
async def create_item(
    data: ItemIn, service: Service, response: Response, idempotency_key: IdempotencyKey = None
) -> Item:
    """Create an item. With an `Idempotency-Key` header a retried create returns the first item (200)."""
    item, created = await service.create(data, request_for(idempotency_key, data))
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


NOT_FOUND = {404: {"model": Detail, "description": "No item with this id"}}


@router.get("/{item_id}", response_model=Item, responses=NOT_FOUND)
async def get_item(item_id: ItemId, service: Service) -> Item:
    return await service.get(item_id)


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: ItemId, service: Service) -> None:
    await service.delete(item_id)
