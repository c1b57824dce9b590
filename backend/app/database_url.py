"""APP_DATABASE_URL: which store, and where.

- ``sqlite:///<path>``: the embedded default, a file on the app's volume. Three slashes then the
  path, so ``sqlite:////data/app.db`` is the absolute ``/data/app.db``.
- ``postgresql://user@host:port/dbname`` (or ``postgres://``): a Postgres server. The password
  belongs in a file (APP_DATABASE_PASSWORD_FILE, a Docker secret), not in the URL; libpq's own
  query parameters (``?sslmode=require``...) pass through.

Parsing fails with a message that says what is wrong and never repeats a password.
"""

from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SQLITE_EXAMPLE = "sqlite:////data/app.db"
POSTGRES_EXAMPLE = "postgresql://app@postgres:5432/app"


@dataclass(frozen=True)
class SqliteUrl:
    path: Path

    store = "sqlite"

    def __str__(self) -> str:
        return f"sqlite:///{self.path}"


@dataclass(frozen=True)
class PostgresUrl:
    url: str  # as given; may carry a password, so it is never printed (see __str__)
    host: str
    port: str
    dbname: str
    user: str
    has_password: bool

    store = "postgres"

    def conninfo(self, password: str | None = None, **extra) -> str:
        """The libpq connection string, with the password (from its file) when given."""
        params = {"password": password} if password is not None else {}
        return make_conninfo(self.url, **params, **extra)

    def __str__(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


DatabaseUrl = SqliteUrl | PostgresUrl


def parse(url: str) -> DatabaseUrl:
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        raise ValueError(f"APP_DATABASE_URL is not a URL: use {SQLITE_EXAMPLE} or {POSTGRES_EXAMPLE}")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _sqlite(rest)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url.strip())
    raise ValueError(f"APP_DATABASE_URL: unsupported scheme {scheme!r}; use sqlite:///... or postgresql://...")


def _sqlite(rest: str) -> SqliteUrl:
    path = rest[1:] if rest.startswith("/") else None
    if not path or path.startswith(":memory:") or "?" in path:
        raise ValueError(
            f"APP_DATABASE_URL: a SQLite URL is sqlite:/// then a file path, e.g. {SQLITE_EXAMPLE}"
            " (an in-memory database would be a different store in every worker)"
        )
    return SqliteUrl(Path(path))


def _postgres(url: str) -> PostgresUrl:
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        # libpq's message may quote the URL, password included: say what is expected instead.
        raise ValueError(f"APP_DATABASE_URL is not a valid postgresql URL; expected e.g. {POSTGRES_EXAMPLE}") from None
    missing = [name for name in ("host", "dbname", "user") if not params.get(name)]
    if missing:
        raise ValueError(
            f"APP_DATABASE_URL: the postgresql URL names no {' and no '.join(missing)};"
            f" expected e.g. {POSTGRES_EXAMPLE} (user@host:port/dbname)"
        )
    port = str(params.get("port") or 5432)
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"APP_DATABASE_URL: port {port!r} is not a TCP port (1-65535)")
    return PostgresUrl(
        url=url,
        host=str(params["host"]),
        port=port,
        dbname=str(params["dbname"]),
        user=str(params["user"]),
        has_password=bool(params.get("password")),
    )
