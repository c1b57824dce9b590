"""The demo's application factory: ``app.main:create_app`` ([tool.fastapi] entrypoint in
backend/pyproject.toml). The bundle's server layer wraps it as it wraps any app, outermost first
(backend/servers/asgi.py): forwarded headers over the unix socket, ``Connection: close`` while
draining, the liveness probe, root_path, then one layer for request ids, the access log and
request metrics. CORS (app/cors.py), when on, is the app's own middleware, inside all of them."""

import asyncio
import contextlib
import itertools
import json
import logging
import math
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.routing import Match

from app.api import faults, router, work
from app.cors import Cors
from app.services.items import ItemNotFound
from app.settings import Settings, get_settings
from app.store import migrate
from app.store.connect import open_store
from app.store.idempotency import BadIdempotencyKey, IdempotencyKeyReused
from app.store.items import ItemRepository, StoreUnavailable
from app.store_metrics import instrumented
from servers.settings import AppSettings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The schema is the prestart's job (app/store/migrate.py); a worker only refuses a stale one.
        await asyncio.to_thread(migrate.check, settings, migrate.CONNECT_PATIENCE_S)
        store = await open_store(settings)  # opened in the worker, after any fork
        app.state.items = store.items
        if AppSettings().metrics:  # the bundle's server layer collects metrics (APP_METRICS): ours too
            app.state.items = instrumented(app.state.items)  # whichever store: counted and timed
        purge = asyncio.create_task(_purge_expired_keys(app.state.items, settings.idempotency_purge_interval_s))
        yield
        purge.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purge
        await store.close()

    app = FastAPI(
        title="apibundle",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,  # app/api/docs.py: Swagger UI from the bundle's own files
        redoc_url=None,
    )
    app.state.settings = settings
    app.include_router(router)
    if settings.workloads:
        app.include_router(work.router, prefix="/api", responses=router.responses)  # load-test workloads
    if settings.fault_injection:
        app.include_router(faults.router, prefix="/api")
    app.add_exception_handler(ItemNotFound, _not_found)
    app.add_exception_handler(BadIdempotencyKey, _problem(400, "Bad Idempotency-Key"))
    app.add_exception_handler(IdempotencyKeyReused, _problem(422, "Idempotency-Key reused with another request"))
    app.add_exception_handler(StoreUnavailable, _problem(503, "Store unavailable", retry_after_s=1))
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(405, _method_not_allowed)
    if settings.cors_origins:
        app.add_middleware(Cors, settings=settings)
    return app


async def _purge_expired_keys(items: ItemRepository, interval_s: float) -> None:
    """Every interval (jittered, so workers spread out), forget expired idempotency keys."""
    log = logging.getLogger("app.idempotency")
    while True:
        await asyncio.sleep(interval_s * random.uniform(0.5, 1.5))
        try:
            if purged := await items.purge_expired_keys():
                log.info("purged %d expired idempotency keys", purged)
        except Exception:  # a locked or busy database: try again next time
            log.warning("purging expired idempotency keys failed", exc_info=True)


def _problem(status: int, title: str, retry_after_s: int | None = None):
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        body = {"type": "about:blank", "title": title, "status": status, "detail": str(exc)}
        return JSONResponse(status_code=status, content=body, media_type="application/problem+json", headers=headers)

    return handler


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _routed(request: Request, method: str) -> bool:
    """Would a route answer this path with ``method``? (Starlette's own matching, nested routers too.)"""
    scope = {**request.scope, "method": method}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """405 with every method the path supports: Starlette's own Allow names only the first route
    that matched the path (POST /api/items hid GET /api/items), which RFC 9110 does not allow."""
    allow = ", ".join(m for m in _METHODS if _routed(request, m))
    return JSONResponse(status_code=405, content={"detail": "Method Not Allowed"}, headers={"Allow": allow})


async def _not_found(request: Request, exc: ItemNotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


# What a 422 may echo of the rejected input: at most ECHO_MAX_ERRORS errors, and of each error's
# `input` its JSON text up to ECHO_MAX_CHARS (or the value itself when it is that small and at
# most ECHO_MAX_DEPTH deep). A 1 MiB body of 15,000 wrong fields or one deeply nested value
# otherwise came back whole (MBs of response), or failed to encode (a 500 past ~300 levels).
ECHO_MAX_ERRORS = 20
ECHO_MAX_CHARS = 256
ECHO_MAX_DEPTH = 16


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 body, bounded and made safe to serialize: the errors echo the rejected
    `input`, which can hold what JSON cannot carry (NaN/Infinity parsed from `NaN` or `1e999`,
    lone surrogates such as "\\ud800"); the default handler then failed with a 500."""
    errors = list(exc.errors())
    shown = [_bounded(e) for e in errors[:ECHO_MAX_ERRORS]]
    if len(errors) > ECHO_MAX_ERRORS:
        more = len(errors) - ECHO_MAX_ERRORS
        shown.append({"type": "too_many_errors", "loc": ["body"], "msg": f"{more} more errors not shown"})
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(shown))})


def _bounded(error: dict) -> dict:
    if "input" not in error:
        return error
    preview, whole = _preview(error["input"])
    return error if whole else {**error, "input": preview[:ECHO_MAX_CHARS] + "\u2026"}


class _Text(str):
    """Punctuation in _preview's stack, told apart from string values."""


def _preview(value: Any) -> tuple[str, bool]:
    """(the start of ``value``'s JSON text, True if that is all of it and it is shallow enough to
    echo as is). Iterative and stopping at ECHO_MAX_CHARS: never a walk of the whole input, never
    Python recursion, whatever its size and depth."""
    out: list[str] = []
    size = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        if size > ECHO_MAX_CHARS:
            return "".join(out), False
        item, depth = stack.pop()
        if depth > ECHO_MAX_DEPTH:
            return "".join(out), False
        if isinstance(item, _Text):
            piece = str(item)
        elif isinstance(item, dict):  # at most ECHO_MAX_CHARS entries: more would not fit anyway
            piece = "{"
            stack.append((_Text("}"), depth))
            entries = list(itertools.islice(item.items(), ECHO_MAX_CHARS))
            for i, (k, v) in enumerate(reversed(entries)):
                stack.append((v, depth + 1))
                stack.append((_Text(f"{json.dumps(str(k)[:ECHO_MAX_CHARS])}: "), depth))
                if i < len(entries) - 1:
                    stack.append((_Text(", "), depth))
        elif isinstance(item, (list, tuple)):
            piece = "["
            stack.append((_Text("]"), depth))
            children = list(itertools.islice(item, ECHO_MAX_CHARS))
            for i, v in enumerate(reversed(children)):
                stack.append((v, depth + 1))
                if i < len(children) - 1:
                    stack.append((_Text(", "), depth))
        elif isinstance(item, str):
            piece = json.dumps(item[: ECHO_MAX_CHARS + 1])
        elif type(item) is int and item.bit_length() > 4096:  # past str()'s digit limit: its size
            piece = f'"{item.bit_length()}-bit integer"'
        elif item is None or isinstance(item, (bool, int, float)):
            piece = json.dumps(item)
        else:
            piece = json.dumps(str(item)[: ECHO_MAX_CHARS + 1])
        out.append(piece)
        size += len(piece)
    text = "".join(out)
    return text, size <= ECHO_MAX_CHARS


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "inf", "-inf", "nan"
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")  # "\ud800" -> "\\ud800"
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
