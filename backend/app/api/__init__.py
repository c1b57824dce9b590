"""HTTP and WebSocket routes, all under /api."""

from fastapi import APIRouter

from app.api import docs, health, items, streams, upload

# Nginx limits /api to 20 requests/s per client address (nginx/conf.d/rate-limit.conf): any
# operation may answer 429, and the published contract says so.
router = APIRouter(
    prefix="/api",
    responses={429: {"description": "Too many requests from this address (Nginx's rate limit); retry later"}},
)
for module in (docs, health, items, streams, upload):
    router.include_router(module.router)
