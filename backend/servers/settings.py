"""App-server knobs, shared by every server the launcher can start.

Timeouts are set against Nginx's: the app keeps idle connections longer (75 s) than Nginx's
upstream keepalive_timeout (60 s), so Nginx always closes first and never reuses a connection
the app is closing (a 502 race). Graceful shutdown (25 s) fits inside compose's
stop_grace_period (30 s).
"""

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Server = Literal["gunicorn", "uvicorn", "gunicorn-asgi", "granian"]


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVER_", extra="ignore", env_ignore_empty=True)

    # The ASGI app factory to serve; app.raw:create_app is the bare-ASGI ceiling used by loadtest/.
    app: str = Field(default="app.main:create_app", pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
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
    timeout: int = Field(default=30, ge=1, le=3600, description="Gunicorn: a silent worker is killed after this.")
    graceful_timeout: int = Field(default=25, ge=1, le=3600)
    max_requests: int = Field(default=10_000, ge=0, description="Recycle a worker after this many requests; 0: never.")
    max_requests_jitter: int = Field(default=1_000, ge=0)
    # "connected": the subnets this container sits on, i.e. the proxy network in the bundle.
    forwarded_allow_ips: str = "connected"
    reload: bool = False
    reload_dir: str = "/srv/backend/app"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @property
    def socket_path(self) -> str | None:
        """The unix socket to serve on (besides TCP, where the server can bind both), or None.
        servers/healthcheck.py repeats this rule without pydantic (it must stay cheap)."""
        return self.uds if self.upstream == "unix" and self.replicas == 1 else None
