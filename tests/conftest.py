"""The container suite: the real images, started by testcontainers' DockerCompose
(loadtest/bundle/stack.py). Unit tests live next to their code, in backend/tests and loadtest/tests.

Each stack gets its own compose project name, free host ports and its own certificates, so
a bundle left running by `make up` is never touched. In CI (CI=true) a missing Docker engine
fails the run instead of skipping it.
"""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from loadtest.bundle.stack import Bundle

ROOT = Path(__file__).resolve().parent.parent


def _docker_ok() -> str | None:
    if not shutil.which("docker"):
        return "no docker client on PATH"
    for cmd in (["docker", "info"], ["docker", "compose", "version"]):
        if subprocess.run(cmd, capture_output=True, timeout=30).returncode != 0:
            return f"`{' '.join(cmd)}` failed"
    return None


def pytest_collection_modifyitems(config, items):
    containers = [i for i in items if "containers" in i.keywords]
    if not containers:
        return
    problem = _docker_ok()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        raise pytest.UsageError(f"container tests must run in CI, but Docker is not usable: {problem}")
    for item in containers:
        item.add_marker(pytest.mark.skip(reason=f"Docker is not usable here: {problem}"))


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("certs")
    subprocess.run([str(ROOT / "scripts/certs.sh")], env={**os.environ, "CERTS_OUT": str(out)}, check=True)
    return out


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory) -> Path:
    reports = tmp_path_factory.mktemp("reports")
    reports.chmod(0o755)  # Nginx's user (uid 10001) reads it through the bind mount
    return reports


def start_stack(profile: str, certs: Path, reports_dir: Path, tmp_path_factory, store: str = "sqlite",
                extra_profiles: tuple[str, ...] = (), **extra_env) -> Bundle:  # fmt: skip
    name = "-".join([profile if store == "sqlite" else f"{profile}-{store}", *extra_profiles])
    stack = Bundle(
        root=ROOT,
        profile=profile,
        project=f"apibundle-test-{name}-{uuid.uuid4().hex[:6]}",
        certs=certs,
        reports_dir=reports_dir,
        workdir=tmp_path_factory.mktemp(f"stack-{name}"),
        extra_env=extra_env,
        store=store,
        extra_profiles=extra_profiles,
    )
    stack.start()
    return stack


@pytest.fixture(scope="session")
def prod(certs, reports_dir, tmp_path_factory):
    # The demo's load-test workloads (/api/work/*) on: many tests use them as CPU, blocking and
    # JSON probes. A deployment routes them only so (prod_postgres shows they are off by default).
    stack = start_stack("prod", certs, reports_dir, tmp_path_factory, APP_WORKLOADS="true")
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def prod_postgres(certs, reports_dir, tmp_path_factory):
    """The prod profile on the bundle's Postgres (profiles prod,postgres; APP_DATABASE_URL)."""
    stack = start_stack("prod", certs, reports_dir, tmp_path_factory, store="postgres")
    yield stack
    stack.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def store_stack(request) -> Bundle:
    """The prod bundle on each store in turn: tests of what the store does run against both."""
    return request.getfixturevalue("prod" if request.param == "sqlite" else "prod_postgres")


@pytest.fixture(scope="module")
def dev(certs, reports_dir, tmp_path_factory):
    stack = start_stack("dev", certs, reports_dir, tmp_path_factory)
    yield stack
    stack.stop()
