"""Serve an app whose routes sit at its own root under API_PREFIX (API_STRIP_PREFIX=true).

Nginx forwards /api/notes as it is; this sets ASGI's ``root_path`` to the prefix, the convention
Uvicorn's ``--root-path`` follows since 0.26: ``path`` keeps the whole path and ``root_path``
names the part the app does not route on. Starlette (FastAPI) routes /notes, and builds its
URLs (the docs page's OpenAPI link, redirects, ``url_for``) with the prefix. One place for every
server (Gunicorn's UvicornWorker, ``-k asgi``, Uvicorn, Granian), rather than four flags.
"""

from servers.middleware.types import ASGIApp, Receive, Scope, Send


class RootPath:
    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app, self.prefix = app, prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not scope.get("root_path"):
            path = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                scope = {**scope, "root_path": self.prefix}
        await self.app(scope, receive, send)
