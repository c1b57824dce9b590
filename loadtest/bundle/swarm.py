"""The bundle as a Docker Swarm stack: a single-node swarm when there is none (and leaving it
again only if we made it), the stack generated from docker-compose.yml (loadtest/bundle/swarm_stack.py),
deployed, waited on until every service has converged and every task is healthy, rolled to a new
app image, removed. Used by `make swarm-*` (``python -m loadtest.bundle.swarm``) and the Swarm tests.

No IPVS on this kernel: the app is `endpoint_mode: dnsrr` and Nginx publishes host-mode ports
(README, "Docker Swarm"). The CLI is Docker's own (`DOCKER`, default `docker`); images are local,
so nothing asks a registry (`--resolve-image never`, `--no-resolve-image`).
"""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from loadtest.bundle.edge import Edge
from loadtest.bundle.host import docker
from loadtest.bundle.paths import ROOT

GENERATOR = Path(__file__).with_name("swarm_stack.py")
LOCUST_STACK = ROOT / "compose" / "swarm" / "locust.yml"
POSTGRES_LABEL = "apibundle.postgres"
FINAL_UPDATE_STATES = {"completed", "rollback_completed", "paused", "rollback_paused"}


def registry() -> str:
    """SWARM_REGISTRY (host:port of a registry every node can pull from), or "" (one node)."""
    return (os.environ.get("SWARM_REGISTRY") or "").rstrip("/")


def pushed(image: str) -> str:
    """``image`` as the nodes pull it: tagged into SWARM_REGISTRY and pushed there, if one is set."""
    if not registry():
        return image
    remote = f"{registry()}/{image}"
    docker("tag", image, remote)
    docker("push", remote, timeout=1800)
    return remote


# --- the swarm itself -------------------------------------------------------------------------


def swarm_state() -> str:
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


def ensure_swarm(advertise_addr: str = "") -> bool:
    """Join nothing, make a single-node swarm if this engine is in none. True if we made it."""
    if swarm_state() == "active":
        return False
    args = ["--advertise-addr", advertise_addr] if advertise_addr else []
    out = docker("swarm", "init", *args, check=False)
    if out.returncode != 0 and not advertise_addr and "advertise" in out.stderr:
        # Several addresses and none chosen: a swarm of this node alone can use loopback.
        out = docker("swarm", "init", "--advertise-addr", "127.0.0.1", check=False)
    if out.returncode != 0:
        raise RuntimeError(f"docker swarm init failed:\n{out.stderr}")
    return True


def leave_swarm() -> None:
    docker("swarm", "leave", "--force")


