"""Store metrics: every repository operation counted (ok/error) and timed, whatever the store.

``instrumented(repository)`` returns a stand-in whose public coroutine methods (add, get, page,
delete, ping, purge_expired_keys, ...) are timed wrappers of the repository's own; anything else
passes through. It wraps at the one place the app builds its repository (app/main.py), so the
SQLite and any other repository are measured the same way, with nothing in the stores.
"""

import functools
import inspect
import time
from typing import Any, TypeVar

from app.metrics import instruments as m

R = TypeVar("R")


def _timed(name: str, method):
    ok = m.STORE_OPERATIONS.labels(name, "ok")
    error = m.STORE_OPERATIONS.labels(name, "error")
    duration = m.STORE_DURATION.labels(name)

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
