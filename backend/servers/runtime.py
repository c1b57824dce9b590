"""Which app server runs this process, told from the modules it has loaded.

The launcher (``python -m servers``) execs the server in place, so the server's own modules
are the ground truth: Granian and Gunicorn import themselves into every worker; Gunicorn's
worker class shows as ``uvicorn_worker`` (UvicornWorker) or not (its own ``-k asgi``).
Gunicorn also needs its own command line (``gunicorn ...`` or ``python -m gunicorn``), because
merely importing it (the worker class module, a test) does not make a process a Gunicorn worker.
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerInfo:
    server: str
    worker: str
    worker_pid: int
    reload: bool


def _command_is(name: str) -> bool:
    """``name`` ran as a script (/usr/local/bin/name) or as a module (.../name/__main__.py)."""
    return name in Path(sys.argv[0] if sys.argv else "").parts[-2:]


def server_info() -> ServerInfo:
    modules = sys.modules
    if "granian" in modules:
        server, worker = "granian", "granian"
    elif "gunicorn" in modules and _command_is("gunicorn"):
        server = "gunicorn"
        worker = "uvicorn" if "uvicorn_worker" in modules else "asgi"
    else:
        server, worker = "uvicorn", "uvicorn"
    reload = os.environ.get("SERVER_RELOAD", "").lower() in {"1", "true", "yes"}
    return ServerInfo(server=server, worker=worker, worker_pid=os.getpid(), reload=reload)
