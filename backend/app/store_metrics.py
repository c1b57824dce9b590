"""Store metrics: every repository operation counted (ok/error) and timed, whatever the store.

``instrumented(repository)`` returns a stand-in whose public coroutine methods (add, get, page,
delete, ping, purge_expired_keys, ...) are timed wrappers of the repository's own; anything else
passes through. It wraps at the one place the app builds its repository (app/main.py), so the
SQLite and any other repository are measured the same way, with nothing in the stores. These are
the demo's own prometheus-client metrics: the bundle's server layer exports them with its own
(every worker's files in PROMETHEUS_MULTIPROC_DIR), as it would any app's.
"""

import functools
import inspect
import time
from typing import Any, TypeVar

from prometheus_client import Counter, Histogram

# One store statement or transaction: 0.1 ms (SQLite, page cache) up to a 5 s busy timeout.
STORE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
STORE_OPERATIONS = Counter(
    "app_store_operations", "Store (repository) operations, by operation and outcome", ["operation", "outcome"]
)
STORE_DURATION = Histogram(
    "app_store_operation_duration_seconds", "Store (repository) operation latency", ["operation"],
    buckets=STORE_BUCKETS,
)  # fmt: skip

R = TypeVar("R")


def _timed(name: str, method):
    ok = STORE_OPERATIONS.labels(name, "ok")
    error = STORE_OPERATIONS.labels(name, "error")
    duration = STORE_DURATION.labels(name)

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            result = await method(*args, **kwargs)
        except BaseException:
            error.inc()
            raise
        finally:
            duration.observe(time.perf_counter() - start)
        ok.inc()
        return result

    return call


class InstrumentedRepository:
    """A repository whose coroutine methods are counted and timed; attribute access otherwise
    reaches the wrapped repository (``wrapped`` is it)."""

    def __init__(self, repository: Any) -> None:
        self.wrapped = repository
        for name, method in inspect.getmembers(repository, inspect.iscoroutinefunction):
            if not name.startswith("_"):
                setattr(self, name, _timed(name, method))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def instrumented(repository: R) -> R:
    """The repository, counted and timed (typed as the repository: it answers the same calls)."""
    return InstrumentedRepository(repository)  # type: ignore[return-value]
