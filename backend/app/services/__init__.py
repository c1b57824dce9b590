"""Business rules between the routers and the store."""
