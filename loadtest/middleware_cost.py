"""The bundle's middleware cost without a server, a network or a load generator in the way.

``make middleware-cost``: calls the app's ASGI callable directly for GET /api/work/json in five
set-ups (no middleware; metrics only; request id; request id + access log; all three, as
deployed), each in its own process (logging and metrics are process-wide), interleaved over
several rounds, and reports the CPU time per request, the log writer thread included: the best
round (as timeit does: the least disturbed by other work on the machine) and the median.
Metrics run in prometheus-client's multiprocess mode, as under every server (their values go
to files in a temporary directory). The load test's gunicorn vs gunicorn-nomw (all middleware)
and gunicorn vs gunicorn-nometrics (metrics) comparisons measure the same through a real
server; on a small machine its generator often saturates first.
"""

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETUPS = {
    "no middleware": {"APP_MIDDLEWARE": "false", "APP_METRICS": "false"},
    "metrics": {"APP_MIDDLEWARE": "false"},
    "request id": {"APP_ACCESS_LOG": "false", "APP_METRICS": "false"},
    "request id + access log": {"APP_METRICS": "false"},
    "all (as deployed)": {},
}
ROOT = Path(__file__).resolve().parents[1]
GOAL_PCT = 8  # all middleware (request id, access log, metrics), of the bare endpoint's CPU
APP = "app.main:create_app"  # the demo's factory (backend/ is on the path)
SCOPE = {
    "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
    "scheme": "http", "path": "/api/work/json", "raw_path": b"/api/work/json", "root_path": "",
    "query_string": b"", "client": ("10.0.0.2", 50000), "server": ("app", 8000),
    "headers": [(b"host", b"localhost"), (b"x-request-id", b"0123456789abcdef0123456789abcdef")],
}  # fmt: skip


async def _receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _measure(requests: int) -> float:
    """CPU microseconds per request in this process (run with one SETUPS environment)."""
    from servers import logging as app_logging  # noqa: PLC0415 (the backend is on the path only here)
    from servers.asgi import create_app  # noqa: PLC0415

    app = create_app()  # what every server serves: the demo (APP_MODULE) in the bundle's wrapping
    statuses = []

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    # Lines are formatted, not printed; the writer thread may still write after the loop.
    app_logging._writer.stream = open(os.devnull, "w")  # noqa: SIM115 (open until the process ends)
    start = time.process_time()
    for i in range(requests):
        await app(dict(SCOPE), _receive, send)
        if i % 32 == 0:
            await asyncio.sleep(0)  # a server's loop yields between requests too
    app_logging._writer.flush()
    spent = time.process_time() - start
    assert statuses == [200] * requests, "every call must answer 200, or this measures errors"
    return spent / requests * 1e6


def _run_one(env: dict[str, str], requests: int, db: str) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "loadtest.middleware_cost", "--child", str(requests)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "backend"), str(ROOT)]), **env,
             "APP_DATABASE_PATH": db, "APP_ENVIRONMENT": "test", "APP_MODULE": APP, "APP_WORKLOADS": "true"},
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main(rounds: int = 9, requests: int = 4000) -> None:
    results: dict[str, list[float]] = {name: [] for name in SETUPS}
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db")
        from app.store.migrate import migrate_sqlite  # noqa: PLC0415

        migrate_sqlite(Path(db))  # the app's lifespan is not run here; its store must exist
        for r in range(rounds):
            for name, env in SETUPS.items():
                metrics_dir = tempfile.mkdtemp(dir=tmp)  # a fresh one per process, as the launcher does
                results[name].append(_run_one({**env, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}, requests, db))
            print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    best0, med0 = min(results["no middleware"]), statistics.median(results["no middleware"])
    print(f"GET /api/work/json, app called in-process, CPU time per request over {rounds} rounds")
    print(f"  {'set-up':<26} {'best':>8} {'cost':>7}   {'median':>8} {'cost':>7}")
    for name, values in results.items():
        best, med = min(values), statistics.median(values)
        print(
            f"  {name:<26} {best:6.1f}us {100 * (best / best0 - 1):+6.1f}%"
            f"   {med:6.1f}us {100 * (med / med0 - 1):+6.1f}%"
        )
    # The metrics' own share, round by round: all three minus request id + access log, each
    # round's pair measured back to back (less noise than differences of medians).
    deltas = [a - b for a, b in zip(results["all (as deployed)"], results["request id + access log"], strict=True)]
    alone = [a - b for a, b in zip(results["metrics"], results["no middleware"], strict=True)]
    print(
        f"metrics: {statistics.median(alone):+.1f}us per request alone ({100 * statistics.median(alone) / med0:+.1f}%"
        f" of the bare endpoint), {statistics.median(deltas):+.1f}us on top of the other middleware"
        f" ({100 * statistics.median(deltas) / med0:+.1f}%); target <= 5%"
    )
    whole = [a - b for a, b in zip(results["all (as deployed)"], results["no middleware"], strict=True)]
    print(
        f"all middleware: {statistics.median(whole):+.1f}us per request, round by round"
        f" ({100 * statistics.median(whole) / med0:+.1f}% of the bare endpoint); goal <= {GOAL_PCT:g}%"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(asyncio.run(_measure(int(sys.argv[2]))))
    else:
        main()
