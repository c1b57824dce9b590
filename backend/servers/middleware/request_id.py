"""Take the request id Nginx sends (X-Request-ID), or make one; echo it on the response."""

import itertools
import os
import re

from servers.logging import request_id
from servers.middleware.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
_VALID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")


class _Ids:
    """32-hex ids like Nginx's: a random per-process prefix and a counter (no syscall per id)."""

    def __init__(self) -> None:
        self._pid = -1

    def next(self) -> str:
        if self._pid != os.getpid():  # a forked worker gets its own prefix
            self._pid, self._prefix, self._count = os.getpid(), os.urandom(8).hex(), itertools.count()
        return f"{self._prefix}{next(self._count):016x}"


_new_id = _Ids().next


def _incoming(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and _VALID.match(value):
            return value.decode()
    return _new_id()


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        rid = _incoming(scope)
        token = request_id.set(rid)
        encoded = rid.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*headers, (HEADER, encoded)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
