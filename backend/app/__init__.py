"""The FastAPI application: api (routers) -> services -> store (repository)."""
