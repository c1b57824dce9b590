"""The ASGI callable every server serves: ``servers.asgi:create_app`` (a factory, called once
per worker, after the fork).

It loads the app (servers/loading.py) and wraps it in what the bundle gives every app, outermost
first: forwarded headers over the unix socket, ``Connection: close`` while the worker drains, the
liveness probe, root_path under API_PREFIX, and the request observer (servers/middleware/
observe.py: request ids, the JSON access log, request metrics, each switchable). The last two
follow AppSettings (servers/settings.py); the first three are always there.
"""

import sys

from servers import logging as bundle_logging
from servers.loading import LoadError, load, project_on_path
from servers.middleware.drain import CloseWhileDraining
from servers.middleware.liveness import Liveness
from servers.middleware.observe import Observer
from servers.middleware.root_path import RootPath
from servers.settings import AppSettings, ServerSettings
from servers.unixpeer import UnixPeerProxyHeaders


def wrap(app, settings: AppSettings, unix_socket: bool = False):
    ids, log = settings.middleware and settings.request_id, settings.middleware and settings.access_log
    if ids or log or settings.metrics:
        app = Observer(app, request_id=ids, access_log=log, metrics=settings.metrics)
    if settings.root_path:
        app = RootPath(app, settings.root_path)
    app = CloseWhileDraining(Liveness(app))
    return UnixPeerProxyHeaders(app) if unix_socket else app


def create_app():
    settings, server = AppSettings(), ServerSettings()
    bundle_logging.configure(settings.log_level, settings.log_queue_max)  # before the app logs anything
    if settings.metrics:
        import servers.metrics.instruments  # noqa: F401, PLC0415 (before the app defines its own metrics)
    try:
        app = load(settings, project_on_path())
    except LoadError as exc:
        sys.exit(f"servers: {exc}")
    return wrap(app, settings, unix_socket=server.socket_path is not None)
