"""Over the unix socket the peer is Nginx: its X-Forwarded-* headers count; over TCP they don't."""

import asyncio

import pytest

from servers.unixpeer import UnixPeerProxyHeaders


def seen(scope: dict) -> dict:
    got = {}

    async def app(scope, receive, send):
        got.update(scope)

    asyncio.run(UnixPeerProxyHeaders(app)(scope, None, None))
    return got


HEADERS = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]


@pytest.mark.parametrize("client", [None, ("", 0)])
def test_a_unix_socket_peer_gets_the_forwarded_client_and_scheme(client):
    scope = seen({"type": "http", "client": client, "scheme": "http", "headers": HEADERS})
    assert scope["client"] == ("203.0.113.7", 0) and scope["scheme"] == "https"


def test_websocket_scheme():
    assert seen({"type": "websocket", "client": None, "scheme": "ws", "headers": HEADERS})["scheme"] == "wss"


def test_tcp_peers_are_left_to_the_server():
    scope = seen({"type": "http", "client": ("172.20.0.1", 4000), "scheme": "http", "headers": HEADERS})
    assert scope["client"] == ("172.20.0.1", 4000) and scope["scheme"] == "http"


def test_without_headers_or_with_a_bogus_scheme_nothing_changes():
    scope = seen({"type": "http", "client": None, "scheme": "http", "headers": [(b"x-forwarded-proto", b"gopher")]})
    assert scope["client"] is None and scope["scheme"] == "http"
