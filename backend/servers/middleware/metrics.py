"""Request metrics: count, latency and in-progress, labelled by route template.

What the request observer (servers/middleware/observe.py) records when metrics are on; it
imports this module only then (the instruments must not exist with metrics off).

Labels stay bounded: the route is the template the router matched (``/api/items/{item_id}``,
never the raw path), every path no route matched shares ``unmatched``, an unknown method is
``other``, the status is its class (``2xx``). The route is known only after the router ran, so
the request is recorded when its last body message goes out: before the client can have the
whole response (a scrape right after it sees the count), and after everything else the app did.

Cheap on purpose (``make middleware-cost``): a request costs one dict lookup for its series
and five writes straight into this worker's metric files (app/metrics/cells.py): the counter,
one histogram bucket and its sum, and the in-progress gauge up and down. The gauge is written
as each request starts and ends: no task per worker wakes up to publish it, so an idle worker
costs nothing here, and a scrape reads the exact count.
"""

import os
from bisect import bisect_left

from servers.metrics import instruments as m
from servers.metrics.cells import MmapCell, cell, pack_two_doubles
from servers.middleware.types import Scope

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
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
        self.mmap = isinstance(self.count, MmapCell)  # multiprocess mode: record inlines the writes


# Cells write to the process that made them: every forked child makes its own.
_series: dict[tuple[str, str, int], _Series] = {}
_gauge: list = []  # the in-progress gauge's cell, made on first use in each process
os.register_at_fork(after_in_child=lambda: (_series.clear(), _gauge.clear()))


def in_progress():
    """This process's in-progress gauge (a cell: app/metrics/cells.py)."""
    if not _gauge:
        _gauge.append(cell(m.IN_PROGRESS._value))
    return _gauge[0]


def enter() -> None:
    """A request starts: in progress until ``record`` counts it out."""
    (_gauge[0] if _gauge else in_progress()).inc(1)


def worker_started() -> None:
    """This worker serves (called once per worker, as servers/asgi.py builds its app)."""
    from servers import logging as bundle_logging  # noqa: PLC0415

    m.WORKER_STARTS.inc()
    m.WORKERS.set(1)
    bundle_logging.on_drop(m.LOG_LINES_DROPPED.inc)


def worker_stopping() -> None:
    """The server began this worker's shutdown (ASGI lifespan): no longer counted as serving."""
    m.WORKERS.set(0)
    gauge = in_progress()
    gauge.inc(-gauge.total if isinstance(gauge, MmapCell) else -gauge.get())


def record(scope: Scope, status: int, seconds: float) -> None:
    """Count and time one request, and count it out of the in-progress gauge. The hot path of
    the whole module: one call, no others on the way (each Python call here is ~0.1-0.3 us of
    the few us the metrics cost in the app)."""
    method = scope["method"]
    if method not in METHODS:
        method = "other"  # a client may send any token as a method: the label set stays bounded
    context = scope.get("fastapi", _NO_STATE).get("effective_route_context")
    route = getattr(context, "path_format", None) or route_template(scope)
    series = _series.get((route, method, status))
    if series is None:
        series = _series[route, method, status] = _Series(route, method, status_class(status))
    bucket = series.buckets[bisect_left(_BOUNDS, seconds)]  # the first bound >= seconds, as observe()
    gauge = _gauge[0]
    if series.mmap:  # MmapCell.inc, inlined
        count, total = series.count, series.sum
        count.total += 1.0
        pack_two_doubles(count.file._m, count.pos, count.total, 0.0)
        bucket.total += 1.0
        pack_two_doubles(bucket.file._m, bucket.pos, bucket.total, 0.0)
        total.total += seconds
        pack_two_doubles(total.file._m, total.pos, total.total, 0.0)
        gauge.total -= 1.0
        pack_two_doubles(gauge.file._m, gauge.pos, gauge.total, 0.0)
    else:
        series.count.inc(1)
        bucket.inc(1)
        series.sum.inc(seconds)
        gauge.inc(-1)
