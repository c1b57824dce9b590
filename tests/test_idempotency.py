"""Idempotency keys through Nginx (draft-ietf-httpapi-idempotency-key-header): the rules hold at
the edge, on both stores, and Nginx's own request-id fallback (for clients that send no key)
still works."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.containers


def _key() -> str:
    return f"it-{uuid.uuid4()}"


def test_a_retried_create_returns_the_first_item(store_stack):
    key = _key()
    with store_stack.client() as c:
        first = c.post("/api/items", json={"name": "once"}, headers={"Idempotency-Key": f'"{key}"'})
        again = c.post("/api/items", json={"name": "once"}, headers={"Idempotency-Key": f'"{key}"'})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_a_reused_key_with_another_body_is_422(store_stack):
    key = _key()
    with store_stack.client() as c:
        first = c.post("/api/items", json={"name": "a"}, headers={"Idempotency-Key": key})
        other = c.post("/api/items", json={"name": "b"}, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    assert other.status_code == 422 and other.headers["content-type"] == "application/problem+json"
    assert "different request body" in other.json()["detail"]


@pytest.mark.parametrize("key", ["x" * 129, "no spaces", "semi;colon"])
def test_a_malformed_key_is_400(store_stack, key):
    with store_stack.client() as c:
        r = c.post("/api/items", json={"name": "a"}, headers={"Idempotency-Key": key})
    assert r.status_code == 400 and r.json()["title"] == "Bad Idempotency-Key"


def test_without_a_key_each_create_is_its_own_item(store_stack):
    # Nginx sends its request id as the key: two client requests are two requests.
    with store_stack.client() as c:
        ids = {c.post("/api/items", json={"name": "same"}).json()["id"] for _ in range(2)}
    assert len(ids) == 2


def test_racing_creates_with_one_key_store_one_item(store_stack):
    # The store's unique constraint decides, not a check before the insert: 8 clients at once,
    # spread over both workers, get one item between them.
    key, body = _key(), {"name": "raced"}

    def create(_):
        with store_stack.client() as c:
            return c.post("/api/items", json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(create, range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
