"""Launcher: ``python -m servers {gunicorn|uvicorn|gunicorn-asgi|granian}``.

Sets up the store schema once, before any worker exists, then replaces itself with the
chosen server (exec), which becomes PID 1's child-free successor and receives signals directly.
"""

import os
import sys
from typing import get_args

from app.settings import get_settings
from app.store.schema import migrate
from servers.proxies import trusted_proxies
from servers.settings import Server, ServerSettings
from servers.workers import worker_count

GUNICORN_CONF = os.path.join(os.path.dirname(__file__), "gunicorn.conf.py")


def gunicorn(s: ServerSettings) -> list[str]:
    return ["gunicorn", "--config", GUNICORN_CONF]


def gunicorn_asgi(s: ServerSettings) -> list[str]:
    """Gunicorn's own ASGI worker instead of Uvicorn's: the alternative users pick."""
    return ["gunicorn", "--config", GUNICORN_CONF, "--worker-class", "asgi"]


def uvicorn(s: ServerSettings) -> list[str]:
    argv = [
        "uvicorn", s.app, "--factory",
        "--host", s.host, "--port", str(s.port),
        "--proxy-headers", "--forwarded-allow-ips", trusted_proxies(s.forwarded_allow_ips),
        "--timeout-keep-alive", str(s.keepalive),
        "--timeout-graceful-shutdown", str(s.graceful_timeout),
        "--no-access-log", "--log-level", s.log_level,
    ]  # fmt: skip
    if s.reload:
        return [*argv, "--reload", "--reload-dir", s.reload_dir]
    if s.max_requests:
        argv += ["--limit-max-requests", str(s.max_requests)]
        argv += ["--limit-max-requests-jitter", str(s.max_requests_jitter)]
    return [*argv, "--workers", str(worker_count(s.web_concurrency, s.max_workers))]


def granian(s: ServerSettings) -> list[str]:
    return [
        "granian", "--interface", "asgi", "--factory", s.app,
        "--host", s.host, "--port", str(s.port),
        "--workers", str(worker_count(s.web_concurrency, s.max_workers)),
        "--http", "1", "--respawn-failed-workers",
        "--workers-kill-timeout", str(s.graceful_timeout),
        "--log-level", s.log_level,
    ]  # fmt: skip


COMMANDS = {"gunicorn": gunicorn, "uvicorn": uvicorn, "gunicorn-asgi": gunicorn_asgi, "granian": granian}


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in COMMANDS:
        sys.exit(f"usage: python -m servers {{{'|'.join(get_args(Server))}}}")
    for name in ("WEB_CONCURRENCY", "MAX_WORKERS"):
        if os.environ.get(name) == "":
            del os.environ[name]  # "unset", as the settings read it; Gunicorn would fail on ""
    settings = ServerSettings()
    migrate(get_settings().database_path)
    command = COMMANDS[argv[0]](settings)
    os.environ["SERVER_RELOAD"] = "true" if settings.reload and argv[0] == "uvicorn" else "false"
    print(f"exec: {' '.join(command)}", file=sys.stderr, flush=True)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
