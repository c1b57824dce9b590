"""Comparison-only ASGI apps: in the runtime-compare image (the load test), never in the runtime."""
