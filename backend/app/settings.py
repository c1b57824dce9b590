"""Application settings, read once from the environment (prefix ``APP_``)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore", env_ignore_empty=True)

    environment: Literal["dev", "prod", "test"] = "prod"
    database_path: Path = Path("/data/app.db")
    # Kept equal to Nginx's client_max_body_size so the app enforces it when reached directly.
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    max_websocket_message_bytes: int = Field(default=64 * 1024, ge=1, le=16 * 1024 * 1024)
    # How long an Idempotency-Key is remembered, and how often expired keys are purged.
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=1, le=30 * 24 * 3600)
    idempotency_purge_interval_s: float = Field(default=300, gt=0, le=24 * 3600)
    access_log: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Lines waiting to be written; beyond this they are dropped and counted (/api/health).
    log_queue_max: int = Field(default=10_000, ge=100, le=1_000_000)
    # Off only to measure what the bundle's own middleware costs (see loadtest/).
    middleware: bool = True
    # Prometheus metrics (app/metrics/), served on their own port by servers/exporter.py; off
    # = no middleware, no store timing, no exporter (the load test measures both).
    metrics: bool = True
    # CORS: origins allowed to call the API from a browser (comma-separated), empty = no CORS
    # headers at all. Credentials (cookies, Authorization) only with explicit origins.
    cors_origins: Annotated[list[str], NoDecode] = []
    cors_allow_credentials: bool = False
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
