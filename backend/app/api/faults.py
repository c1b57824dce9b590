"""Fault injection for the resilience tests; mounted only when APP_FAULT_INJECTION=true."""

import time
from typing import Annotated

from fastapi import APIRouter, Query

router = APIRouter(prefix="/_fault", tags=["faults"], include_in_schema=False)


@router.post("/hang")
async def hang(seconds: Annotated[float, Query(gt=0, le=120)] = 10) -> dict[str, float]:
    """Block this worker's event loop (a stuck C call, a sync client in async code, ...)."""
    time.sleep(seconds)  # deliberately blocking: that is the fault
    return {"hung_s": seconds}
