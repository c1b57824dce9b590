"""The environment a run was measured in: hardware, versions, budget, commands, commit."""

import json
import os
import platform
import subprocess
from pathlib import Path

import docker

from loadtest.bundle.paths import ROOT

_VERSIONS = (
    "import importlib.metadata as m, json, platform;"
    "print(json.dumps({'python': platform.python_version(), **{p: m.version(p) for p in"
    " ('fastapi', 'starlette', 'uvicorn', 'uvicorn-worker', 'gunicorn', 'granian', 'pydantic')}}))"
)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _out(cmd: list[str]) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    return (r.stdout + r.stderr).strip()


def _git_commit() -> str:
    commit = _out(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = _out(["git", "status", "--porcelain", "--untracked-files=no"])
    return f"{commit}{' (with uncommitted changes)' if dirty else ''}"


def image_versions(app_image: str | None = None) -> dict[str, str]:
    """Versions inside the images the run used. The comparison image is the prod image plus
    Granian (backend/Dockerfile target `compare`), so it answers for both. ``app_image``: the
    runs' APP_IMAGE (a user's app, make loadtest APP_DIR=...); None: the demo's, as in sut.yml."""
    tag = os.environ.get("BUNDLE_TAG") or "latest"
    compare = f"{app_image or 'apibundle/backend'}-compare:{tag}"
    versions = json.loads(_out(["docker", "run", "--rm", "--entrypoint", "python3", compare, "-c", _VERSIONS]))
    versions["nginx"] = _out(["docker", "run", "--rm", "--entrypoint", "nginx", f"apibundle/nginx:{tag}", "-v"]).rsplit(
        "/", 1
    )[-1]
    versions["locust"] = _out(["docker", "run", "--rm", f"apibundle/loadtest:{tag}", "--version"]).split()[1]
    return versions


def collect(settings: dict, cpusets: dict, measurement_path: str, app_image: str | None = None) -> dict:
    info = docker.from_env().version()
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "git_commit": _git_commit(),
        "host": {"kernel": platform.release(), "docker": info.get("Version", "?"), "os": platform.platform()},
        "versions": image_versions(app_image),
        "measurement_path": measurement_path,
        "settings": settings,
        "cpusets": cpusets,
        "commands": [],
    }
