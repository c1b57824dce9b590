"""The liveness probe, answered by the server layer itself: ``GET /.bundle/live``.

"Is this worker's event loop serving?" needs no route in the app and must not depend on the
app's store: a store stall must not get every worker restarted (that is readiness, the app's
own APP_READY_PATH). Nginx proxies only API_PREFIX/..., so the probe is reachable on the app's
own port and socket only. The answer names the server and worker class (servers/runtime.py),
which the load test's verify step checks.
"""

import json
import os

from servers.middleware.types import ASGIApp, Receive, Scope, Send
from servers.runtime import server_info
from servers.settings import LIVE_PATH


class Liveness:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._body: bytes | None = None  # the same for the worker's whole life

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LIVE_PATH:
            return await self.app(scope, receive, send)
        if self._body is None:
            info = server_info()
            self._body = json.dumps(
                {"status": "ok", "server": info.server, "worker": info.worker, "pid": os.getpid()}
            ).encode()
        allowed = scope["method"] in ("GET", "HEAD")
        body = self._body if allowed else b'{"detail":"Method Not Allowed"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if not allowed:
            headers.append((b"allow", b"GET, HEAD"))
        await send({"type": "http.response.start", "status": 200 if allowed else 405, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
