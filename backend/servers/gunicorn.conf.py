"""Gunicorn (prod): a process manager over Uvicorn workers (uvicorn_worker.UvicornWorker, with
the short shutdown drain of servers/draining.py).

Every value comes from ServerSettings (environment), so Gunicorn and direct Uvicorn share knobs.
"""

import os

from servers import compat, gunicorn_metrics
from servers.metrics import multiprocess
from servers.proxies import trusted_proxies
from servers.settings import AppSettings, ServerSettings
from servers.workers import worker_count

_s = ServerSettings()

# The app factory (servers/asgi.py: the project's app, wrapped), called once per worker.
wsgi_app = "servers.asgi:create_app()"
# The unix socket Nginx uses when there is one, and TCP: on every address when Nginx comes over
# TCP, else on the container's loopback only (probes from inside it; servers/settings.py tcp_host).
bind = [f"{_s.tcp_host}:{_s.port}"] + ([f"unix:{_s.socket_path}"] if _s.socket_path else [])
workers = worker_count(_s.web_concurrency, _s.max_workers)
worker_class = "servers.draining.DrainingUvicornWorker"

# The largest WebSocket message (Gunicorn's own asgi worker; Uvicorn's: servers/draining.py).
websocket_max_message_size = _s.ws_max_size

# Idle keep-alive longer than Nginx's upstream keepalive_timeout (60 s): Nginx closes first.
keepalive = _s.keepalive
# A worker whose event loop stops answering the heartbeat this long is killed and replaced.
timeout = _s.timeout
# Fits inside compose's stop_grace_period (30 s): in-flight requests finish before SIGKILL.
graceful_timeout = _s.graceful_timeout
# Recycle workers (leaks, fragmentation); jitter keeps them from restarting all at once.
max_requests = _s.max_requests
max_requests_jitter = _s.max_requests_jitter
# The heartbeat file lives in memory, not on a (possibly slow or read-only) disk.
worker_tmp_dir = "/dev/shm"
# Only the proxy network may set X-Forwarded-For/Proto.
forwarded_allow_ips = trusted_proxies(_s.forwarded_allow_ips, compat.trusts_networks())

# Gunicorn 24+'s control socket (gunicornc) would sit in the app user's home, the read-only
# project folder; the container is controlled by signals (SIGHUP, SIGTERM) instead.
control_socket_disable = True

accesslog = None  # the app logs each request itself, with its request id
errorlog = "-"
loglevel = _s.log_level
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "servers.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": _s.log_level.upper()},
    "loggers": {"gunicorn.error": {"handlers": [], "propagate": True, "level": _s.log_level.upper()}},
}

# Metrics (APP_METRICS): the launcher wiped PROMETHEUS_MULTIPROC_DIR and started the exporter;
# these hooks record why each worker ended and drop its live gauges (servers/gunicorn_metrics.py).
if AppSettings().metrics and os.environ.get(multiprocess.ENV):
    import servers.metrics.instruments  # noqa: F401 (now, not in the master's first child_exit)

    on_reload = gunicorn_metrics.on_reload
    child_exit = gunicorn_metrics.child_exit
    worker_exit = gunicorn_metrics.worker_exit
