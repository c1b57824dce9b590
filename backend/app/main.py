"""Application factory: ``app.main:create_app`` (servers call it with their factory flag)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app import logging as app_logging
from app.api import faults, router
from app.middleware.access_log import AccessLogMiddleware
from app.middleware.request_id import RequestIdMiddleware
from app.services.items import ItemNotFound
from app.settings import Settings, get_settings
from app.store.items import ItemRepository
from app.store.sqlite import Database


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app_logging.configure(settings.log_level, settings.access_log)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_path)  # opened in the worker, after any fork
        await db.open()
        app.state.items = ItemRepository(db)
        yield
        await db.close()

    app = FastAPI(
        title="apibundle",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.include_router(router)
    if settings.fault_injection:
        app.include_router(faults.router, prefix="/api")
    app.add_exception_handler(ItemNotFound, _not_found)
    if settings.middleware:
        app.add_middleware(AccessLogMiddleware)
        app.add_middleware(RequestIdMiddleware)  # added last = outermost: ids reach the access log
    return app


async def _not_found(request: Request, exc: ItemNotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})
