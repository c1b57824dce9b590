"""The prod image carries only production code: the comparison servers (Granian) are in the
`compare` target (apibundle/backend-compare), which the load test's topologies use."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.containers

ROOT = Path(__file__).resolve().parent.parent
FIND = (
    "import importlib.util as u, json;"
    " print(json.dumps({m: u.find_spec(m) is not None for m in ('granian', 'gunicorn', 'uvicorn', 'uvicorn_worker')}))"
)


def build(target: str) -> str:
    """The backend image of `target`, built as Makefile's `images` does (docker build, base image
    and pip index from scripts/images.sh's exports when set)."""
    tag = f"apibundle/backend-test-{target}:{uuid.uuid4().hex[:6]}"
    args = [f"--build-arg={k}={os.environ[k]}" for k in ("PYTHON_IMAGE", "PIP_NO_INDEX") if os.environ.get(k)]
    subprocess.run(
        ["docker", "build", "--quiet", "--target", target, "--tag", tag, *args, str(ROOT / "backend")],
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
        check=True,
        capture_output=True,
        timeout=600,
    )
    return tag


@pytest.fixture(scope="module")
def modules():
    found = {}
    for target in ("prod", "compare"):
        tag = build(target)
        try:
            out = subprocess.run(
                ["docker", "run", "--rm", "--entrypoint", "python3", tag, "-c", FIND],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            found[target] = out.stdout
        finally:
            subprocess.run(["docker", "rmi", "--force", tag], capture_output=True)
    return found


def test_prod_image_has_no_comparison_servers(modules):
    assert modules["prod"].strip() == (
        '{"granian": false, "gunicorn": true, "uvicorn": true, "uvicorn_worker": true}'
    ), modules["prod"]


def test_compare_image_adds_granian(modules):
    assert '"granian": true' in modules["compare"] and '"gunicorn": true' in modules["compare"]


def test_prod_is_the_default_target():
    lines = (ROOT / "backend/Dockerfile").read_text().splitlines()
    stages = [line.split()[-1] for line in lines if line.startswith("FROM ") and " AS " in line]
    assert stages[-1] == "prod", stages  # `docker build backend/` without --target gives prod
