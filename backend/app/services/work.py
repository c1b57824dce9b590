"""Workloads for server comparisons. Each one is bounded by its caller's validated input."""

import asyncio
import hashlib
import time


def burn_cpu(iterations: int) -> str:
    """A chain of SHA-256 over 32 bytes: pure CPU, holds the GIL, deterministic result."""
    digest = b"apibundle"
    for _ in range(iterations):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


async def wait_async(ms: int) -> None:
    await asyncio.sleep(ms / 1000)


def wait_blocking(ms: int) -> None:
    """Blocks the calling thread: run from a sync endpoint it occupies a threadpool thread."""
    time.sleep(ms / 1000)
