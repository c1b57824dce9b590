"""Pydantic models the API takes in and gives out."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)


class Item(ItemIn):
    id: int
    created_at: datetime


class Problem(BaseModel):
    """An RFC 9457 problem detail (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class ItemPage(BaseModel):
    items: list[Item]
    next_after: int | None = Field(description="Pass as `after` to get the next page; null on the last page.")


class Health(BaseModel):
    status: str
    server: str
    worker: str
    worker_pid: int
    environment: str
    reload: bool
    client: str | None = Field(description="The client address as the app sees it (after trusted proxy headers).")
    scheme: str
    log_lines_dropped: int = Field(description="Log lines this worker dropped because its log queue was full.")


class Ready(BaseModel):
    status: str
    store: str


class UploadReceipt(BaseModel):
    size: int
    sha256: str


class CpuResult(BaseModel):
    iterations: int
    digest: str


class WaitResult(BaseModel):
    waited_ms: int
