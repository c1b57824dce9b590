"""The images. The runtime image carries only production code: the comparison servers (Granian)
and the bare ASGI ceiling (servers.compare) are in the `runtime-compare` target
(apibundle/runtime-compare), which the load test's comparison images are built on. The edge
image runs an Nginx new enough for its config."""

import json
import os
import re
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from tests.test_lock_files import logical_lines

pytestmark = pytest.mark.containers

ROOT = Path(__file__).resolve().parent.parent
FIND = (
    "import importlib.util as u, json;"
    " print(json.dumps({m: u.find_spec(m) is not None"
    " for m in ('granian', 'gunicorn', 'uvicorn', 'uvicorn_worker', 'servers.compare')}))"
)


def build(target: str) -> str:
    """The runtime image of `target`, built as scripts/images.sh does (docker build, base image
    and pip index from its exports when set)."""
    tag = f"apibundle/runtime-test-{target}:{uuid.uuid4().hex[:6]}"
    args = [f"--build-arg={k}={os.environ[k]}" for k in ("PYTHON_IMAGE", "PIP_NO_INDEX") if os.environ.get(k)]
    subprocess.run(
        ["docker", "build", "--quiet", "--target", target, "--tag", tag, *args, str(ROOT / "backend" / "servers")],
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
        check=True,
        capture_output=True,
        timeout=600,
    )
    return tag


@pytest.fixture(scope="module")
def modules():
    found = {}
    for target in ("runtime", "runtime-compare"):
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
    assert modules["runtime"].strip() == (
        '{"granian": false, "gunicorn": true, "uvicorn": true, "uvicorn_worker": true, "servers.compare": false}'
    ), modules["runtime"]


def test_compare_image_adds_granian(modules):
    compare = modules["runtime-compare"]
    assert '"granian": true' in compare and '"gunicorn": true' in compare and '"servers.compare": true' in compare


def test_runtime_is_the_default_target():
    lines = (ROOT / "backend/servers/Dockerfile").read_text().splitlines()
    stages = [line.split()[-1] for line in lines if line.startswith("FROM ") and " AS " in line]
    assert stages[-1] == "runtime", stages  # `docker build backend/servers` without --target gives it


# What the edge's config needs of Nginx: upstream `resolve` (open-source 1.27.3) and
# keepalive_min_timeout (1.27.4), and the modules it uses. Both image paths (the official image
# and the air-gapped base with Debian forky's Nginx, scripts/images.sh) must have them.
NGINX_FLOOR = (1, 27, 4)
NGINX_MODULES = ("http_ssl_module", "http_v2_module", "http_v3_module", "http_stub_status_module")


