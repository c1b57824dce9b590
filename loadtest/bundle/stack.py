"""Compose projects, driven by testcontainers' DockerCompose (`up --wait` on the healthchecks,
logs, `down --volumes`, also when the start fails): `Stack` is any one project (a load-test
topology with its generator), `Bundle` the bundle itself (docker-compose.yml) on free loopback
ports, used by the container tests and the resilience runs."""

import json
import logging
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from testcontainers.compose import DockerCompose

from loadtest.bundle.edge import Edge
from loadtest.bundle.host import make_secrets, write_app_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class _RecordingCompose(DockerCompose):
    """DockerCompose that keeps every command it ran (the report's manifest lists them), and runs
    them with the stack's own variables over the caller's environment: compose lets a variable
    of the shell win over the env file, so a WHEELS_IMAGE that `make` exported for the demo
    would build another project's image from the demo's wheels."""

    ran: list[list[str]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def process_env(self) -> dict[str, str]:
        return {**os.environ, **self.variables}

    def _run_command(self, cmd, context=None):
        self.ran.append(list(cmd))
        try:
            return subprocess.run(
                cmd, capture_output=True, check=True, cwd=context or str(self.context), env=self.process_env
            )
        except subprocess.CalledProcessError as exc:
            logging.getLogger(__name__).error(
                "%s failed (%d):\n%s", exc.cmd, exc.returncode, exc.stderr.decode(errors="replace")
            )
            raise


class Stack:
    """One compose project: ``files`` relative to ``root`` (or absolute), its variables (and the
    project name) in ``env_file``, so every command, ours or testcontainers', sees the same."""

    def __init__(
        self,
        root: Path,
        project: str,
        files: list[str | Path],
        env: dict | None = None,
        env_file: Path | None = None,
        profiles: list[str] | None = None,
        build: bool = False,
    ) -> None:
        self.root, self.project = root, project
        if env_file is not None:
            env = {"COMPOSE_PROJECT_NAME": project, **(env or {})}
            env_file.parent.mkdir(parents=True, exist_ok=True)
            env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        elif env:
            raise ValueError("variables for a stack need an env_file to go in")
        self.env_file = env_file
        variables = {k: str(v) for k, v in env.items()} if env_file is not None else {}
        self.compose = _RecordingCompose(
            context=str(root),
            compose_file_name=[str(f) for f in files],
            build=build,
            wait=True,
            env_file=str(env_file) if env_file else None,
            profiles=profiles,
            quiet_build=False,
            variables=variables,
        )

    @property
    def commands(self) -> list[str]:
        """The compose commands run so far, paths relative to the root."""
        return [" ".join(cmd).replace(f"{self.root}/", "") for cmd in self.compose.ran]

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """`up --wait`; if a service does not come up healthy: its logs, down, RuntimeError."""
        try:
            self.compose.start()
        except subprocess.CalledProcessError as exc:
            why, logs = exc.stderr.decode(errors="replace")[-3000:], self.logs(tail=60)
            self.stop()
            raise RuntimeError(f"{self.project} did not come up healthy:\n{why}\n{logs}") from exc

    def stop(self) -> None:
        self.compose.stop(down=True)

    def build(self) -> None:
        result = self.run("build", "--quiet", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"image build failed:\n{result.stderr[-3000:]}")

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `docker compose <args>` against this project."""
        cmd = [*self.compose.compose_command_property, *args]
        self.compose.ran.append(cmd)
        return subprocess.run(
            cmd,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            env=self.compose.process_env,
        )

    def logs(self, *services: str, tail: int | None = None) -> str:
        return self.run("logs", "--no-color", *(["--tail", str(tail)] if tail else []), *services, check=False).stdout

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


# What each store adds to the demo: compose profiles and its env file over backend/.env.
STORES = {
    "sqlite": ([], None),
    "postgres": (["postgres"], "backend/postgres.env"),
}


def store_env(store: str, root: Path) -> dict[str, str]:
    """The compose variables that put the demo on ``store``: its env file over backend/.env."""
    env_file = STORES[store][1]
    return {"APP_ENV_FILE": str(root / env_file)} if env_file else {}


def compose_variables(root: Path, file: str = "docker-compose.yml") -> set[str]:
    """The variables a compose file interpolates or passes through (``NAME:`` with no value); the
    rest of a stack's variables are the app's own."""
    text = (root / file).read_text()
    passed = re.findall(r"^\s+([A-Z][A-Z0-9_]*):\s*$", text, re.M)
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)) | set(passed)


class Bundle(Stack, Edge):
    """The bundle (docker-compose.yml, one profile, on SQLite or on its Postgres, plus optional
    add-on profiles such as ``monitoring``) built from source, its ports published on free
    loopback ports, with clients that trust its CA and a Postgres password of its own
    (scripts/secrets.sh into ``workdir``). ``extra_env`` holds compose's variables and the app's
    own settings alike: those docker-compose.yml does not interpolate go to the app's env file
    (APP_ENV_FILE), after the store's."""

    def __init__(self, root: Path, profile: str, project: str, certs: Path, reports_dir: Path, workdir: Path,
                 extra_env: dict, store: str = "sqlite", extra_profiles: tuple[str, ...] = ()) -> None:  # fmt: skip
        self.profile, self.certs, self.store = profile, certs, store
        self.http_port, self.https_port = free_port(), free_port()
        self.prometheus_port = free_port()  # published only with the monitoring profile
        store_profiles, store_env_file = STORES[store]
        password_file = make_secrets(root, workdir / "secrets")
        env = {
            "HTTP_PORT": self.http_port,
            "HTTPS_PORT": self.https_port,
            "PROMETHEUS_PORT": self.prometheus_port,
            "BIND_ADDRESS": "127.0.0.1",
            "BUNDLE_DIR": root,
            "CERTS_DIR": certs / "live",
            "REPORTS_DIR": reports_dir,
            "POSTGRES_PASSWORD_FILE": password_file,
        }
        known = compose_variables(root)
        app_env = {k: v for k, v in extra_env.items() if k not in known}
        env.update({k: v for k, v in extra_env.items() if k in known})
        if app_env or store_env_file:
            base = (root / store_env_file).read_text() if store_env_file else ""
            env.setdefault("APP_ENV_FILE", write_app_env(workdir / "app.env", base, app_env))
        profiles = [profile, *store_profiles, *extra_profiles]
        super().__init__(root, project, ["docker-compose.yml"], env, workdir / "stack.env", profiles, build=True)
