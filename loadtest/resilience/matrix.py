"""Every fault against every topology, each on a fresh copy of the bundle."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from loadtest.bundle.paths import ROOT
from loadtest.bundle.stack import Bundle
from loadtest.resilience.faults import FAULTS, Fault

# The load comes from one address (the host, through the published loopback port): exempt from
# the /api rate limit with the load test's own list, or the fault runs would measure 429s.
RATELIMIT_EXEMPT_DIR = ROOT / "compose" / "loadtest" / "ratelimit-exempt"
# Every fault runs against each of these (APP_SERVER values of the bundle).
SERVERS = {"gunicorn": "Gunicorn + UvicornWorker", "uvicorn": "uvicorn --workers N"}


def topology_name(server: str, store: str = "sqlite") -> str:
    """The load test's name for the same set-up (compose/loadtest/topologies/): the bundle is
    Nginx in front of ``server``, so Gunicorn is nginx-gunicorn, on Postgres nginx-gunicorn-postgres."""
    return f"nginx-{server}" if store == "sqlite" else f"nginx-{server}-{store}"


HELD_TO_TARGETS = topology_name("gunicorn")  # the prod profile: every fault must meet its target
SWARM_TOPOLOGY = "swarm"  # the Swarm updates' topology: "swarm (<store>)" (swarm_updates.py), held too


def targets_met(entries: list[dict]) -> bool:
    """The exit status's rule: every fault on the prod profile's topology and on Swarm met its
    target (uvicorn --workers is measured, not held to them)."""
    held = [e for e in entries if e["topology"] == HELD_TO_TARGETS or e["topology"].startswith(SWARM_TOPOLOGY)]
    return all(e["met"] for e in held)


def stack_for(
    fault: Fault, server: str, full_length: bool, certs: Path, workdir: Path, store: str = "sqlite"
) -> Bundle:
    reports = workdir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    env = {
        "APP_SERVER": server,
        "APP_REPLICAS": fault.replicas,
        "RATELIMIT_EXEMPT_DIR": RATELIMIT_EXEMPT_DIR,
        "APP_CPUS": "1",  # two workers on one CPU each side: the same budget for both topologies
        "WEB_CONCURRENCY": "2",
        "APP_WORKLOADS": "true",  # the demo's /api/work/* (graceful-stop holds requests on /api/work/io)
        **fault.env(full_length),
    }
    return Bundle(
        root=ROOT,
        profile="prod",
        project=f"apibundle-res-{fault.name}-{server}-{store}-{uuid.uuid4().hex[:4]}",
        certs=certs,
        reports_dir=reports,
        workdir=workdir,
        extra_env=env,
        store=store,
    )


def run_fault(fault: Fault, stack, full_length: bool, topology: str) -> dict:
    """The one fault runner: ``fault`` under load on a running ``stack`` (a compose Bundle or a
    Swarm stack), as the resilience table's entry (results/schema.py Resilience)."""
    result = fault.run(stack, full_length)
    if os.environ.get("RESILIENCE_DEBUG"):
        print("\n".join(line for line in stack.logs("nginx").splitlines() if '"status":2' not in line))
    return {"scenario": fault.name, "title": fault.title, "topology": topology, "target": fault.target, **result}


def run_one(fault: Fault, server: str, full_length: bool, certs: Path, workdir: Path, store: str = "sqlite") -> dict:
    """``fault`` on a fresh copy of the bundle on ``server`` and ``store``."""
    stack = stack_for(fault, server, full_length, certs, workdir, store)
    stack.start()
    try:
        return run_fault(fault, stack, full_length, topology_name(server, store))
    finally:
        stack.stop()


def run_all(full_length: bool, certs: Path, workdir: Path, progress: Callable[[str], None] = print) -> list[dict]:
    results = []
    for fault in FAULTS:
        for server in SERVERS:
            progress(f"resilience: {fault.name} on {server}")
            results.append(run_one(fault, server, full_length, certs, workdir / f"{fault.name}-{server}"))
    return results