def node_id() -> str:
    return docker("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()


def label_postgres_node() -> bool:
    """Label this node for the database when no node has the label. True if we added it."""
    nodes = docker("node", "ls", "-q").stdout.split()
    labels = json.loads(docker("node", "inspect", *nodes).stdout)
    if any(POSTGRES_LABEL in (n["Spec"].get("Labels") or {}) for n in labels):
        return False
    docker("node", "update", "--label-add", f"{POSTGRES_LABEL}=true", node_id())
    return True


def unlabel_postgres_node() -> None:
    docker("node", "update", "--label-rm", POSTGRES_LABEL, node_id(), check=False)


def build_images(profiles: list[str], env: dict | None = None, generator: bool = False) -> None:
    """`docker compose build` of the profiles' images (and the load generator's), as `make images`
    does: BuildKit's cache makes it quick when nothing changed."""
    env = {**os.environ, **(env or {})}
    cmds = [["docker", "compose", *[a for p in profiles for a in ("--profile", p)], "build"]]
    if generator:
        cmds.append(["docker", "compose", "-f", "compose/loadtest/generator.yml", "--profile", "generator", "build"])
    for cmd in cmds:
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")


# --- one stack --------------------------------------------------------------------------------


@dataclass
class UpdateResult:
    image: str
    state: str  # Swarm's UpdateStatus.State at the end: completed, rollback_completed, ...
    duration_s: float  # from the update command until the service converged again
    message: str = ""
    image_after: str = ""  # the image the service runs at the end


@dataclass
class SwarmStack(Edge):
    """One stack of the bundle. ``env`` is what `docker compose config` interpolates (ports,
    BUNDLE_TAG, CERTS_DIR, ...); ``certs`` holds ca.crt for the clients."""

    name: str
    certs: Path
    https_port: int
    http_port: int
    profiles: list[str] = field(default_factory=lambda: ["prod"])
    env: dict = field(default_factory=dict)
    workdir: Path = ROOT / ".swarm"

    @property
    def store(self) -> str:  # what loadtest.resilience.integrity checks
        return "postgres" if "postgres" in self.profiles else "sqlite"

    @property
    def api_prefix(self) -> str:  # where Nginx proxies to the app (docker-compose.yml's API_PREFIX)
        return self._env().get("API_PREFIX") or "/api"

    @property
    def stack_file(self) -> Path:
        return self.workdir / f"{self.name}.yml"

    def _env(self) -> dict:
        return {**os.environ, "HTTP_PORT": str(self.http_port), "HTTPS_PORT": str(self.https_port),
                **{k: str(v) for k, v in self.env.items()}}  # fmt: skip

    # lifecycle

    def generate(self) -> Path:
        cmd = [sys.executable, str(GENERATOR), "--stack", self.name, "-o", str(self.stack_file)]
        for p in self.profiles:
            cmd += ["--profile", p]
        out = subprocess.run(cmd, cwd=ROOT, env=self._env(), capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"stack generation failed:\n{out.stderr}")
        return self.stack_file

    def deploy(self, timeout: float = 180) -> float:
        """Generate, deploy, wait until converged and healthy; seconds it took."""
        start = time.monotonic()
        self.generate()
        if registry():  # the stack names its images from the registry (swarm_stack.py)
            for svc in yaml.safe_load(self.stack_file.read_text())["services"].values():
                pushed(svc["image"].removeprefix(f"{registry()}/"))
        docker("stack", "deploy", "--resolve-image", "never", "--prune", "-c", str(self.stack_file), self.name)
        self.wait_converged(timeout)
        self.wait_for_upstream(self.api_prefix, max(10.0, timeout - (time.monotonic() - start)))
        return round(time.monotonic() - start, 1)

    def remove(self, timeout: float = 90, volumes: bool = False) -> None:
        """`docker stack rm`, then wait until its containers and networks are gone; with
        ``volumes``, its named volumes too (the data: throwaway stacks only)."""
        docker("stack", "rm", self.name, check=False)
        label = f"label=com.docker.stack.namespace={self.name}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = docker("ps", "-aq", "--filter", label, check=False).stdout.split()
            left += docker("network", "ls", "-q", "--filter", label, check=False).stdout.split()
            if not left:
                break
            time.sleep(1)
        else:
            raise TimeoutError(f"stack {self.name} still has containers or networks after {timeout}s")
        if volumes:
            for vol in docker("volume", "ls", "-q", "--filter", label).stdout.split():
                docker("volume", "rm", vol, check=False)

    # state

    def service(self, short: str) -> str:
        return f"{self.name}_{short}"

    def services(self) -> list[dict]:
        out = docker("stack", "services", self.name, "--format", "{{json .}}").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def inspect_service(self, short: str) -> dict:
        return json.loads(docker("service", "inspect", self.service(short)).stdout)[0]

    def tasks(self, short: str) -> list[dict]:
        ids = docker("service", "ps", "-q", "--no-trunc", self.service(short)).stdout.split()
        # A task can be pruned between the two commands: inspect answers for the others.
        return json.loads(docker("inspect", *ids, check=False).stdout or "[]") if ids else []

    def containers(self, short: str, health: str | None = "healthy") -> list[str]:
        args = ["ps", "-q", "--filter", f"label=com.docker.swarm.service.name={self.service(short)}"]
        return docker(*args, *(["--filter", f"health={health}"] if health else [])).stdout.split()

    def _converged(self, svc: dict) -> bool:
        spec = self.inspect_service(svc["Name"].removeprefix(f"{self.name}_"))
        short = spec["Spec"]["Name"].removeprefix(f"{self.name}_")
        restart = (spec["Spec"]["TaskTemplate"].get("RestartPolicy") or {}).get("Condition", "any")
        tasks = [t for t in self.tasks(short) if t["DesiredState"] == "running"]
        if restart != "any":  # one-shot (migrate): done once its newest task completed
            newest = max(self.tasks(short), key=lambda t: t["CreatedAt"], default=None)
            return newest is not None and newest["Status"]["State"] == "complete"
        state = (spec.get("UpdateStatus") or {}).get("State", "completed")
        if state not in FINAL_UPDATE_STATES:
            return False
        running = [t for t in tasks if t["Status"]["State"] == "running"]
        want = spec["Spec"]["Mode"].get("Replicated", {}).get("Replicas", len(running))
        healthy = self.containers(short)
        has_check = "Healthcheck" in spec["Spec"]["TaskTemplate"]["ContainerSpec"] or short in ("app", "nginx")
        return len(running) == want and (not has_check or len(healthy) >= want)

    def wait_converged(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        pending: list[str] = []
        while time.monotonic() < deadline:
            services = self.services()
            pending = [s["Name"] for s in services if not self._converged(s)]
            if services and not pending:
                return
            time.sleep(1)
        raise TimeoutError(f"stack {self.name}: not converged after {timeout}s: {pending}\n{self.diagnostics()}")

    def diagnostics(self) -> str:
        out = [docker("stack", "ps", "--no-trunc", self.name, check=False).stdout]
        for s in self.services():
            out.append(docker("service", "logs", "--tail", "30", s["Name"], check=False).stdout[-3000:])
        return "\n".join(out)

    def image(self, short: str) -> str:
        return self.inspect_service(short)["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]

    def update_image(self, short: str, image: str, timeout: float = 300) -> UpdateResult:
        """Roll ``image`` out to a service with its update_config; wait until Swarm is done,
        rolled back included."""
        start = time.monotonic()
        docker("service", "update", "--detach", "--no-resolve-image", "--image", image, self.service(short))
        deadline = start + timeout
        status: dict = {}
        while time.monotonic() < deadline:
            status = self.inspect_service(short).get("UpdateStatus") or {}
            if status.get("State") in FINAL_UPDATE_STATES:
                break
            time.sleep(0.5)
        else:
            raise TimeoutError(f"update of {short} to {image} not finished after {timeout}s: {status}")
        self.wait_converged(max(30.0, deadline - time.monotonic()))
        return UpdateResult(image, status["State"], round(time.monotonic() - start, 1), status.get("Message", ""),
                            self.image(short))  # fmt: skip

    def update_app(self, image: str, timeout: float = 300) -> UpdateResult:
        """What `make swarm-deploy` does: the one-shot `migrate` runs the new image's migrations
        first (a task that must complete), then the app rolls over to it."""
        start, names = time.monotonic(), {s["Name"] for s in self.services()}
        if self.service("migrate") in names and self.image("migrate") != image:
            migrated = self.update_image("migrate", image, timeout)
            if migrated.state != "completed":
                return migrated
        result = self.update_image("app", image, timeout)
        result.duration_s = round(time.monotonic() - start, 1)  # migrations included
        return result

    # The rest of what the resilience code uses of loadtest.bundle.stack.Bundle (the clients are Edge's).

    @property
    def project(self) -> str:
        return self.name

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """`exec [-T] <service> cmd...` in one healthy task of the service, like `docker compose
        exec` (what loadtest.resilience.integrity runs)."""
        if not args or args[0] != "exec":
            raise ValueError(f"only exec is supported on a Swarm stack, not {args}")
        rest = [a for a in args[1:] if a != "-T"]
        ids = self.containers(rest[0])
        if not ids:
            raise RuntimeError(f"no healthy {rest[0]} task in stack {self.name}")
        return docker("exec", ids[0], *rest[1:], check=check, timeout=timeout)

    def logs(self, short: str, tail: int | None = 200, since: str | None = None, stderr_only: bool = False) -> str:
        """A service's logs (every task): the last ``tail`` lines, or all since ``since`` (RFC 3339)."""
        args = [*(["--tail", str(tail)] if tail else []), *(["--since", since] if since else [])]
        out = docker("service", "logs", "--raw", *args, self.service(short), check=False)
        return out.stderr if stderr_only else out.stdout + out.stderr


# --- Locust as Swarm services ------------------------------------------------------------------


@dataclass
class LocustResult:
    workers_connected: int
    requests: int
    failures: int
    master_exit: int | None
    output: str


def run_locust(sut: str, workers: int = 2, users: int = 10, duration_s: int = 10, tag: str = "latest",
               name: str | None = None, timeout: float = 240) -> LocustResult:  # fmt: skip
    """Deploy compose/swarm/locust.yml next to the stack ``sut`` (on its frontend network),
    scale the workers with `docker service scale`, wait for the headless master to finish,
    read its summary, remove the Locust stack."""
    name = name or f"{sut}-locust"
    image = pushed(f"apibundle/loadtest:{tag}")
    env = {**os.environ, "SUT_STACK": sut, "GENERATOR_IMAGE": image, "LOCUST_WORKERS": str(workers),
           "LOCUST_USERS": str(users), "LOCUST_DURATION": f"{duration_s}s"}  # fmt: skip
    docker("stack", "deploy", "--resolve-image", "never", "-c", str(LOCUST_STACK), name, env=env)
    try:
        docker("service", "scale", "--detach", f"{name}_worker={workers}")
        deadline, master = time.monotonic() + timeout, {}
        while time.monotonic() < deadline:
            ids = docker("service", "ps", "-q", "--no-trunc", f"{name}_master").stdout.split()
            master = (json.loads(docker("inspect", *ids, check=False).stdout or "[]") or [{}])[0] if ids else {}
            if master.get("Status", {}).get("State") in {"complete", "failed", "rejected", "shutdown"}:
                break
            time.sleep(1)
        output = docker("service", "logs", "--raw", f"{name}_master", check=False)
        text = output.stdout + output.stderr
        exit_code = (master.get("Status", {}).get("ContainerStatus") or {}).get("ExitCode")
        return LocustResult(_workers_connected(text), *_aggregated(text), exit_code, text)
    finally:
        docker("stack", "rm", name, check=False)


def _workers_connected(text: str) -> int:
    """The highest "N workers connected" Locust's master logged."""
    counts = [int(m) for m in re.findall(r"(\d+) workers connected", text)]
    return max(counts, default=0)


def _aggregated(text: str) -> tuple[int, int]:
    """(requests, failures) from the last "Aggregated" row of Locust's summary table."""
    rows = [line.split() for line in text.splitlines() if line.strip().startswith("Aggregated")]
    for row in reversed(rows):
        if len(row) >= 3 and row[1].isdigit() and "(" in row[2]:  # not the percentiles table's row
            return int(row[1]), int(row[2].split("(")[0])
    return 0, 0


# --- `make swarm-*` ---------------------------------------------------------------------------

STATE = ROOT / ".swarm" / "state.json"  # what swarm-up changed on this engine, for swarm-down


def _stack_from_env() -> SwarmStack:
    monitoring = os.environ.get("MONITORING", "").lower() in ("1", "true", "yes")
    profiles = ["prod", *(["postgres"] if os.environ.get("STORE") == "postgres" else []),
                *(["monitoring"] if monitoring else [])]  # fmt: skip
    return SwarmStack(
        name=os.environ.get("STACK") or "apibundle",
        certs=Path(os.environ.get("CERTS_DIR") or ROOT / "certs" / "live").parent,
        https_port=int(os.environ.get("HTTPS_PORT") or "8443"),
        http_port=int(os.environ.get("HTTP_PORT") or "8080"),
        profiles=profiles,
    )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    stack = _stack_from_env()
    if command == "up":
        state = json.loads(STATE.read_text()) if STATE.exists() else {}
        state["initialised"] = ensure_swarm(os.environ.get("SWARM_ADVERTISE_ADDR", "")) or state.get("initialised")
        if "postgres" in stack.profiles:
            state["labelled"] = label_postgres_node() or state.get("labelled", False)
        STATE.parent.mkdir(parents=True, exist_ok=True)
        STATE.write_text(json.dumps(state))
        took = stack.deploy(timeout=float(os.environ.get("SWARM_TIMEOUT") or "300"))
        print(f"swarm-up: stack {stack.name} converged in {took} s: https://localhost:{stack.https_port}/")
        return 0
    if command == "deploy":
        tag = os.environ.get("TAG") or sys.exit("usage: make swarm-deploy TAG=<image tag>")
        result = stack.update_app(pushed(f"apibundle/backend:{tag}"))
        print(f"swarm-deploy: {result.image}: {result.state} in {result.duration_s} s; app runs {result.image_after}"
              + (f" ({result.message})" if result.message else ""))  # fmt: skip
        return 0 if result.state == "completed" else 1
    if command == "down":
        stack.remove()
        state = json.loads(STATE.read_text()) if STATE.exists() else {}
        if state.get("labelled"):
            unlabel_postgres_node()
        if state.get("initialised"):
            leave_swarm()
            print("swarm-down: left the swarm that swarm-up had created")
        STATE.unlink(missing_ok=True)
        return 0
    if command == "locust":
        r = run_locust(stack.name, workers=int(os.environ.get("LOCUST_WORKERS") or "2"),
                       users=int(os.environ.get("USERS") or "20"), duration_s=int(os.environ.get("DURATION") or "30"),
                       tag=os.environ.get("BUNDLE_TAG") or "latest")  # fmt: skip
        print(r.output[-4000:])
        print(f"swarm-locust: {r.workers_connected} workers, {r.requests} requests, {r.failures} failures")
        return 0 if r.master_exit == 0 and r.requests else 1
    print("usage: python -m loadtest.bundle.swarm up|deploy|down|locust", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
