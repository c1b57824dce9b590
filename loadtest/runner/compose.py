"""One topology as a compose project: up, verify, run the generator, down."""

import json
import os
import subprocess
from dataclasses import dataclass, field

from loadtest.results.paths import ROOT
from loadtest.runner.topologies import Topology

BASE = ROOT / "compose" / "loadtest.yml"
SUT = ROOT / "compose" / "sut.yml"


def build_images() -> None:
    """Build (or confirm, from cache) the app, Nginx and generator images the topologies use.
    Base images come from the environment that `make` sets (scripts/images.sh)."""
    for cmd in (
        ["-f", str(ROOT / "docker-compose.yml"), "--profile", "prod"],
        ["-f", str(BASE), "--profile", "generator"],
    ):
        result = subprocess.run(
            ["docker", "compose", *cmd, "build", "--quiet"], cwd=ROOT, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise SystemExit(f"image build failed:\n{result.stderr[-3000:]}")


@dataclass
class Project:
    topology: Topology
    env: dict[str, str]
    name: str = "apibundle-loadtest"
    commands: list[str] = field(default_factory=list)  # what ran, for the report's manifest

    def _cmd(self, *args: str) -> list[str]:
        return ["docker", "compose", "-p", self.name, "-f", str(BASE), "-f", str(self.topology.file), *args]

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        cmd = self._cmd(*args)
        self.commands.append(" ".join(cmd).replace(str(ROOT) + "/", ""))
        return subprocess.run(
            cmd, cwd=ROOT, env={**os.environ, **self.env}, capture_output=True, text=True, check=check, timeout=timeout
        )

    def up(self) -> None:
        result = self.run("up", "--detach", "--wait", *self.topology.services, check=False)
        if result.returncode != 0:
            logs = self.run("logs", "--no-color", "--tail", "60", check=False).stdout
            raise RuntimeError(f"{self.topology.name} did not come up healthy:\n{result.stderr}\n{logs}")

    def down(self) -> None:
        self.run("--profile", "generator", "down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)

    def container(self, service: str) -> str:
        return self.run("ps", "-q", service).stdout.strip()

    def verify(self, seed: int) -> dict:
        t = self.topology
        args = ["--target", t.target, "--server", t.server, "--worker", t.worker, "--seed", str(seed)]
        args += ["--nginx"] * t.nginx + ["--minimal"] * t.minimal
        result = self.run(
            "--profile",
            "generator",
            "run",
            "--rm",
            "--no-deps",
            "--entrypoint",
            "python3",
            "locust",
            "-m",
            "loadtest.verify",
            *args,
            check=False,
        )
        try:
            return json.loads(result.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            return {"ok": False, "checks": [f"verifier failed: {result.stderr[-2000:]}"]}
