"""Swarm rolling updates under steady load through Nginx: a new app image rolled out task by
task (start-first), and an image whose healthcheck fails, which Swarm must roll back by itself.
Both must cost zero failed requests, and every acknowledged create must still be there.

Both are faults (loadtest/resilience/faults.py) run by the one fault runner
(matrix.run_fault) on one Swarm stack, so their entries are the resilience table's (topology
"swarm (<store>)"): `make swarm-test` writes them into a report, `make resilience SWARM=1` adds
them to the fault runs, the container tests assert them. The clients never send a request twice
(load.py): every connection closed unread is a failure.
``python -m loadtest.resilience.swarm_updates`` runs the full-length versions.
"""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from loadtest.bundle.host import docker, make_secrets, write_app_env
from loadtest.bundle.paths import ROOT, certs_dir, reports_dir
from loadtest.bundle.stack import STORES, free_port, store_env
from loadtest.bundle.swarm import SwarmStack, ensure_swarm, label_postgres_node, leave_swarm, unlabel_postgres_node
from loadtest.resilience.faults import Fault
from loadtest.resilience.matrix import RATELIMIT_EXEMPT_DIR, SWARM_TOPOLOGY, run_fault

TARGET = "0 failed requests; every acknowledged create readable, none duplicated; store intact"


DERIVED: list[str] = []  # images derived_image built, for remove_derived_images


def derived_image(base: str, tag: str, broken: bool = False) -> str:
    """A new image from ``base`` (a new release: a label; broken: its healthcheck script always
    fails, the app itself still serves), built without a context in a second."""
    image = f"{base.rsplit(':', 1)[0]}:{tag}"
    lines = [f"FROM {base}", f"LABEL org.opencontainers.image.version={tag}"]
    if broken:
        lines += ["USER root",
                  "RUN printf 'import sys\\nprint(\"unhealthy: broken on purpose\")\\nsys.exit(1)\\n'"
                  " > /srv/bundle/servers/healthcheck.py",
                  "USER app:app"]  # fmt: skip
    docker("build", "-q", "-t", image, "-", input="\n".join(lines) + "\n")
    DERIVED.append(image)
    return image


def remove_derived_images() -> None:
    """Once no task uses them: the engine keeps no image a run made for itself."""
    while DERIVED:
        docker("rmi", DERIVED.pop(), check=False)


def new_stack(
    certs: Path, store: str, tag: str, name: str | None = None, app_env: dict[str, str] | None = None, **env
) -> SwarmStack:
    """A stack of its own: free ports, its own reports folder and Postgres password, the load
    tests' rate-limit exemption; ``store`` sqlite or postgres (loadtest.bundle.stack.STORES); ``app_env``
    the demo's own settings on top (its env file, APP_ENV_FILE)."""
    workdir = Path(tempfile.mkdtemp(prefix="apibundle-swarm-"))
    reports = workdir / "reports"
    reports.mkdir()
    reports.chmod(0o755)
    password_file = make_secrets(ROOT, workdir / "secrets")
    store_profiles = STORES[store][0]
    compose_env = store_env(store, ROOT)
    if app_env:
        base = Path(compose_env["APP_ENV_FILE"]).read_text() if compose_env else ""
        compose_env = {"APP_ENV_FILE": str(write_app_env(workdir / "app.env", base, app_env))}
    return SwarmStack(
        name=name or f"apibundle-swarm-{uuid.uuid4().hex[:6]}",
        certs=certs,
        https_port=free_port(),
        http_port=free_port(),
        profiles=["prod", *store_profiles],
        env={
            "BUNDLE_TAG": tag,
            "CERTS_DIR": certs / "live",
            "REPORTS_DIR": reports,
            "POSTGRES_PASSWORD_FILE": password_file,
            "RATELIMIT_EXEMPT_DIR": RATELIMIT_EXEMPT_DIR,  # load from the host: exempt from the /api rate limit
            "APP_CPUS": "1",
            "WEB_CONCURRENCY": "2",
            **compose_env,
            **env,
        },  # fmt: skip
        workdir=workdir,
    )


def nginx_workers(stack: SwarmStack) -> set[int]:
    """Host PIDs of the Nginx task's worker processes: a reload replaces every one."""
    (container,) = stack.containers("nginx", health=None)
    out = subprocess.run(["docker", "top", container, "-o", "pid,args"], capture_output=True, text=True, check=True)
    return {int(line.split()[0]) for line in out.stdout.splitlines()[1:] if "worker process" in line}


