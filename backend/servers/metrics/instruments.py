"""The server layer's metrics, defined once per process (import this only with APP_METRICS on).

The app's own prometheus-client metrics (the demo's store timings, app/store_metrics.py) land in
the same files and are exported with these: import this module first (servers/asgi.py does).

With PROMETHEUS_MULTIPROC_DIR set (every server the launcher starts), each value lives in a
per-process mmap file in that directory and the exporter sums the files; without it (unit tests,
the in-process cost measurement) values live in this process's default registry.

Every write in multiprocess mode asks prometheus-client's value class for the current pid (it
reopens its files after a fork). The stock class calls os.getpid(), a system call per write,
several per request; this module gives it the pid cached at start and refreshed in every forked
child (os.register_at_fork), which is what the call would return.
"""

import os

from prometheus_client import Counter, Gauge, Histogram, values

_pid = os.getpid()


def _refresh_pid() -> None:
    global _pid
    _pid = os.getpid()


def _current_pid() -> int:
    return _pid


if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and getattr(values.ValueClass, "_multiprocess", False):
    os.register_at_fork(after_in_child=_refresh_pid)
    values.ValueClass = values.MultiProcessValue(process_identifier=_current_pid)

# Latency of an API call: 1 ms (a cached read) up to 10 s (beyond which Nginx's 35 s timeout
# and the client matter more than the shape).
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "app_http_requests", "HTTP requests answered, by route template, method and status class",
    ["route", "method", "status"],
)  # fmt: skip
DURATION = Histogram(
    "app_http_request_duration_seconds", "Time from request to the end of the response body, by route template",
    ["route", "method"], buckets=HTTP_BUCKETS,
)  # fmt: skip
IN_PROGRESS = Gauge("app_http_requests_in_progress", "HTTP requests being handled now", multiprocess_mode="livesum")
WORKERS = Gauge("app_workers", "Worker processes serving now", multiprocess_mode="livesum")
WORKER_STARTS = Counter("app_worker_starts", "Worker processes started (the app's start-up ran)")
WORKER_EXITS = Counter(
    "app_worker_exits",
    "Worker processes ended, by cause: timeout, max_requests, reload, shutdown, crash (Gunicorn), unknown",
    ["cause"],
)
LOG_LINES_DROPPED = Counter("app_log_lines_dropped", "Log lines dropped because the log queue was full")
