"""Swarm rolling updates under steady load through Nginx: a new app image rolled out task by
task (start-first), and an image whose healthcheck fails, which Swarm must roll back by itself.
Both must cost zero failed requests, and every acknowledged create must still be there.

Entries come out in the resilience report's format (loadtest/results/schema.py, Resilience),
topology "swarm": `make swarm-test` writes them into a report, the container tests assert them.
``python -m loadtest.resilience.swarm_updates`` runs the full-length versions.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from loadtest.bundle.host import docker, make_secrets, write_app_env
from loadtest.bundle.paths import ROOT, certs_dir, reports_dir
from loadtest.bundle.stack import STORES, free_port, store_env
from loadtest.bundle.swarm import SwarmStack, ensure_swarm, label_postgres_node, leave_swarm, unlabel_postgres_node
from loadtest.resilience import integrity
from loadtest.resilience.load import LoadDriver
from loadtest.resilience.outcome import summarize

TOPOLOGY = "swarm"
# Load from the host through the published port: exempt it from the /api rate limit, as the
# other resilience runs do (loadtest/resilience/matrix.py).
RATELIMIT_EXEMPT_DIR = ROOT / "compose" / "loadtest" / "ratelimit-exempt"
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
            "RATELIMIT_EXEMPT_DIR": RATELIMIT_EXEMPT_DIR,
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


def update_under_load(stack: SwarmStack, image: str, expect: str, pre_s: float, post_s: float) -> dict:
    """Steady load through Nginx; roll ``image`` out to the app; keep the load on ``post_s``
    after Swarm is done; what the clients saw, and the store checked afterwards."""
    before = stack.image("app")
    # Clients that never send a request twice (load.py): every connection closed unread is a failure.
    workers = nginx_workers(stack)
    driver = LoadDriver(stack.base_url, stack.ssl_context(), threads=6).start()
    time.sleep(pre_s)
    fault_at = time.monotonic()
    update = stack.update_app(image)  # as `make swarm-deploy`: migrate, then the app
    fault_end = time.monotonic()
    time.sleep(post_s)
    outcomes = driver.stop()
    result = summarize(outcomes, fault_at, fault_end)
    stack.wait_for_api()
    result.update(integrity.check(stack, outcomes))
    rolled_back = update.state == "rollback_completed"
    result.update({
        "nginx_reloaded": nginx_workers(stack) != workers,
        "update_state": update.state,
        "update_s": update.duration_s,
        "image_before": before,
        "image_after": update.image_after,
        "swarm_message": update.message,
    })  # fmt: skip
    verb = "rolled back to" if rolled_back else "now runs"
    result["notes"] = (f"{result['requests']} requests; Swarm {update.state} in {update.duration_s:.1f} s "
                       f"(update command to converged), app {verb} {update.image_after}; "
                       f"Nginx {'reloaded' if result['nginx_reloaded'] else 'not reloaded'} (it follows the tasks "
                       "through DNS); the clients retry nothing")  # fmt: skip
    state_ok = update.state == expect and update.image_after == (before if rolled_back else image)
    result["met"] = (state_ok and result["failed_requests"] == 0 and result["lost_items"] == 0
                     and result["duplicated_items"] == 0 and result["integrity"] == "ok")  # fmt: skip
    return result


def rolling_update(stack: SwarmStack, full_length: bool) -> dict:
    image = derived_image(stack.image("app"), f"{stack.env['BUNDLE_TAG']}-next-{uuid.uuid4().hex[:4]}")
    pre, post = (10, 20) if full_length else (3, 3)
    result = update_under_load(stack, image, "completed", pre, post)
    return {"scenario": "swarm-rolling-update", "title": "Swarm rolling update to a new app image (2 replicas)",
            "topology": TOPOLOGY, "target": TARGET, **result}  # fmt: skip


def broken_update(stack: SwarmStack, full_length: bool) -> dict:
    image = derived_image(stack.image("app"), f"{stack.env['BUNDLE_TAG']}-unhealthy-{uuid.uuid4().hex[:4]}",
                          broken=True)  # fmt: skip
    pre, post = (10, 20) if full_length else (3, 3)
    result = update_under_load(stack, image, "rollback_completed", pre, post)
    return {"scenario": "swarm-unhealthy-update", "title": "Swarm update to an image whose healthcheck fails",
            "topology": TOPOLOGY, "target": f"rolled back by Swarm itself; {TARGET}", **result}  # fmt: skip


def run_all(certs: Path, full_length: bool, tag: str, store: str, progress=print) -> list[dict]:
    """Both updates on one fresh stack (rolling update first, then the broken one), in a
    swarm made for the purpose if the engine is in none (and left again afterwards)."""
    initialised = ensure_swarm()
    labelled = store == "postgres" and label_postgres_node()
    stack = new_stack(certs, store, tag)
    try:
        progress(f"swarm: deploying {stack.name} ({', '.join(stack.profiles)})")
        deployed = stack.deploy()
        progress(f"swarm: converged in {deployed} s; rolling update under load")
        entries = [rolling_update(stack, full_length)]
        progress(f"swarm: {entries[-1]['notes']}; now an image whose healthcheck fails")
        entries.append(broken_update(stack, full_length))
        progress(f"swarm: {entries[-1]['notes']}")
        for e in entries:
            e["deploy_s"], e["store"] = deployed, store
            e["topology"] = f"{TOPOLOGY} ({store})"
        return entries
    finally:
        stack.remove(volumes=True)
        remove_derived_images()
        if labelled:
            unlabel_postgres_node()
        if initialised:
            leave_swarm()


def main() -> int:
    """`make swarm-test`: the full-length runs, then a report with the resilience table."""
    from loadtest.report import run_folder
    from loadtest.results import manifest
    from loadtest.results.schema import new_document

    tag = os.environ.get("BUNDLE_TAG", "latest")
    stores = (os.environ.get("SWARM_STORES") or "sqlite postgres").split()
    run_dir = run_folder.new_run_dir(reports_dir(os.environ.get("REPORTS_DIR", "reports")))

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    entries = [e for store in stores for e in run_all(certs_dir(), True, tag, store, progress)]
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
