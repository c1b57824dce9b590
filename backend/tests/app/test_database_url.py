"""APP_DATABASE_URL and the Postgres password settings: parsed, or refused with a clear message."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.database_url import PostgresUrl, SqliteUrl, parse
from app.settings import Settings


@pytest.mark.parametrize(
    "url, path",
    [("sqlite:////data/app.db", "/data/app.db"), ("sqlite:///rel/app.db", "rel/app.db"), ("SQLITE:////x.db", "/x.db")],
)
def test_sqlite_urls_name_a_file(url, path):
    assert parse(url) == SqliteUrl(Path(path))


def test_postgres_url_parts_and_conninfo():
    target = parse("postgresql://app@postgres:5432/app?sslmode=disable")
    assert isinstance(target, PostgresUrl)
    assert (target.host, target.port, target.dbname, target.user, target.has_password) == (
        "postgres", "5432", "app", "app", False,
    )  # fmt: skip
    conninfo = target.conninfo("p w'x", connect_timeout=5)
    assert "password='p w\\'x'" in conninfo and "sslmode=disable" in conninfo and "connect_timeout=5" in conninfo
    assert str(target) == "postgresql://app@postgres:5432/app"
    assert parse("postgres://u@h/d").port == "5432"


@pytest.mark.parametrize(
    "url, says",
    [
        ("/data/app.db", "not a URL"),
        ("mysql://u@h/d", "unsupported scheme 'mysql'"),
        ("sqlite://", "sqlite:/// then a file path"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql://postgres:5432", "names no dbname and no user"),
        ("postgresql://u@h:99999/d", "not a TCP port"),
        ("postgresql://u:hunter2@h/d?nosuch=1", "not a valid postgresql URL"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url, says):
    with pytest.raises(ValueError, match=says) as exc:
        parse(url)
    assert "hunter2" not in str(exc.value)


def test_default_store_is_the_sqlite_file(tmp_path):
    assert Settings(database_path=tmp_path / "a.db").database == SqliteUrl(tmp_path / "a.db")


@pytest.fixture
def password_file(tmp_path) -> Path:
    path = tmp_path / "pw"
    path.write_text("s3cret\nignored\n")
    return path


def test_postgres_password_comes_from_its_file(password_file):
    s = Settings(database_url="postgresql://app@db/app", database_password_file=password_file)
    assert s.database_password().get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s) and "s3cret" not in str(s.database)


@pytest.mark.parametrize(
    "kw, says",
    [
        ({"database_url": "postgresql://app@db/app"}, "needs a password"),
        ({"database_url": "postgresql://app@db/app", "database_password_file": "/nonexistent"}, "cannot read it"),
        ({"database_url": "postgresql://app:pw@db/app", "database_password_file": "FILE"}, "keep one"),
        ({"database_url": "postgresql://app@db/app", "database_password_file": "EMPTY"}, "is empty"),
        ({"database_url": "nope"}, "not a URL"),
        ({"database_pool_min_size": 5, "database_pool_max_size": 2}, "MIN_SIZE is larger"),
        ({"database_pool_max_size": 0}, "greater than or equal to 1"),
    ],
)
def test_misconfigured_store_fails_fast(kw, says, password_file, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("")
    swap = {"FILE": password_file, "EMPTY": empty}
    kw = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in kw.items()}
    with pytest.raises(ValidationError, match=says):
        Settings(**kw)


def test_the_launcher_and_migrate_exit_with_one_clean_line(monkeypatch):
    from app.settings import get_settings, settings_or_exit

    monkeypatch.setenv("APP_DATABASE_URL", "postgresql://app:hunter2@db/app")
    monkeypatch.setenv("APP_DATABASE_PASSWORD_FILE", "/nonexistent")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exc:
            settings_or_exit("migrate")
    finally:
        get_settings.cache_clear()
    message = str(exc.value)
    assert message.startswith("migrate: invalid settings:") and "keep one" in message
    assert "hunter2" not in message and "\n" not in message
