"""What every scenario shares: pacing (closed loop or fixed rate) and response checks."""

import os

import locust.runners
from locust import FastHttpUser, constant, constant_throughput

# Workers report to the master every 3 s by default, which makes the per-second history
# arrive in 3-s lumps; 1 s gives the report real per-second throughput.
locust.runners.WORKER_REPORT_INTERVAL = 1.0

# Fixed-rate runs set this (requests per second per user); closed-loop capacity runs leave it 0.
_RATE = float(os.environ.get("TARGET_RPS_PER_USER", "0") or 0)


def pacing():
    return constant_throughput(_RATE) if _RATE > 0 else constant(0)


class CheckedUser(FastHttpUser):
    """A FastHttpUser whose requests fail unless status and body are what the app promises."""

    abstract = True
    wait_time = pacing()
    insecure = True  # the generator measures; TLS trust is checked by the container tests
    connection_timeout = 10.0
    network_timeout = 30.0

    def expect(self, method: str, path: str, status: int, check=None, name: str | None = None, **kw):
        with self.client.request(method, path, name=name or path, catch_response=True, **kw) as r:
            if r.status_code != status:
                r.failure(f"status {r.status_code}, expected {status}")
            elif check is not None:
                try:
                    problem = check(r)
                except Exception as exc:  # unparsable body
                    problem = f"bad body: {exc!r}"
                if problem:
                    r.failure(problem)
            return r
