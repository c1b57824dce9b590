"""Launcher: ``python -m servers {gunicorn|uvicorn|gunicorn-asgi|granian}``, for any ASGI app.

Checks that the app can be found (servers/loading.py, in a throw-away process) and that the
installed server supports what was asked (servers/compat.py), runs APP_PRESTART where no
`migrate` service does (SERVER_RUN_PRESTART), empties the metrics directory and starts the
metrics exporter (servers/exporter.py), then replaces itself with the chosen server (exec),
which takes this pid (PID 1 in the container) and receives signals directly. Every server
serves servers.asgi:create_app, the app wrapped in what the bundle adds.
"""

import os
import socket
import subprocess
import sys
import tempfile
from typing import get_args

from servers import compat, prestart
from servers.metrics import multiprocess
from servers.settings import AppSettings, Server, ServerSettings, or_exit
from servers.workers import worker_count

GUNICORN_CONF = os.path.join(os.path.dirname(__file__), "gunicorn.conf.py")


def gunicorn(s: ServerSettings) -> list[str]:
    return ["gunicorn", "--config", GUNICORN_CONF]


def gunicorn_asgi(s: ServerSettings) -> list[str]:
    """Gunicorn's own ASGI worker instead of Uvicorn's: the alternative users pick."""
    return ["gunicorn", "--config", GUNICORN_CONF, "--worker-class", "asgi"]


APP_FACTORY = "servers.asgi:create_app"  # the user's app, wrapped (servers/asgi.py)


def bind(s: ServerSettings) -> list[str]:
    """Uvicorn and Granian bind one address: the unix socket when there is one, else TCP."""
    return ["--uds", s.socket_path] if s.socket_path else ["--host", s.host, "--port", str(s.port)]


def uvicorn(s: ServerSettings) -> list[str]:
    """Uvicorn's CLI through servers/uvicorn_cli.py, which resolves the trusted proxies in process."""
    argv = [
        sys.executable, "-m", "servers.uvicorn_cli", APP_FACTORY, "--factory", *bind(s),
        "--proxy-headers", "--forwarded-allow-ips", s.forwarded_allow_ips,
        "--timeout-keep-alive", str(s.keepalive),
        "--timeout-graceful-shutdown", str(s.graceful_timeout),
        "--ws-max-size", str(s.ws_max_size),
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
        "granian", "--interface", "asgi", "--factory", APP_FACTORY, *bind(s),
        "--workers", str(worker_count(s.web_concurrency, s.max_workers)),
        "--http", "1", "--respawn-failed-workers",
        "--workers-kill-timeout", str(s.graceful_timeout),
        "--log-level", s.log_level,
    ]  # fmt: skip


def claim_socket(path: str) -> None:
    """Refuse to take over a unix socket another live server answers on (two app containers on
    one volume would silently replace each other's); remove a stale one (a crash or a restart
    leaves it in the volume, and `uvicorn --uds` will not bind over it)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        return
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)
            return
    sys.exit(f"{path} is served by another process: several app replicas need APP_UPSTREAM=tcp")


def start_exporter(server: str) -> None:
    """Metrics: empty the multiprocess directory (no worker exists yet) and start the exporter
    beside the server (servers/exporter.py). Gunicorn's hooks count worker exits; for the
    others the exporter does, from the pids it finds dead."""
    path = multiprocess.directory() or tempfile.mkdtemp(prefix="apibundle-metrics-")
    os.environ[multiprocess.ENV] = path  # every worker inherits it
    multiprocess.wipe(path)
    mode = "hooks" if server.startswith("gunicorn") else "sweep"
    subprocess.Popen([sys.executable, "-m", "servers.exporter", mode])  # outlives this exec: its parent


def check_app() -> None:
    """Find the app in a throw-away process (importing it here would import it into the
    master before the fork): a wrong APP_MODULE is one line and a failed start, not a boot loop."""
    if subprocess.run([sys.executable, "-m", "servers.loading"]).returncode != 0:
        sys.exit(1)


COMMANDS = {"gunicorn": gunicorn, "uvicorn": uvicorn, "gunicorn-asgi": gunicorn_asgi, "granian": granian}


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in COMMANDS:
        sys.exit(f"usage: python -m servers {{{'|'.join(get_args(Server))}}}")
    for name in ("WEB_CONCURRENCY", "MAX_WORKERS"):
        if os.environ.get(name) == "":
            del os.environ[name]  # "unset", as the settings read it; Gunicorn would fail on ""
    settings, app_settings = or_exit("servers", lambda: (ServerSettings(), AppSettings()))
    problem = compat.unavailable(argv[0])
    if problem:
        sys.exit(f"servers: {problem}")
    check_app()
    if settings.run_prestart and app_settings.prestart:
        prestart.run_or_exit(app_settings.prestart)
    if settings.socket_path:
        claim_socket(settings.socket_path)
    if app_settings.metrics:
        start_exporter(argv[0])
    else:
        os.environ.pop(multiprocess.ENV, None)  # nothing writes metric files
    command = COMMANDS[argv[0]](settings)
    os.environ["SERVER_RELOAD"] = "true" if settings.reload and argv[0] == "uvicorn" else "false"
    print(f"exec: {' '.join(command)}", file=sys.stderr, flush=True)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
