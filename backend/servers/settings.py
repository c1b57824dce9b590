"""App-server knobs, shared by every server the launcher can start.

Timeouts are set against Nginx's: the app keeps idle connections longer (75 s) than Nginx's
upstream keepalive_timeout (60 s), so Nginx always closes first and never reuses a connection
the app is closing (a 502 race). Graceful shutdown (25 s) fits inside compose's
stop_grace_period (30 s).
"""

import sys
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

T = TypeVar("T")

Server = Literal["gunicorn", "uvicorn", "gunicorn-asgi", "granian"]


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVER_", extra="ignore", env_ignore_empty=True)

    host: str = "0.0.0.0"
    port: int = Field(default=8000, ge=1, le=65535)
    # How Nginx reaches this app: "unix" = a unix socket in a volume shared with Nginx (same
    # host, one app container: cheaper per request than TCP), "tcp" = host:port. Nginx's
    # entrypoint decides the same way from APP_UPSTREAM and APP_REPLICAS (compose passes both
    # to both sides): several replicas share the volume but not a socket, so they use TCP.
    upstream: Literal["tcp", "unix"] = "tcp"
    replicas: int = Field(default=1, ge=1, le=256)
    # The metrics exporter's port (servers/exporter.py), on the internal network only.
    metrics_port: int = Field(default=9100, ge=1, le=65535)
    uds: str = Field(default="/run/app/app.sock", pattern=r"^/[\w./-]+$", max_length=100)
    # The de-facto standard names, as Gunicorn and the official images read them.
    web_concurrency: int | None = Field(default=None, ge=1, le=256, validation_alias=AliasChoices("WEB_CONCURRENCY"))
    max_workers: int | None = Field(default=None, ge=1, le=256, validation_alias=AliasChoices("MAX_WORKERS"))
    keepalive: int = Field(default=75, ge=1, le=3600)
    # The largest WebSocket message the server takes, in bytes: Uvicorn's ws_max_size (its own
    # default, 16 MiB, is held in memory per message before the app can refuse it), Gunicorn
    # asgi's websocket_max_message_size. A larger one is closed with 1009 before the app sees it.
    ws_max_size: int = Field(default=64 * 1024, ge=1, le=16 * 1024 * 1024)
    timeout: int = Field(default=30, ge=1, le=3600, description="Gunicorn: a silent worker is killed after this.")
    graceful_timeout: int = Field(default=25, ge=1, le=3600)
    max_requests: int = Field(default=10_000, ge=0, description="Recycle a worker after this many requests; 0: never.")
    max_requests_jitter: int = Field(default=1_000, ge=0)
    # "connected": the subnets this container sits on, i.e. the proxy network in the bundle.
    forwarded_allow_ips: str = "connected"
    reload: bool = False
    # Run APP_PRESTART in the launcher before the server (where no `migrate` service does).
    run_prestart: bool = False
    reload_dir: str = "/srv/app"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @property
    def tcp_host(self) -> str:
        """Where the TCP listener binds: with a unix socket for Nginx, the container's loopback
        only (probes and diagnostics from inside it), so no neighbour on the backend network can
        reach the app around Nginx, whose addresses the app trusts for X-Forwarded-For."""
        return "127.0.0.1" if self.socket_path else self.host

    @property
    def socket_path(self) -> str | None:
        """The unix socket to serve on (besides TCP, where the server can bind both), or None.
        servers/healthcheck.py repeats this rule without pydantic (it must stay cheap)."""
        return self.uds if self.upstream == "unix" and self.replicas == 1 else None


# Paths the server layer answers itself, before the app (servers/middleware/liveness.py). Nginx
# proxies only API_PREFIX/..., so no client reaches them through the edge.
LIVE_PATH = "/.bundle/live"
_PATH = r"^/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$"


class AppSettings(BaseSettings):
    """The app the bundle serves, and what the server layer adds around it (every switch on by
    default; each can be turned off). The app's own settings are its business: they reach its
    container from APP_DIR/.env or APP_ENV_FILE and never pass through here."""

    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore", env_ignore_empty=True, populate_by_name=True)

    # package.module:attr, an ASGI app or a factory returning one. Unset: [tool.fastapi]
    # entrypoint in the project's pyproject.toml, else main:app (servers/loading.py).
    # SERVER_APP is the older name.
    module: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        validation_alias=AliasChoices("APP_MODULE", "SERVER_APP"),
    )
    # auto: a plain function that takes no argument is a factory; an app object (FastAPI,
    # Starlette) or an ``async def app(scope, receive, send)`` is the app.
    factory: Literal["auto", "true", "false"] = "auto"
    # What the container's readiness healthcheck asks (a path the app answers with 200 when it
    # can serve, e.g. /api/health/ready); unset: the liveness probe, which needs no route.
    ready_path: str | None = Field(default=None, pattern=_PATH, max_length=512)
    # Where Nginx sends requests to the app (API_PREFIX/...: the app sees the full path).
    api_prefix: str = Field(default="/api", pattern=r"^(/[A-Za-z0-9._~-]+)+$", validation_alias="API_PREFIX")
    # true: the app's routes sit at its own root (most apps'); the server serves them under
    # API_PREFIX with ASGI's root_path, so docs and links carry the prefix. false: the app's
    # routes already include the prefix (the demo's).
    api_strip_prefix: bool = Field(default=False, validation_alias="API_STRIP_PREFIX")
    # What the server layer wraps the app in (servers/asgi.py); APP_MIDDLEWARE=false turns off
    # request ids and the access log together (the load test's baseline).
    middleware: bool = True
    request_id: bool = True
    access_log: bool = True
    # Prometheus metrics, served on their own port by servers/exporter.py; off = no middleware,
    # no exporter (the load test measures both).
    metrics: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Lines waiting to be written; beyond this they are dropped and counted (app_log_lines_dropped).
    log_queue_max: int = Field(default=10_000, ge=100, le=1_000_000)
    # A command run once before any worker starts (e.g. `alembic upgrade head`): the compose
    # `migrate` service runs it; with SERVER_RUN_PRESTART=true the launcher does (no such service).
    prestart: str | None = Field(default=None, max_length=4096)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value):
        return value.upper() if isinstance(value, str) else value

    @property
    def root_path(self) -> str:
        return self.api_prefix if self.api_strip_prefix else ""


def or_exit(who: str, make: Callable[[], T]) -> T:
    """`make()`, or exit with one line per problem: pydantic's own message would repeat every
    input, a database URL's password included."""
    try:
        return make()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        sys.exit(f"{who}: invalid settings: {problems}")
