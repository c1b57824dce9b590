"""The bundle as a Docker Swarm stack, on a real single-node swarm (made here if the engine is in
none, and left again afterwards): the same user-facing checks as the compose stack (TLS, static
files, /api from Gunicorn, items that persist across an app update), Nginx following the app's
tasks, a rolling update under steady load with zero failed requests, an update to an image whose
healthcheck fails rolled back by Swarm itself, and Locust's master and workers as services. The
load's clients never retry a request, and Nginx follows the tasks without a reload.

The updates are the short versions of `make swarm-test` (loadtest/resilience/swarm_updates.py),
run by the one fault runner (loadtest/resilience/matrix.py run_fault)."""

import json
import os
import re
import subprocess

import httpx
import pytest

from loadtest.bundle.swarm import (
    build_images,
    ensure_swarm,
    label_postgres_node,
    leave_swarm,
    run_locust,
    unlabel_postgres_node,
)
from loadtest.resilience import swarm_updates as updates
from loadtest.resilience.matrix import run_fault
from tests.conftest import ROOT

pytestmark = pytest.mark.containers

SHOWN = ("requests", "failed_requests", "error_codes", "stalls", "update_s", "nginx_reloaded", "notes")


def _store() -> str:
    """postgres where docker-compose.yml has it (the store the Swarm stack is meant to run on)."""
    out = subprocess.run(["docker", "compose", "--profile", "postgres", "config", "--services"], cwd=ROOT,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return "postgres" if "postgres" in out.stdout.split() else "sqlite"


@pytest.fixture(scope="module")
def swarm():
    before = subprocess.run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"], capture_output=True,
                            text=True, check=True).stdout.strip()  # fmt: skip
    initialised = ensure_swarm()
    yield initialised
    if initialised:
        leave_swarm()
    after = subprocess.run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"], capture_output=True,
                           text=True, check=True).stdout.strip()  # fmt: skip
    assert after == before, f"the engine was left in swarm state {after!r}, found in {before!r}"


@pytest.fixture(scope="module")
def stack(swarm, certs):
    store = _store()
    # The demo's load-test workloads on: the Locust services' default scenario is its JSON endpoint.
    s = updates.new_stack(certs, store, os.environ.get("BUNDLE_TAG", "latest"), app_env={"APP_WORKLOADS": "true"})
    build_images(s.profiles, generator=True)
    labelled = store == "postgres" and label_postgres_node()
    try:
        s.deploy_s = s.deploy()
        yield s
    finally:
        s.remove(volumes=True)
        updates.remove_derived_images()
        if labelled:
            unlabel_postgres_node()


def test_the_stack_file_has_nothing_stack_deploy_rejects(stack):
    doc = stack.stack_file.read_text()
    for key in ("build:", "profiles:", "depends_on:", "container_name:", "restart:", "security_opt:"):
        assert f"\n    {key}" not in doc, key
    assert "\nname:" not in doc


