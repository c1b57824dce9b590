"""A project's dependencies, as requirement lines: ``python3 -I servers/deps.py PROJECT_DIR``
(-I: the script's folder must not shadow the standard library, servers/logging.py would).

``requirements.txt`` when the project has one, else ``[project].dependencies`` from its
pyproject.toml (the project itself is not installed as a package: its code is copied into the
image and imported from there). Standard library only: the host runs it to download the
project's wheels (scripts/images.sh), the app image's build to install them
(backend/app.Dockerfile). One line on stderr and exit 2 when the project declares neither.
"""

import sys
import tomllib
from pathlib import Path


class NoDependencies(Exception):
    pass


def requirements(project: Path) -> list[str]:
    req = project / "requirements.txt"
    if req.is_file():
        return [line for line in req.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise NoDependencies(f"{pyproject}: not valid TOML ({exc})") from None
        deps = doc.get("project", {}).get("dependencies")
        if isinstance(deps, list) and all(isinstance(d, str) for d in deps):
            return deps
        if deps is not None:
            raise NoDependencies(f"{pyproject}: [project].dependencies is not a list of requirement strings")
    raise NoDependencies(
        f"{project} declares no dependencies: add a requirements.txt, or [project].dependencies to its pyproject.toml"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: deps.py PROJECT_DIR", file=sys.stderr)
        return 2
    try:
        print("\n".join(requirements(Path(argv[0]))))
    except NoDependencies as exc:
        print(f"deps: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
