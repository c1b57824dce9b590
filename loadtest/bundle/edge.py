"""The bundle's public side as a client sees it: https://localhost:<https_port>, trusting the
bundle's own CA (``certs``/ca.crt). One mixin for every way the bundle is run, so the tests and
the resilience code talk to a compose project (loadtest.bundle.stack.Bundle) and a Swarm stack
(loadtest.bundle.swarm.SwarmStack) alike."""

import ssl
import time
from collections.abc import Callable
from pathlib import Path

import httpx


class Edge:
    certs: Path
    https_port: int

    @property
    def ca(self) -> Path:
        return self.certs / "ca.crt"

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def client(self, **kw) -> httpx.Client:
        kw.setdefault("timeout", 30)
        return httpx.Client(base_url=self.base_url, verify=self.ssl_context(), **kw)

    def get(self, path: str, **kw) -> httpx.Response:
        with self.client() as c:
            return c.get(path, **kw)

    def _poll(self, path: str, done: Callable[[httpx.Response], bool], timeout: float, interval: float, want: str):
        """GET ``path`` through Nginx until ``done(response)``; return that response."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                r = self.get(path)
                if done(r):
                    return r
                last = r.status_code
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(interval)
        raise TimeoutError(f"{path} did not answer {want} within {timeout}s (last: {last})")

    def wait_for_upstream(self, prefix: str, timeout: float = 60) -> int:
        """Poll ``prefix``/ through Nginx until it reaches the app: any status but Nginx's own
        502/504 (no app address yet, or none answering). Nothing is assumed of the app's routes
        (a 404 from the app is an answer). Nginx follows Swarm's tasks by DNS (`resolve`, every
        second), so a stack that has just converged may answer 502 for up to about a second."""
        path = f"{prefix.rstrip('/')}/"
        return self._poll(path, lambda r: r.status_code not in (502, 504), timeout, 0.2, "from the app").status_code

    def wait_for_api(self, timeout: float = 60) -> dict:
        """Poll /api/health through Nginx until it answers 200; return its body."""
        return self._poll("/api/health", lambda r: r.status_code == 200, timeout, 0.5, "200").json()
