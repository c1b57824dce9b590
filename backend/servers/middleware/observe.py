"""The request observer: request ids, the access log and the request metrics, in one pure-ASGI
layer that watches each response once.

Per HTTP request it takes the status and the time to the last body message once, and feeds:
  request id  the one Nginx sends (X-Request-ID), or a new one; set for every log line of the
              request (servers/logging.py's context variable) and echoed on the response.
              WebSocket connections get an id for their log lines too.
  access log  one JSON line per request (servers/logging.py's ``access``): method, path,
              status, duration_ms, client.
  metrics     count, latency and in-progress by route template (servers/middleware/metrics.py).
Each can be off (AppSettings: APP_REQUEST_ID, APP_ACCESS_LOG, APP_MIDDLEWARE for both, and
APP_METRICS); servers/asgi.py leaves the layer out when all are.

The request is recorded when its last body message goes out (before it is sent: a scrape right
after the client has the response sees it), or, when the app raises or the client leaves
before the body ended, as the app returns, with the status sent so far (500 when none was:
what the server answers). Three layers each wrapping ``send`` cost three coroutine frames and
three closures per request; this is one (``make middleware-cost``).
"""

import itertools
import os
import re
import time

from servers import logging as bundle_logging
from servers.middleware.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
_VALID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")
_request_id = bundle_logging.request_id
_access = bundle_logging.access
_clock = time.perf_counter


class _Ids:
    """32-hex ids like Nginx's: a random per-process prefix and a counter (no syscall per id)."""

    def __init__(self) -> None:
        self._pid = -1

    def next(self) -> str:
        if self._pid != os.getpid():  # a forked worker gets its own prefix
            self._pid, self._prefix, self._count = os.getpid(), os.urandom(8).hex(), itertools.count()
        return f"{self._prefix}{next(self._count):016x}"


_new_id = _Ids().next


def incoming_id(scope: Scope) -> str:
    """The request's valid X-Request-ID, or a new id."""
    for name, value in scope["headers"]:
        if name == HEADER and _VALID.match(value):
            return value.decode()
    return _new_id()


def with_id(headers, encoded: bytes) -> list:
    """The response headers with ours as the only X-Request-ID."""
    for name, _ in headers:
        if name.lower() == HEADER:  # the app set one: ours replaces it
            return [(k, v) for k, v in headers if k.lower() != HEADER] + [(HEADER, encoded)]
    return [*headers, (HEADER, encoded)]


class Observer:
    def __init__(self, app: ASGIApp, *, request_id: bool, access_log: bool, metrics: bool) -> None:
        self.app, self.ids, self.log = app, request_id, access_log
        self.metrics = None
        if metrics:
            from servers.middleware import metrics as recorder  # noqa: PLC0415 (metrics on only)

            self.metrics = recorder
            recorder.worker_started()
            recorder.in_progress()

    def _lifespan(self, receive: Receive) -> Receive:
        async def watched() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                self.metrics.worker_stopping()
            return message

        return watched

    async def _other(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.ids:
            token = _request_id.set(incoming_id(scope))
            try:
                return await self.app(scope, receive, send)
            finally:
                _request_id.reset(token)
        if scope["type"] == "lifespan" and self.metrics is not None:
            receive = self._lifespan(receive)
        return await self.app(scope, receive, send)

    def _done(self, scope: Scope, status: int, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.record(scope, status, seconds)
        if self.log:
            client = scope.get("client")
            _access(scope["method"], scope["path"], status, seconds, client[0] if client else None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self._other(scope, receive, send)
        start = _clock()
        ids = self.ids
        if ids:
            rid = incoming_id(scope)
            token = _request_id.set(rid)
            encoded = rid.encode()
        if self.metrics is not None:
            self.metrics.enter()
        status = 500  # what the server answers if the app raises before responding
        done = False

        async def observed(message: Message) -> None:
            nonlocal status, done
            if message["type"] == "http.response.start":
                status = message["status"]
                if ids:
                    message["headers"] = with_id(message.get("headers", ()), encoded)
            elif not done and not message.get("more_body", False):  # the body's last message
                done = True
                self._done(scope, status, _clock() - start)
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            if not done:  # the app raised, or the client left before the body ended
                self._done(scope, status, _clock() - start)
            if ids:
                _request_id.reset(token)
