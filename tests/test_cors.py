"""CORS through Nginx: the app's allow-list reaches the browser unchanged, preflights are
answered (204) and rate-limited apart from the API's requests, and responses vary by Origin."""

import time

import pytest

from tests.conftest import start_stack

pytestmark = pytest.mark.containers

ORIGIN = "https://app.example.org"


@pytest.fixture(scope="module")
def cors(certs, reports_dir, tmp_path_factory):
    stack = start_stack("prod", certs, reports_dir, tmp_path_factory, APP_CORS_ORIGINS=ORIGIN)
    yield stack
    stack.stop()


def _preflight(client, origin: str):
    return client.options(
        "/api/items",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type, idempotency-key"},
    )  # fmt: skip


def test_an_allowed_origin_gets_cors_headers(cors):
    r = cors.get("/api/health", headers={"Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "origin" in r.headers["vary"].lower()


def test_another_origin_gets_none(cors):
    r = cors.get("/api/health", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_preflight_is_204_with_the_allowed_methods_and_headers(cors):
    with cors.client() as c:
        r = _preflight(c, ORIGIN)
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "idempotency-key" in r.headers["access-control-allow-headers"].lower()


def test_preflights_are_counted_apart_from_the_api_rate(cors):
    # A browser sends a preflight before a cross-origin request: counted with the requests, they
    # would halve what a frontend may do. They have a zone of their own (the same 20 r/s, burst
    # 40 per address): 35 of each in well under 1.5 s would have seen 429s in one shared bucket.
    with cors.client() as c:
        start = time.monotonic()
        preflights = [_preflight(c, ORIGIN).status_code for _ in range(35)]
        gets = [c.get("/api/health").status_code for _ in range(35)]
        took = time.monotonic() - start
        assert took < 1.4, took
        assert set(preflights) == {204} and set(gets) == {200}, (preflights, gets)
        # ... but a flood of preflights is limited in its own zone (tests/test_limits.py).
        more = [_preflight(c, ORIGIN).status_code for _ in range(60)]
    assert 429 in more and set(more) <= {204, 429}, more


def test_without_origins_configured_there_are_no_cors_headers(prod):
    r = prod.get("/api/health", headers={"Origin": ORIGIN})
    assert not [h for h in r.headers if h.startswith("access-control-")]