@pytest.fixture(scope="module")
def nginx_version():
    """`nginx -V` of the edge image, built as compose builds it (nginx/, NGINX_IMAGE from
    scripts/images.sh's exports when set), run as a container."""
    tag = f"apibundle/nginx-test:{uuid.uuid4().hex[:6]}"
    args = [f"--build-arg=NGINX_IMAGE={os.environ['NGINX_IMAGE']}"] if os.environ.get("NGINX_IMAGE") else []
    subprocess.run(["docker", "build", "--quiet", "--tag", tag, *args, str(ROOT / "nginx")],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    try:
        out = subprocess.run(["docker", "run", "--rm", "--entrypoint", "nginx", tag, "-V"],
                             capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return out.stderr
    finally:
        subprocess.run(["docker", "rmi", "--force", tag], capture_output=True)


def test_the_edge_runs_nginx_1_27_4_or_later(nginx_version):
    first = nginx_version.splitlines()[0]  # "nginx version: nginx/1.30.6"
    version = tuple(int(part) for part in first.rsplit("/", 1)[1].split(".")[:3])
    assert version >= NGINX_FLOOR, first


def test_the_edge_nginx_has_the_modules_the_config_uses(nginx_version):
    missing = [m for m in NGINX_MODULES if f"--with-{m}" not in nginx_version]
    assert missing == [], nginx_version


# The local bases (scripts/images.sh, where no registry answers): Debian's signatures checked by
# debootstrap and apt, trixie-security in the sources and applied, the recipe as labels.
BASE_VARS = ("PYTHON_IMAGE", "LOADTEST_PYTHON_IMAGE", "NGINX_IMAGE", "POSTGRES_IMAGE", "PROMETHEUS_IMAGE",
             "NGINX_EXPORTER_IMAGE")  # fmt: skip


def local_bases() -> list[str]:
    return sorted({os.environ[v] for v in BASE_VARS if os.environ.get(v, "").startswith("apibundle/base-")})


def labels(image: str) -> dict[str, str]:
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", image],
                         capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    return json.loads(out.stdout) or {}


def test_every_local_base_carries_its_recipe_suites_and_security_date():
    bases = local_bases()
    if not bases:
        pytest.skip("the official images are in use (a registry answered): no local bases")
    for base in bases:
        found = labels(base)
        assert re.fullmatch(r"[0-9a-f]{16}", found.get("org.apibundle.base.recipe", "")), (base, found)
        suites = found.get("org.apibundle.base.suites", "").split()
        assert suites[:2] == ["trixie", "trixie-security"], (base, found)
        assert ("forky" in suites) == (base == os.environ.get("NGINX_IMAGE")), (base, found)
        released = datetime.strptime(found["org.apibundle.base.security-release"], "%a, %d %b %Y %H:%M:%S %Z")
        assert released.year >= 2025, (base, found)


def test_every_local_base_keeps_trixie_security_signed_and_nothing_trusted_blindly():
    bases = local_bases()
    if not bases:
        pytest.skip("the official images are in use (a registry answered): no local bases")
    for base in bases:
        out = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "sh", base, "-c",
             "cat /etc/apt/sources.list /etc/apt/sources.list.d/*; ls /usr/share/keyrings"],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        assert "Suites: trixie-security" in out.stdout, (base, out.stdout)
        assert "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" in out.stdout, (base, out.stdout)
        assert "debian-archive-keyring.gpg" in out.stdout.split(), (base, out.stdout)
        assert "trusted=yes" not in out.stdout and "allow-insecure" not in out.stdout.lower(), (base, out.stdout)


def app_build(tmp_path: Path, requirements: str) -> str | None:
    """backend/app.Dockerfile on a project with just this requirements.txt, built by compose as
    `make images` builds an app (BuildKit); None when it built, else the build's output."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "requirements.txt").write_text(requirements)
    (project / "main.py").write_text("app = None\n")
    tag = f"apibundle/app-hash-test:{uuid.uuid4().hex[:6]}"
    args = {k: os.environ[k] for k in ("WHEELS_IMAGE", "PIP_NO_INDEX") if os.environ.get(k)}
    service = {"image": tag, "build": {"context": str(project), "dockerfile": str(ROOT / "backend/app.Dockerfile"),
                                       "args": args}}  # fmt: skip
    (tmp_path / "compose.yml").write_text(json.dumps({"services": {"app": service}}))
    done = subprocess.run(
        ["docker", "compose", "-p", f"hash-test-{uuid.uuid4().hex[:6]}", "-f", str(tmp_path / "compose.yml"),
         "build", "--progress", "plain", "app"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    subprocess.run(["docker", "rmi", "--force", tag], capture_output=True)
    return None if done.returncode == 0 else done.stdout + done.stderr


# annotated-doc: no dependencies, not in the runtime image, in the demo's lock (so in its wheels
# image when air-gapped): installing it is what pip checks.
DOC_LOCK = next(line for line in logical_lines((ROOT / "backend/requirements.txt").read_text())
                if line.startswith("annotated-doc=="))  # fmt: skip


def test_a_project_lock_with_hashes_is_installed_only_when_they_match(tmp_path):
    assert app_build(tmp_path, DOC_LOCK + "\n") is None
    bad = app_build(tmp_path, f"{DOC_LOCK.split()[0]} --hash=sha256:{'0' * 64}\n")
    assert bad is not None and "DO NOT MATCH THE HASHES" in bad, bad and bad[-3000:]
