"""While a worker drains (servers/draining.py), every response it sends says ``Connection: close``.

A draining worker keeps its idle keep-alive connections open for a moment instead of closing
them at once: Nginx may be writing a request on one of them right then, and a POST that meets a
closed socket is a 502 (Nginx never replays a non-idempotent request). Whatever arrives in that
moment is answered, and the header makes the server close that connection once it has. Outside a
drain this costs one attribute read per request.
"""

from servers.middleware.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = (b"connection", b"close")


class _State:
    __slots__ = ("draining",)

    def __init__(self) -> None:
        self.draining = False


state = _State()


class CloseWhileDraining:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not state.draining:
            return await self.app(scope, receive, send)

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), CLOSE]
            await send(message)

        await self.app(scope, receive, send_closing)
