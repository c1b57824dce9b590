"""The test stack lives with the harness that also drives it (loadtest/stack.py)."""

from loadtest.stack import Stack, free_port

__all__ = ["Stack", "free_port"]
