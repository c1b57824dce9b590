"""CORS for a frontend on another origin: an explicit allow-list, never a wildcard with credentials.

Starlette's CORSMiddleware does the protocol (it adds ``Vary: Origin``, so no cache mixes up
origins); this subclass answers a preflight with 204 No Content instead of 200 "OK" — a
preflight has no body to give.
"""

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from app.settings import Settings

METHODS = ["GET", "POST", "DELETE", "OPTIONS"]  # what the API has
HEADERS = ["Content-Type", "Idempotency-Key", "X-Request-ID"]  # what a browser client needs to send
EXPOSED = ["X-Request-ID"]
PREFLIGHT_MAX_AGE_S = 600


class Cors(CORSMiddleware):
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(
            app,
            allow_origins=settings.cors_origins,
            allow_methods=METHODS,
            allow_headers=HEADERS,
            allow_credentials=settings.cors_allow_credentials,
            expose_headers=EXPOSED,
            max_age=PREFLIGHT_MAX_AGE_S,
        )

    def preflight_response(self, request_headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 200:
            return response  # a refused preflight keeps Starlette's 400 and its reason
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return Response(status_code=204, headers=headers)
