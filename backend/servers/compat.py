"""Which versions of the app-server packages the server layer supports, and what needs newer.

A project often pins these itself (``gunicorn~=23.0``, ``uvicorn[standard]==0.30.0``). Its pins
win inside the supported ranges (tested at both ends: examples/notes-api pins the oldest, the
demo the newest); outside them the image build stops with one line per package:
``python -m servers.compat [REQUIREMENTS...]`` after the project's dependencies are installed.
``--ranges`` prints the ranges as requirements (backend/app.Dockerfile, scripts/images.sh).
``--unavailable SERVER...`` prints ``server: why`` for each server command this image cannot run.
A feature that needs a newer version than installed is reported when the server starts
(``unavailable``), not as a crash.
"""

import re
import sys
from importlib import metadata

try:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version
except ImportError:  # a venv without packaging still has pip's copy
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.version import Version

SUPPORTED = {
    "gunicorn": ">=23,<28",
    "uvicorn": ">=0.30,<1",
    "uvicorn-worker": ">=0.2",
    "prometheus-client": ">=0.20",
    "pydantic-settings": ">=2.0",
}
# server command -> (package, the version it needs from, what for)
NEEDS = {
    "gunicorn": ("gunicorn", "23", "Gunicorn"),
    "gunicorn-asgi": ("gunicorn", "24", "Gunicorn's own ASGI worker (-k asgi)"),
    "uvicorn": ("uvicorn", "0.30", "Uvicorn"),
    "granian": ("granian", "1.0", "Granian"),
}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(package: str) -> Version | None:
    try:
        return Version(metadata.version(package))
    except metadata.PackageNotFoundError:
        return None


def unavailable(server: str) -> str | None:
    """Why ``server`` cannot run with what is installed, or None."""
    package, minimum, what = NEEDS[server]
    version = installed(package)
    if version is None:
        return f"{what} needs {package}, which is not installed in this image"
    if version < Version(minimum):
        return f"{what} needs {package} >= {minimum}; this image has {version} (pinned by the app's requirements?)"
    return None


def trusts_networks() -> bool:
    """Whether the installed servers take CIDR networks in forwarded_allow_ips (Uvicorn 0.32+,
    Gunicorn 24+: asked of their own code, not of version numbers); older ones want addresses."""
    try:
        from uvicorn.middleware import proxy_headers  # noqa: PLC0415
    except ImportError:
        return False
    if not hasattr(proxy_headers, "_TrustedHosts"):
        return False
    try:
        from gunicorn.config import validate_string_to_addr_list  # noqa: PLC0415
    except ImportError:
        return True  # no Gunicorn: Uvicorn's own check is the one
    try:
        validate_string_to_addr_list("10.0.0.0/8")
    except ValueError:
        return False
    return True


def pins(lines: list[str]) -> dict[str, str]:
    """The project's own requirement line for each supported package it names."""
    found = {}
    for line in lines:
        match = _NAME.match(line.split("#", 1)[0])
        if match and _canonical(match.group(1)) in SUPPORTED:
            found[_canonical(match.group(1))] = line.strip().removesuffix("\\").strip()  # a hashed lock's line
    return found


def problems(requirement_lines: list[str]) -> list[str]:
    named = pins(requirement_lines)
    out = []
    for package, supported in SUPPORTED.items():
        version = installed(package)
        if version is not None and version not in SpecifierSet(supported):
            pin = f" (the project pins {named[package]!r})" if package in named else ""
            out.append(f"{package} {version}{pin} is outside the range the bundle supports: {package}{supported}")
    return out


def ranges() -> list[str]:
    """The supported ranges as requirement lines: installed together with the project's own
    requirements, they let pip pick the server packages' versions that fit the project's pins
    (Uvicorn 0.30 needs uvicorn-worker 0.3, not the runtime's 0.4)."""
    return [f"{package}{supported}" for package, supported in SUPPORTED.items()]


def main(argv: list[str]) -> int:
    if argv == ["--ranges"]:
        print("\n".join(ranges()))
        return 0
    if argv[:1] == ["--unavailable"]:  # the load test asks before it plans (loadtest/runner)
        for server in argv[1:]:
            problem = unavailable(server) if server in NEEDS else f"{server} is not a server command"
            if problem:
                print(f"{server}: {problem}")
        return 0
    lines = []
    for path in argv:
        with open(path) as f:
            lines += f.read().splitlines()
    found = problems(lines)
    for line in found:
        print(f"servers: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
