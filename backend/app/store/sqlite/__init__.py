"""SQLite in WAL mode, one connection per worker process."""
