"""The metrics exporter: ``python -m servers.exporter <mode>``, one small process beside the server.

Serves http://<container>:9100/metrics, the sum over every worker's files in
PROMETHEUS_MULTIPROC_DIR (app/metrics/multiprocess.py). Its own port, which only the internal
backend network reaches (the app container publishes nothing, and Nginx proxies only the app's
API port): the public app has no metrics route.

The launcher starts it before exec'ing the server, for every server, so there is one way metrics
are served: Gunicorn, ``uvicorn --workers``, ``uvicorn --reload`` alike. A process and not a
thread in Gunicorn's master: the master forks workers, and forking a multi-threaded process can
deadlock a child on a lock another thread held (CPython 3.12+ warns about exactly that).

``mode`` says who counts worker exits: ``hooks`` (Gunicorn's child_exit knows the cause) or
``sweep`` (no supervisor tells: a worker found dead is counted here as ``unknown``). The process
ends when its parent (the server, which took the launcher's pid) does.
"""

import os
import signal
import sys
import time

from prometheus_client import start_http_server

from servers.metrics import multiprocess
from servers.settings import ServerSettings

# Tidying between scrapes: the files of workers dead for archive.GRACE_S (10 s) are folded into
# the archives (servers/metrics/archive.py). Every scrape sweeps dead workers itself first, so
# what it answers never waits for this; 5 s instead of 1 s is a fifth of an idle exporter's
# wake-ups (0.08% of a core at 1 s, measured).
SWEEP_INTERVAL_S = 5.0


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in ("hooks", "sweep"):
        sys.exit("usage: python -m servers.exporter {hooks|sweep}")
    path = multiprocess.directory()
    if path is None:
        sys.exit(f"{multiprocess.ENV} is not set")
    count_exits = argv[0] == "sweep"
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    settings = ServerSettings()
    exported = multiprocess.Exported(path, count_exits)
    start_http_server(settings.metrics_port, settings.host, registry=exported.registry)
    print(f"metrics: http://{settings.host}:{settings.metrics_port}/metrics ({argv[0]})", file=sys.stderr, flush=True)
    while os.getppid() == parent:
        exported.tidy()
        time.sleep(SWEEP_INTERVAL_S)


if __name__ == "__main__":
    main(sys.argv[1:])
