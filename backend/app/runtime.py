"""Which app server runs this process, told from the modules it has loaded.

The launcher (``python -m servers``) execs the server in place, so the server's own modules
are the ground truth: Granian and Gunicorn import themselves into every worker; Gunicorn's
worker class shows as ``uvicorn_worker`` (UvicornWorker) or not (its own ``-k asgi``).
"""

import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerInfo:
    server: str
    worker: str
    worker_pid: int
    reload: bool


def server_info() -> ServerInfo:
    modules = sys.modules
    if "granian" in modules:
        server, worker = "granian", "granian"
    elif "gunicorn" in modules:
        server = "gunicorn"
        worker = "uvicorn" if "uvicorn_worker" in modules else "asgi"
    else:
        server, worker = "uvicorn", "uvicorn"
    reload = os.environ.get("SERVER_RELOAD", "").lower() in {"1", "true", "yes"}
    return ServerInfo(server=server, worker=worker, worker_pid=os.getpid(), reload=reload)