def test_tls_static_and_api_from_gunicorn(stack):
    print(f"deployed and converged in {stack.deploy_s} s")
    with httpx.Client(verify=stack.ssl_context()) as c:
        page = c.get(f"{stack.base_url}/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert page.headers["strict-transport-security"].startswith("max-age=")
        health = c.get(f"{stack.base_url}/api/health").json()
        assert (health["server"], health["worker"]) == ("gunicorn", "uvicorn")
        redirect = c.get(f"http://localhost:{stack.http_port}/api/health")
        assert redirect.status_code == 308
        assert redirect.headers["location"] == f"https://localhost:{stack.https_port}/api/health"
    # The server's key and certificate are Swarm secrets, not a bind mount of the host's folder.
    nginx = stack.inspect_service("nginx")["Spec"]["TaskTemplate"]["ContainerSpec"]
    assert {s["File"]["Name"] for s in nginx["Secrets"]} == {"/etc/nginx/certs/server.crt",
                                                              "/etc/nginx/certs/server.key"}  # fmt: skip
    assert not any(m.get("Target") == "/etc/nginx/certs" for m in nginx.get("Mounts", []))


def test_app_is_dnsrr_with_a_rollback_update_policy(stack):
    spec = stack.inspect_service("app")["Spec"]
    assert spec["EndpointSpec"]["Mode"] == "dnsrr"
    assert spec["Mode"]["Replicated"]["Replicas"] >= 2
    update = spec["UpdateConfig"]
    assert (update["Order"], update["Parallelism"], update["FailureAction"]) == ("start-first", 1, "rollback")
    assert update["Delay"] > 5e9  # longer than Nginx's fail_timeout (5 s)
    assert spec["RollbackConfig"]["Order"] == "start-first"


def test_locust_master_and_workers_as_services(stack):
    result = run_locust(stack.name, workers=2, users=4, duration_s=5, tag=stack.env["BUNDLE_TAG"],
                        name=f"{stack.name}-locust")  # fmt: skip
    print(f"locust: {result.workers_connected} workers, {result.requests} requests, {result.failures} failures")
    assert result.workers_connected == 2, result.output[-3000:]
    assert result.requests > 50 and result.failures == 0, result.output[-3000:]
    assert result.master_exit == 0, result.output[-3000:]


def _task_addresses(stack, service: str) -> set[str]:
    out = set()
    for t in stack.tasks(service):
        if t["DesiredState"] == "running" and t["Status"]["State"] == "running":
            for att in t.get("NetworksAttachments") or []:
                if att["Network"]["Spec"]["Name"] == f"{stack.name}_backend":
                    out |= {a.split("/")[0] for a in att["Addresses"]}
    return out


def _upstreams_used(stack, tail: int) -> set[str]:
    addrs = set()
    for line in stack.logs("nginx", tail=tail).splitlines():
        if line.startswith("{") and '"upstream_addr"' in line:
            addrs |= set(re.findall(r"(\d+\.\d+\.\d+\.\d+):\d+", json.loads(line).get("upstream_addr", "")))
    return addrs


def test_rolling_update_under_load_loses_nothing_and_nginx_follows_the_tasks(stack):
    with stack.client() as c:
        kept = c.post("/api/items", json={"name": "kept across the update"}).json()
    old = _task_addresses(stack, "app")
    result = run_fault(updates.ROLLING_UPDATE, stack, False, updates.topology(stack.store))
    print({k: result[k] for k in SHOWN})
    assert result["update_state"] == "completed", result
    assert result["failed_requests"] == 0, result
    assert result["lost_items"] == 0 and result["duplicated_items"] == 0 and result["integrity"] == "ok", result
    assert result["created"] > 0 and result["requests"] > 100, result
    assert result["met"], result
    with stack.client() as c:
        assert c.get(f"/api/items/{kept['id']}").json()["name"] == "kept across the update"
    # Nginx followed the tasks: the new ones answer, the old ones are gone from its upstream.
    new = _task_addresses(stack, "app")
    assert new and not (new & old), (old, new)
    with stack.client() as c:
        for _ in range(40):
            assert c.get("/api/health").status_code == 200
    assert result["nginx_reloaded"] is False, result  # followed through DNS (`resolve`), no reload
    assert _upstreams_used(stack, tail=40) == new


def test_an_update_whose_healthcheck_fails_rolls_back_by_itself(stack):
    before = stack.image("app")
    result = run_fault(updates.UNHEALTHY_UPDATE, stack, False, updates.topology(stack.store))
    print({k: result[k] for k in SHOWN})
    assert result["update_state"] == "rollback_completed", result
    assert result["image_after"] == before, result
    assert result["failed_requests"] == 0, result
    assert result["lost_items"] == 0 and result["duplicated_items"] == 0 and result["integrity"] == "ok", result
    assert result["met"], result
