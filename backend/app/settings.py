"""Application settings, read once from the environment (prefix ``APP_``)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.database_url import DatabaseUrl, PostgresUrl, parse
from servers.settings import or_exit

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore", env_ignore_empty=True)

    environment: Literal["dev", "prod", "test"] = "prod"
    # The store (app/database_url.py): sqlite:///<path> (default: the file below) or postgresql://...
    database_url: str | None = None
    database_path: Path = Path("/data/app.db")  # the SQLite file when APP_DATABASE_URL is unset
    # Postgres only: the password, from a file (a Docker secret), never from the URL in compose.
    database_password_file: Path | None = None
    # Postgres only: each worker process has its own pool of this size, so the server sees up
    # to replicas x workers x max_size connections (keep it under max_connections, 100).
    database_pool_min_size: int = Field(default=1, ge=0, le=100)
    database_pool_max_size: int = Field(default=4, ge=1, le=100)
    # How long a request waits for a free pooled connection before it gets a 503.
    database_pool_timeout_s: float = Field(default=5, gt=0, le=300)
    database_connect_timeout_s: int = Field(default=5, ge=1, le=300)
    # Check a pooled connection that sat idle (1 s or more) before lending it (one round trip):
    # after Postgres restarts, requests get fresh connections instead of errors on broken ones.
    database_pool_check: bool = True
    # Nginx's client_max_body_size for /api/upload (nginx/demo/locations.conf) is this, so the
    # app enforces it when reached directly (tests/app/test_written_twice.py ties the two).
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    max_websocket_message_bytes: int = Field(default=64 * 1024, ge=1, le=16 * 1024 * 1024)
    # How long an Idempotency-Key is remembered, and how often expired keys are purged.
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=1, le=30 * 24 * 3600)
    idempotency_purge_interval_s: float = Field(default=300, gt=0, le=24 * 3600)
    # CORS: origins allowed to call the API from a browser (comma-separated), empty = no CORS
    # headers at all. Credentials (cookies, Authorization) only with explicit origins.
    cors_origins: Annotated[list[str], NoDecode] = []
    cors_allow_credentials: bool = False
    # The load-test workloads (/api/work/*: CPU burn, blocking and async waits, JSON): routed
    # only when on (the load-test topologies set it), never in a production deployment.
    workloads: bool = False
    # Never on in a real deployment: adds /api/_fault/* so resilience tests can hang a worker.
    fault_injection: bool = False

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path)")
        return origins

    @model_validator(mode="after")
    def _store_is_usable(self) -> "Settings":
        """Fail at start with a clear message: an unusable URL, a missing or unreadable password."""
        target = self.database
        if isinstance(target, PostgresUrl):
            if target.has_password and self.database_password_file:
                raise ValueError(
                    "APP_DATABASE_URL carries a password and APP_DATABASE_PASSWORD_FILE is set too: keep one"
                    " (the file: a URL ends up in logs and process listings)"
                )
            if not target.has_password and not self.database_password_file:
                raise ValueError(
                    f"{target} needs a password: set APP_DATABASE_PASSWORD_FILE to a file holding it"
                    " (compose: the postgres_password secret, made by scripts/secrets.sh)"
                )
            self.database_password()  # readable and not empty, now rather than in every worker
        if self.database_pool_min_size > self.database_pool_max_size:
            raise ValueError("APP_DATABASE_POOL_MIN_SIZE is larger than APP_DATABASE_POOL_MAX_SIZE")
        return self

    @property
    def database(self) -> DatabaseUrl:
        return parse(self.database_url or f"sqlite:///{self.database_path}")

    def database_password(self) -> SecretStr | None:
        """The Postgres password from APP_DATABASE_PASSWORD_FILE (first line), or None."""
        path = self.database_password_file
        if path is None:
            return None
        try:
            password = path.read_text().splitlines()[:1]
        except OSError as exc:
            raise ValueError(f"APP_DATABASE_PASSWORD_FILE {path}: cannot read it ({exc.strerror})") from None
        if not password or not password[0]:
            raise ValueError(f"APP_DATABASE_PASSWORD_FILE {path} is empty")
        return SecretStr(password[0])

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> "Settings":
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError(
                "APP_CORS_ORIGINS='*' with APP_CORS_ALLOW_CREDENTIALS=true: browsers refuse credentials for a"
                " wildcard origin; list the origins explicitly"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_or_exit(who: str) -> Settings:
    """The settings, or exit with one line per problem (servers.settings.or_exit)."""
    return or_exit(who, get_settings)
