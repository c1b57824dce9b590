"""Request metrics: count, latency and in-progress, labelled by route template (pure ASGI).

Labels stay bounded: the route is the template the router matched (``/api/items/{item_id}``,
never the raw path), every path no route matched shares ``unmatched``, an unknown method is
``other``, the status is its class (``2xx``). The route is known only after the router ran, so
the request is recorded when its last body message goes out: before the client can have the
whole response (a scrape right after it sees the count), and after everything else the app did.

Cheap on purpose (``make middleware-cost``, target <= 5 % of the JSON endpoint): a request
costs two clock reads, one dict lookup for its series, and three writes straight into this
worker's metric files (the counter, one histogram bucket and its sum; app/metrics/cells.py).
Requests in progress are a plain integer here, published to the gauge every
IN_PROGRESS_INTERVAL_S by ``publish_in_progress`` (a gauge is a sample anyway; two file
writes per request for it cost more than the rest together).
"""

import asyncio
import os
import time
from bisect import bisect_left

from servers.metrics import instruments as m
from servers.metrics.cells import MmapCell, cell, pack_two_doubles
from servers.middleware.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
IN_PROGRESS_INTERVAL_S = 0.5
_BOUNDS = tuple(m.HTTP_BUCKETS)
_NO_STATE: dict = {}


def route_template(scope: Scope) -> str:
    """The template of the route that answered, as the router left it in the scope, or UNMATCHED.

    FastAPI (0.16x) routes an included router's path itself and keeps the whole template
    (prefixes included) in its per-request ``scope["fastapi"]`` state; ``scope["route"]`` is the
    route as its router declared it (no prefix), which is all a plain Starlette app leaves."""
    context = scope.get("fastapi", _NO_STATE).get("effective_route_context")
    path = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    return path if isinstance(path, str) else UNMATCHED


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


class _Series:
    """The cells of one (route, method, status): the counter, the histogram's per-bucket
    counts (one per bound, then +Inf) and its sum. prometheus-client's ``labels(...).observe()``
    validates labels and searches buckets on every call; this does it once per label set."""

    __slots__ = ("buckets", "count", "mmap", "sum")

    def __init__(self, route: str, method: str, status: str) -> None:
        self.count = cell(m.REQUESTS.labels(route, method, status)._value)
        histogram = m.DURATION.labels(route, method)
        self.buckets = [cell(b) for b in histogram._buckets]
        self.sum = cell(histogram._sum)
        self.mmap = isinstance(self.count, MmapCell)  # multiprocess mode: _record inlines the writes


_series: dict[tuple[str, str, int], _Series] = {}
os.register_at_fork(after_in_child=_series.clear)  # cells write to the process that made them


class _InProgress:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


in_progress = _InProgress()


def worker_started() -> None:
    """This worker serves (called once per worker, as servers/asgi.py builds its app)."""
    from servers import logging as bundle_logging  # noqa: PLC0415

    m.WORKER_STARTS.inc()
    m.WORKERS.set(1)
    bundle_logging.on_drop(m.LOG_LINES_DROPPED.inc)


def worker_stopping() -> None:
    """The server began this worker's shutdown (ASGI lifespan): no longer counted as serving."""
    m.WORKERS.set(0)
    m.IN_PROGRESS.set(0)


async def publish_in_progress(interval_s: float = IN_PROGRESS_INTERVAL_S) -> None:
    """Copy the in-progress count to its gauge every interval (runs for the worker's life)."""
    while True:
        m.IN_PROGRESS.set(in_progress.n)
        await asyncio.sleep(interval_s)


def _record(scope: Scope, status: int, seconds: float) -> None:
    """Count and time one request. The hot path of the whole module: one call, no others on the
    way (each Python call here was ~0.3 us of the ~4 us the middleware costs in the app)."""
    method = scope["method"]
    if method not in METHODS:
        method = "other"  # a client may send any token as a method: the label set stays bounded
    context = scope.get("fastapi", _NO_STATE).get("effective_route_context")
    route = getattr(context, "path_format", None) or route_template(scope)
    series = _series.get((route, method, status))
    if series is None:
        series = _series[route, method, status] = _Series(route, method, status_class(status))
    bucket = series.buckets[bisect_left(_BOUNDS, seconds)]  # the first bound >= seconds, as observe()
    if series.mmap:  # MmapCell.inc, inlined
        count, total = series.count, series.sum
        count.total += 1.0
        pack_two_doubles(count.file._m, count.pos, count.total, 0.0)
        bucket.total += 1.0
        pack_two_doubles(bucket.file._m, bucket.pos, bucket.total, 0.0)
        total.total += seconds
        pack_two_doubles(total.file._m, total.pos, total.total, 0.0)
    else:
        series.count.inc(1)
        bucket.inc(1)
        series.sum.inc(seconds)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._publisher: asyncio.Task | None = None

    def _lifespan(self, receive: Receive) -> Receive:
        async def watched() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                if self._publisher is not None:
                    self._publisher.cancel()
                worker_stopping()
            return message

        return watched

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                receive = self._lifespan(receive)
            return await self.app(scope, receive, send)
        if self._publisher is None:  # the first request: the worker's event loop runs now
            self._publisher = asyncio.get_running_loop().create_task(publish_in_progress())
        start = time.perf_counter()
        in_progress.n += 1
        status = 500  # what the server answers if the app raises before responding
        done = False

        async def send_and_record(message: Message) -> None:
            nonlocal status, done
            if message["type"] == "http.response.start":
                status = message["status"]
            elif not message.get("more_body", False) and not done:  # the body's last message
                done = True
                in_progress.n -= 1
                _record(scope, status, time.perf_counter() - start)
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if not done:  # the app raised, or the client left before the body ended
                in_progress.n -= 1
                _record(scope, status, time.perf_counter() - start)
