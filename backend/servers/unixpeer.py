"""Forwarded headers from Nginx over the unix socket.

Servers trust X-Forwarded-For/-Proto by peer address (``forwarded_allow_ips``, the proxy
network: servers/proxies.py). A unix-socket peer has no address (the ASGI scope's ``client``
is None), so over the socket the app would see neither the real client nor ``https``. The
socket sits in a volume that only Nginx and the app mount, so its peer is Nginx: this
middleware applies Nginx's headers (one X-Forwarded-For value, ``$remote_addr``, and
X-Forwarded-Proto) to such connections, and leaves every TCP connection to the server's own
trust rule.

servers/asgi.py puts it outermost when the app serves a unix socket.
"""

SCHEMES = {"http", "https"}


class UnixPeerProxyHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            if not client or not client[0]:  # a unix-socket peer: TCP peers always have an address
                scope = self.forwarded(scope)
        await self.app(scope, receive, send)

    @staticmethod
    def forwarded(scope: dict) -> dict:
        forwarded_for = forwarded_proto = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for = value.decode("latin-1")
            elif name == b"x-forwarded-proto":
                forwarded_proto = value.decode("latin-1").strip()
        scope = dict(scope)
        if forwarded_for:
            # Nginx sets one value ($remote_addr); of a list, the last hop is the one Nginx saw.
            host = forwarded_for.rsplit(",", 1)[-1].strip()
            if host:
                scope["client"] = (host, 0)
        if forwarded_proto in SCHEMES:
            scope["scheme"] = forwarded_proto.replace("http", "ws") if scope["type"] == "websocket" else forwarded_proto
        return scope
