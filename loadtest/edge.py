"""The bundle's public side as a client sees it: https://localhost:<https_port>, trusting the
bundle's own CA (``certs``/ca.crt). One mixin for every way the bundle is run, so the tests and
the resilience code talk to a compose project (loadtest.stack.Bundle) and a Swarm stack
(loadtest.swarm.SwarmStack) alike."""

import ssl
import time
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

    def wait_for_upstream(self, prefix: str = "/api", timeout: float = 60) -> int:
        """Poll ``prefix``/ through Nginx until it reaches the app: any status but Nginx's own
        502/504 (no app address yet, or none answering). Nothing is assumed of the app's routes
        (a 404 from the app is an answer). Nginx follows Swarm's tasks by DNS (`resolve`, every
        second), so a stack that has just converged may answer 502 for up to about a second."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                last = self.get(f"{prefix.rstrip('/')}/").status_code
                if last not in (502, 504):
                    return last
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.2)
        raise TimeoutError(f"Nginx did not reach the app under {prefix}/ within {timeout}s (last: {last})")

    def wait_for_api(self, timeout: float = 60) -> dict:
        """Poll /api/health through Nginx until it answers 200; return its body."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                r = self.get("/api/health")
                if r.status_code == 200:
                    return r.json()
                last = r.status_code
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.5)
        raise TimeoutError(f"/api/health did not answer 200 within {timeout}s (last: {last})")
