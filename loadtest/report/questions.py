"""The questions the report answers, and the topology pairs that answer them.

These are the only topology names the report knows: a topology not named here still gets
its table rows, charts and label (from results.json), just no pairwise question.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    a: str
    b: str
    key: str  # the card this pair feeds
    text: str


GUNICORN, NGINX, WORKERS, ALTERNATIVES, MIDDLEWARE, STATIC = (
    "gunicorn", "nginx", "workers", "alternatives", "middleware", "static",
)  # fmt: skip

QUESTIONS = [
    Question("nginx-gunicorn", "nginx-uvicorn", GUNICORN, "Do I need Gunicorn? (behind Nginx)"),
    Question("gunicorn", "uvicorn", GUNICORN, "Do I need Gunicorn? (no Nginx)"),
    Question("nginx-gunicorn-unix", "gunicorn", NGINX, "Do I need Nginx? (proxy tax, unix socket: the prod default)"),
    Question("nginx-gunicorn", "gunicorn", NGINX, "Do I need Nginx? (proxy tax over TCP: replicas, remote app)"),
    Question("nginx-gunicorn-unix", "nginx-gunicorn", NGINX, "Does a unix-socket upstream help? (vs TCP)"),
    Question("nginx-uvicorn", "nginx-uvicorn-1", WORKERS, "Do several workers help?"),
    Question("nginx-gunicorn-asgi", "nginx-gunicorn", ALTERNATIVES, "Gunicorn's own asgi worker vs UvicornWorker"),
    Question("nginx-granian", "nginx-gunicorn", ALTERNATIVES, "Granian vs Gunicorn + UvicornWorker"),
    Question("gunicorn", "gunicorn-nomw", MIDDLEWARE, "What does the middleware cost?"),
    Question("gunicorn", "gunicorn-nometrics", MIDDLEWARE, "What do the Prometheus metrics cost?"),
]

# Topologies and scenarios the overhead ratios need.
API_SCENARIO = "api-json"
APP_SCENARIO = "app"  # a user's app (APP_DIR): its own requests stand where the demo's JSON endpoint does
API_SCENARIOS = (API_SCENARIO, APP_SCENARIO)
STATIC_SCENARIO = "static"
DIRECT = "gunicorn"


def api_scenario(names) -> str:
    """The scenario the overhead ratios use: the demo's JSON endpoint, else a user app's."""
    names = set(names)
    return API_SCENARIO if API_SCENARIO in names or APP_SCENARIO not in names else APP_SCENARIO


PROXIED = "nginx-gunicorn"  # over TCP
PROXIED_PROD = "nginx-gunicorn-unix"  # the prod profile's default: a unix socket
NO_MIDDLEWARE = "gunicorn-nomw"
NO_METRICS = "gunicorn-nometrics"
RAW_ASGI = "gunicorn-raw"
