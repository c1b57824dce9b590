"""Application settings, read once from the environment (prefix ``APP_``)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # Never on in a real deployment: adds /api/_fault/* so resilience tests can hang a worker.
    fault_injection: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
