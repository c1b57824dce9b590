"""A running copy of the bundle (docker-compose.yml) on loopback ports, started with
testcontainers: used by the container tests and by the resilience runner."""

import json
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from testcontainers.compose import DockerCompose


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    root: Path
    profile: str
    project: str
    certs: Path
    env_file: Path
    http_port: int
    https_port: int
    compose: DockerCompose = field(repr=False)

    @classmethod
    def create(cls, root, profile, project, certs, reports_dir, workdir, extra_env) -> "Stack":
        http_port, https_port = free_port(), free_port()
        env = {
            "COMPOSE_PROJECT_NAME": project,
            "HTTP_PORT": http_port,
            "HTTPS_PORT": https_port,
            "BIND_ADDRESS": "127.0.0.1",
            "CERTS_DIR": certs / "live",
            "REPORTS_DIR": reports_dir,
            **extra_env,
        }
        env_file = workdir / "stack.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        compose = DockerCompose(
            context=str(root),
            compose_file_name="docker-compose.yml",
            build=True,
            wait=True,
            env_file=str(env_file),
            profiles=[profile],
            quiet_build=False,
        )
        return cls(root, profile, project, certs, env_file, http_port, https_port, compose)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self.compose.start()
        except Exception:
            print(self.logs())
            self.stop()
            raise

    def stop(self) -> None:
        self.compose.stop(down=True)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `docker compose <args>` against this stack."""
        cmd = [*self.compose.compose_command_property, *args]
        return subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, check=check, timeout=300)

    def logs(self, *services: str) -> str:
        return self.run("logs", "--no-color", *services, check=False).stdout

    def container_id(self, service: str) -> str:
        return self.container_ids(service)[0]

    def container_ids(self, service: str) -> list[str]:
        return self.run("ps", "-q", service).stdout.split()

    def inspect(self, service: str) -> dict:
        out = subprocess.run(
            ["docker", "inspect", self.container_id(service)], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)[0]

    def wait_healthy(self, service: str, timeout: float = 90) -> None:
        """Wait until every container of ``service`` reports healthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ids = self.container_ids(service)
            out = subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True) if ids else None
            states = (
                [c["State"].get("Health", {}).get("Status") for c in json.loads(out.stdout)]
                if out and out.returncode == 0
                else []
            )
            if states and all(s == "healthy" for s in states):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{service} not healthy after {timeout}s:\n{self.logs(service)[-3000:]}")

    # --- clients ---------------------------------------------------------------------------

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
