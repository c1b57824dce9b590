"""Idempotency keys through the API (draft-ietf-httpapi-idempotency-key-header): fingerprint,
expiry, purge. The key's parsing: tests/store/test_idempotency.py."""

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store.migrate import migrate_sqlite as migrate


def test_same_key_same_body_returns_the_first_item_as_200(client):
    headers = {"Idempotency-Key": "order-1"}
    first = client.post("/api/items", json={"name": "a", "description": "d"}, headers=headers)
    # Same content, other formatting and key order: the same request.
    again = client.post(
        "/api/items",
        content=b'{ "description": "d",  "name": "a" }',
        headers={**headers, "content-type": "application/json"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_same_key_other_body_is_422_problem_and_stores_nothing(client):
    headers = {"Idempotency-Key": "order-2"}
    first = client.post("/api/items", json={"name": "a"}, headers=headers)
    other = client.post("/api/items", json={"name": "b"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    problem = other.json()
    assert problem["status"] == 422 and "different request body" in problem["detail"]
    assert [i["id"] for i in client.get("/api/items").json()["items"]] == [first.json()["id"]]
    # The first request can still be retried.
    assert client.post("/api/items", json={"name": "a"}, headers=headers).status_code == 200


def test_structured_field_string_and_bare_token_are_the_same_key(client):
    first = client.post("/api/items", json={"name": "a"}, headers={"Idempotency-Key": '"8e03978e-40d5"'})
    again = client.post("/api/items", json={"name": "a"}, headers={"Idempotency-Key": "8e03978e-40d5"})
    assert (first.status_code, again.status_code) == (201, 200)


@pytest.fixture
def short_ttl(settings):
    fast = settings.model_copy(update={"idempotency_ttl_s": 1, "idempotency_purge_interval_s": 0.2})
    with TestClient(create_app(fast)) as c:
        yield c, fast.database_path


def test_an_expired_key_creates_a_new_item(short_ttl):
    client, _ = short_ttl
    headers = {"Idempotency-Key": "order-3"}
    first = client.post("/api/items", json={"name": "a"}, headers=headers).json()
    time.sleep(1.1)
    again = client.post("/api/items", json={"name": "other"}, headers=headers)
    assert again.status_code == 201 and again.json()["id"] != first["id"]


def test_expired_keys_are_purged_in_the_background_and_items_stay(short_ttl):
    client, db = short_ttl
    ids = [client.post("/api/items", json={"name": f"n{i}"}, headers={"Idempotency-Key": f"k{i}"}).json()["id"]
           for i in range(3)]  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            left = conn.execute("SELECT count(*) FROM items WHERE idempotency_key IS NOT NULL").fetchone()[0]
        if left == 0:
            break
        time.sleep(0.2)
    assert left == 0
    assert [i["id"] for i in client.get("/api/items").json()["items"]] == ids


def _version_1_db(path, created_at: str) -> None:
    with sqlite3.connect(path) as conn:  # a version-1 database with two keyed items
        conn.executescript(
            "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, description TEXT,"
            " created_at TEXT NOT NULL, idempotency_key TEXT UNIQUE); PRAGMA user_version = 1;"
        )
        conn.execute("INSERT INTO items (name, created_at, idempotency_key) VALUES ('old', ?, 'old')",
                     ("2026-01-01T10:00:00.5+00:00",))  # fmt: skip
        conn.execute("INSERT INTO items (name, created_at, idempotency_key) VALUES ('new', ?, 'new')", (created_at,))


def test_migration_keeps_earlier_keys_alive_for_a_day_after_their_item(tmp_path):
    db_path = tmp_path / "old.db"
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    _version_1_db(db_path, an_hour_ago)
    assert migrate(db_path) == [2]
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT idempotency_fingerprint, idempotency_expires_at FROM items ORDER BY id").fetchall()
    assert rows[0][0] is None and rows[0][1].startswith("2026-01-02T10:00:00.500")
    with TestClient(create_app(Settings(environment="test", database_path=db_path))) as client:
        # No fingerprint was stored before: any body replays the first item while its key lives...
        replay = client.post("/api/items", json={"name": "other"}, headers={"Idempotency-Key": "new"})
        # ... and a key whose day is over is free again.
        fresh = client.post("/api/items", json={"name": "other"}, headers={"Idempotency-Key": "old"})
    assert (replay.status_code, replay.json()["name"]) == (200, "new")
    assert fresh.status_code == 201 and fresh.json()["id"] not in (1, 2)


def test_openapi_documents_the_idempotent_create(client):
    op = client.get("/api/openapi.json").json()["paths"]["/api/items"]["post"]
    assert {"200", "201", "400", "422"} <= set(op["responses"])
    (header,) = [p for p in op["parameters"] if p["name"] == "idempotency-key"]
    assert "pattern" in header["schema"] or any("pattern" in s for s in header["schema"].get("anyOf", []))


def test_an_empty_key_is_no_key_as_at_nginx(client):
    ids = {client.post("/api/items", json={"name": "a"}, headers={"Idempotency-Key": ""}).json()["id"] for _ in "ab"}
    assert len(ids) == 2
