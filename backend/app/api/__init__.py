"""HTTP and WebSocket routes, all under /api."""

from fastapi import APIRouter

from app.api import health, items, streams, upload, work

router = APIRouter(prefix="/api")
for module in (health, items, work, streams, upload):
    router.include_router(module.router)
