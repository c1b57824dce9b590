"""CORS: an allow-list from settings; nothing when it is empty; never '*' with credentials."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import create_app
from app.settings import Settings

ORIGIN = "https://app.example.org"


@pytest.fixture
def cors_client(settings):
    with TestClient(create_app(settings.model_copy(update={"cors_origins": [ORIGIN]}))) as c:
        yield c


def preflight(client, origin: str, method: str = "POST", headers: str = "content-type, idempotency-key"):
    return client.options(
        "/api/items",
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def test_no_cors_headers_by_default(client):
    r = client.get("/api/health", headers={"Origin": ORIGIN})
    assert not [h for h in r.headers if h.startswith("access-control-")]


def test_an_allowed_origin_gets_the_headers_and_vary(cors_client):
    r = cors_client.get("/api/health", headers={"Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    assert "origin" in r.headers["vary"].lower()


def test_another_origin_gets_no_cors_headers(cors_client):
    r = cors_client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_preflight_is_204_with_explicit_methods_and_headers(cors_client):
    r = preflight(cors_client, ORIGIN)
    assert r.status_code == 204 and r.content == b""
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert set(r.headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "DELETE", "OPTIONS"}
    assert "idempotency-key" in r.headers["access-control-allow-headers"].lower()
    assert r.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in r.headers


@pytest.mark.parametrize(
    "origin, method, headers",
    [("https://evil.example", "POST", "content-type"), (ORIGIN, "PUT", "content-type"), (ORIGIN, "POST", "x-evil")],
)
def test_a_preflight_outside_the_lists_is_refused(cors_client, origin, method, headers):
    # A browser needs an OK status to go on: a 400 with the reason stops the cross-origin request.
    r = preflight(cors_client, origin, method, headers)
    assert r.status_code == 400 and r.text.startswith("Disallowed CORS")


def test_origins_come_from_the_environment_comma_separated(monkeypatch):
    monkeypatch.setenv("APP_CORS_ORIGINS", "https://a.example, http://localhost:5173")
    assert Settings().cors_origins == ["https://a.example", "http://localhost:5173"]


def test_wildcard_with_credentials_refuses_to_start(monkeypatch):
    monkeypatch.setenv("APP_CORS_ORIGINS", "*")
    monkeypatch.setenv("APP_CORS_ALLOW_CREDENTIALS", "true")
    with pytest.raises(ValidationError, match="list the origins explicitly"):
        Settings()


@pytest.mark.parametrize("bad", ["example.org", "https://a.example/path", "ftp://a.example", "https://a.example;x"])
def test_an_origin_must_be_an_origin(monkeypatch, bad):
    monkeypatch.setenv("APP_CORS_ORIGINS", bad)
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings()
