"""Liveness (is this process serving) and readiness (can it reach its store)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.api.deps import app_settings, item_repository
from app.schemas import Health, Ready
from app.settings import Settings
from app.store.items import ItemRepository
from servers import logging as app_logging
from servers.runtime import server_info

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=Health)
async def health(request: Request, settings: Annotated[Settings, Depends(app_settings)]) -> Health:
    info = server_info()
    return Health(
        status="ok",
        server=info.server,
        worker=info.worker,
        worker_pid=info.worker_pid,
        environment=settings.environment,
        reload=info.reload,
        client=request.client.host if request.client else None,
        scheme=request.url.scheme,
        log_lines_dropped=app_logging.dropped_lines(),
    )


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
async def ready(repo: Annotated[ItemRepository, Depends(item_repository)]):
    try:
        await repo.ping()
    except Exception as exc:  # any store failure means "not ready", with the reason
        return JSONResponse(status_code=503, content={"status": "unavailable", "store": type(exc).__name__})
    return Ready(status="ok", store="ok")
