"""Dependencies shared by the routers: the per-process services built at start-up."""

from fastapi import Request

from app.services.items import ItemService
from app.settings import Settings
from app.store.items import ItemRepository


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def item_repository(request: Request) -> ItemRepository:
    return request.app.state.items


def item_service(request: Request) -> ItemService:
    return ItemService(request.app.state.items, request.app.state.settings.idempotency_ttl_s)
