"""What the faults watch inside the app container: its worker processes, polled until a
condition holds."""

import time

# Worker processes inside the app container: children of PID 1 (the server's manager, which
# the launcher exec'd into), minus multiprocessing's helper and the metrics exporter (the
# launcher's child, servers/exporter.py, which no reload replaces).
_WORKERS_PY = """import os
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            ppid = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1]
            cmd = open(f'/proc/{p}/cmdline', 'rb').read()
        except OSError:
            continue
        if ppid == '1' and b'resource_tracker' not in cmd and b'servers.exporter' not in cmd:
            print(p)"""


def worker_pids(stack) -> set[int]:
    """Worker pids of the (first) app container."""
    out = stack.run("exec", "-T", "app", "python3", "-c", _WORKERS_PY, check=False).stdout
    return {int(p) for p in out.split()}


def wait_until(predicate, timeout: float, interval: float = 0.25) -> float | None:
    """Seconds until ``predicate()`` held, or None if it never did within ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return round(time.monotonic() - start, 2)
        time.sleep(interval)
    return None


def wait_for_workers(stack, before: set[int], gone: set[int], timeout: float = 30) -> float | None:
    """Seconds until none of ``gone`` is a worker any more and the count is back to ``before``'s."""

    def replaced() -> bool:
        now = worker_pids(stack)
        return bool(now) and not (now & gone) and len(now) >= len(before)

    return wait_until(replaced, timeout)
