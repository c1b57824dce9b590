"""A minimal raw ASGI app: the same JSON as /api/work/json with no framework at all.

The load-test harness serves it on the same server to measure the server's ceiling, and so
what the framework costs. It answers only what the harness needs: health, readiness, JSON.
"""

import json

from servers.middleware.types import Receive, Scope, Send
from servers.runtime import server_info

_JSON = [(b"content-type", b"application/json")]


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    path = scope["path"]
    if path == "/api/work/json":
        await _respond(send, 200, json.dumps({"message": "Hello, World!"}).encode())
    elif path == "/api/health":
        info = server_info()
        body = {"status": "ok", "server": info.server, "worker": info.worker, "worker_pid": info.worker_pid}
        await _respond(send, 200, json.dumps(body).encode())
    elif path == "/api/health/ready":
        await _respond(send, 200, b'{"status": "ok", "store": "none"}')
    else:
        await _respond(send, 404, b'{"detail": "Not Found"}')


def create_app():
    return app
