"""Gunicorn's side of the metrics: why each worker ended, and its live gauges dropped at once.

Hooks for gunicorn.conf.py (installed only with APP_METRICS on). Gunicorn's master reaps every
worker and calls ``child_exit``; the cause is what the master knows of it:
  timeout   it killed the worker for a silent heartbeat (``worker.aborted``)
  reload    the worker was serving when a reload (SIGHUP) began
  shutdown  the master is stopping (its listeners are closed)
  crash     none of those: a signal from outside (the OOM killer, an operator), an error
and ``max_requests`` the worker counts itself in ``worker_exit`` (it runs in the worker, which
knows it stopped at its request limit); ``child_exit`` then leaves that exit to it.

State is module-level: a reload re-reads gunicorn.conf.py, but this module stays imported.
"""

import os

from servers.metrics import multiprocess

_reloading: set[int] = set()


def on_reload(arbiter) -> None:
    """Called before the new workers spawn: every worker now is an old one."""
    _reloading.update(arbiter.WORKERS)


def cause(arbiter, worker) -> str:
    if getattr(worker, "aborted", False):
        return "timeout"
    if worker.pid in _reloading:
        _reloading.discard(worker.pid)
        return "reload"
    if not arbiter.LISTENERS:
        return "shutdown"
    return "crash"


def child_exit(arbiter, worker) -> None:
    """In the master, once the worker is reaped."""
    multiprocess.record_exit(os.environ[multiprocess.ENV], worker.pid, cause(arbiter, worker))


def worker_exit(arbiter, worker) -> None:
    """In the worker, as it ends: an exit at the request limit is counted as max_requests."""
    if reached_max_requests(worker):
        from servers.metrics import instruments  # noqa: PLC0415 (the worker's own file)

        instruments.WORKER_EXITS.labels("max_requests").inc()


def reached_max_requests(worker) -> bool:
    server = getattr(worker, "uvicorn_server", None)  # servers/draining.py keeps it
    if server is not None:
        limit = server.config.limit_max_requests
        return bool(limit) and server.server_state.total_requests >= limit and not server.should_exit
    max_requests = getattr(worker, "max_requests", 0)
    return 0 < max_requests <= getattr(worker, "nr", 0)  # Gunicorn's own workers count in nr
