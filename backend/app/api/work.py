"""Workload endpoints that server comparisons measure. Every parameter is bounded."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.schemas import CpuResult, WaitResult
from app.services.work import burn_cpu, wait_async, wait_blocking

router = APIRouter(prefix="/work", tags=["work"])

Millis = Annotated[int, Query(ge=0, le=2000, description="How long to wait, in milliseconds.")]


@router.get("/json")
async def json_hello() -> dict[str, str]:
    """TechEmpower's JSON test: a fresh small object serialized per request."""
    return {"message": "Hello, World!"}


@router.get("/cpu", response_model=CpuResult)
async def cpu(iterations: Annotated[int, Query(ge=1, le=100_000)] = 2_000) -> CpuResult:
    """CPU burn on the event loop: while it runs, this worker serves nothing else."""
    return CpuResult(iterations=iterations, digest=burn_cpu(iterations))


@router.get("/io", response_model=WaitResult)
async def io(ms: Millis = 50) -> WaitResult:
    """An awaited wait (like a call to another service): the worker serves others meanwhile."""
    await wait_async(ms)
    return WaitResult(waited_ms=ms)


@router.get("/blocking", response_model=WaitResult)
def blocking(ms: Millis = 50) -> WaitResult:
    """The sync-endpoint pitfall: each request holds one of the threadpool's threads (40 by default)."""
    wait_blocking(ms)
    return WaitResult(waited_ms=ms)
