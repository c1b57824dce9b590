"""Postgres through psycopg 3 (async), one connection pool per worker process."""
