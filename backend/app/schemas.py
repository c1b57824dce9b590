"""Pydantic models the API takes in and gives out."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_BLANKS = " \t\n\r\f\v"


def _strip(value: str | None) -> str | None:
    return value.strip(_BLANKS) if value is not None else None


# Lengths are checked on the text as sent, then surrounding blanks are removed: what the published
# schema says (maxLength on the raw string, at least one non-blank character) is what is enforced.
# No NUL character anywhere (Postgres text cannot hold one; the same rule on every store).
_NO_NUL = r"^[^\x00]*$"
Name = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=rf"^[^\x00]*[^{_BLANKS}\x00][^\x00]*$"),
    AfterValidator(_strip),
]
Description = Annotated[str | None, Field(max_length=1000, pattern=_NO_NUL), AfterValidator(_strip)]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = None


class Detail(BaseModel):
    """FastAPI's error body: {"detail": "..."}."""

    detail: str


class Item(BaseModel):
    id: int
    name: str
    description: str | None = None
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