class SwarmUpdate(Fault):
    """A new app image rolled out under load, as `make swarm-deploy` does (migrate, then the app),
    on a running Swarm stack; Swarm must end in ``expect``."""

    checks_items = True
    lengths = {True: (10, 20), False: (3, 3)}
    expect = "completed"
    suffix = "next"  # the derived image's tag: <tag>-<suffix>-<random>
    broken = False

    def prepare(self, stack: SwarmStack, full_length: bool) -> dict:
        before = stack.image("app")
        image = derived_image(before, f"{stack.env['BUNDLE_TAG']}-{self.suffix}-{uuid.uuid4().hex[:4]}", self.broken)
        return {"image": image, "before": before, "workers": nginx_workers(stack)}

    def inject(self, stack: SwarmStack, full_length: bool, image: str, before: str, workers: set[int]) -> dict:
        update = stack.update_app(image)
        return {"update_state": update.state, "update_s": update.duration_s, "image_before": before,
                "image_rolled_out": image, "image_after": update.image_after,
                "swarm_message": update.message}  # fmt: skip

    def afterwards(self, stack: SwarmStack, result: dict, image: str, before: str, workers: set[int]) -> dict:
        reloaded = nginx_workers(stack) != workers
        verb = "rolled back to" if result["update_state"] == "rollback_completed" else "now runs"
        notes = (f"{result['requests']} requests; Swarm {result['update_state']} in {result['update_s']:.1f} s "
                 f"(update command to converged), app {verb} {result['image_after']}; "
                 f"Nginx {'reloaded' if reloaded else 'not reloaded'} (it follows the tasks "
                 "through DNS); the clients retry nothing")  # fmt: skip
        return {"nginx_reloaded": reloaded, "notes": notes}

    def met(self, r: dict) -> bool:
        """Swarm ended as expected, on the image it should run (the old one after a rollback),
        with nothing failed, lost or duplicated and the store intact."""
        runs = r["image_before"] if self.expect == "rollback_completed" else r["image_rolled_out"]
        return (r["update_state"] == self.expect and r["image_after"] == runs and r["failed_requests"] == 0
                and r["lost_items"] == 0 and r["duplicated_items"] == 0 and r["integrity"] == "ok")  # fmt: skip


class RollingUpdate(SwarmUpdate):
    name, title = "swarm-rolling-update", "Swarm rolling update to a new app image (2 replicas)"
    target = TARGET


class UnhealthyUpdate(SwarmUpdate):
    name, title = "swarm-unhealthy-update", "Swarm update to an image whose healthcheck fails"
    target = f"rolled back by Swarm itself; {TARGET}"
    expect, suffix, broken = "rollback_completed", "unhealthy", True


ROLLING_UPDATE, UNHEALTHY_UPDATE = RollingUpdate(), UnhealthyUpdate()
SWARM_FAULTS = [ROLLING_UPDATE, UNHEALTHY_UPDATE]  # in this order, on one stack


def topology(store: str) -> str:
    return f"{SWARM_TOPOLOGY} ({store})"


def run_all(certs: Path, full_length: bool, tag: str, store: str, progress=print) -> list[dict]:
    """Both updates on one fresh stack (rolling update first, then the broken one), run by the
    one fault runner (matrix.run_fault), in a swarm made for the purpose if the engine is in none
    (and left again afterwards)."""
    initialised = ensure_swarm()
    labelled = store == "postgres" and label_postgres_node()
    stack = new_stack(certs, store, tag)
    try:
        progress(f"swarm: deploying {stack.name} ({', '.join(stack.profiles)})")
        deployed = stack.deploy()
        progress(f"swarm: converged in {deployed} s")
        entries = []
        for fault in SWARM_FAULTS:
            progress(f"swarm: {fault.title} under load")
            entry = run_fault(fault, stack, full_length, topology(store))
            entries.append(entry | {"deploy_s": deployed, "store": store})
            progress(f"swarm: {entries[-1]['notes']}")
        return entries
    finally:
        stack.remove(volumes=True)
        remove_derived_images()
        if labelled:
            unlabel_postgres_node()
        if initialised:
            leave_swarm()


def stores() -> list[str]:
    """The stores the Swarm updates run on: SWARM_STORES, else both."""
    return (os.environ.get("SWARM_STORES") or "sqlite postgres").split()


def run_stores(full_length: bool, progress=print) -> list[dict]:
    """`make swarm-test` and SWARM=1: both updates on each store of ``stores()``."""
    tag = os.environ.get("BUNDLE_TAG") or "latest"
    return [e for store in stores() for e in run_all(certs_dir(), full_length, tag, store, progress)]


def main() -> int:
    """`make swarm-test`: the full-length runs, then a report with the resilience table."""
    from loadtest.report import run_folder
    from loadtest.results import manifest
    from loadtest.results.schema import new_document

    run_dir = run_folder.new_run_dir(reports_dir(os.environ.get("REPORTS_DIR", "reports")))
    entries = run_stores(True, lambda message: print(message, file=sys.stderr, flush=True))
    settings = {"users": 6, "duration_s": 0, "warmup_s": 0, "repeat": 1, "workers": 2, "app_cpus": "1",
                "locust_workers": 0, "quick": False}  # fmt: skip
    path = "host -> published host-mode port -> Nginx (TLS) -> app tasks (Swarm dnsrr); one stack for both updates"
    doc = new_document(run_dir.name, manifest.collect(settings, {}, path))
    doc["resilience"] = entries
    print(run_folder.write(run_dir, doc)["html"])
    for e in entries:
        print(f"{e['scenario']}: {e['requests']} requests, {e['failed_requests']} failed, {e['notes']}")
    return 0 if all(e["met"] for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main())
