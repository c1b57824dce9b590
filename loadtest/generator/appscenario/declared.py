"""The declarative source: a request list in the project, ``APP_DIR/loadtest.toml`` (or
``loadtest.yaml`` / ``loadtest.yml``)::

    [[requests]]
    path = "/api/notes?limit=20"      # the public path, API prefix included
    weight = 3                        # default 1
    name = "list notes"               # optional: how statistics name it

    [[requests]]
    method = "POST"                   # default GET
    path = "/api/notes"
    json = {title = "load test"}      # optional JSON body
    headers = {X-Api-Key = "demo"}    # optional
    expect = 201                      # default 200 for GET, HEAD and OPTIONS; required otherwise

In YAML, the same under ``requests:`` (or the list itself at the top level).
"""

import tomllib
from pathlib import Path

from loadtest.generator.appscenario.model import Request, ScenarioError, from_list

FILES = ("loadtest.toml", "loadtest.yaml", "loadtest.yml")


def find(app_dir: Path) -> Path | None:
    """The project's declared request list, if it has one (first of FILES)."""
    return next((app_dir / name for name in FILES if (app_dir / name).is_file()), None)


def _parse(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    try:
        import yaml  # the host's venv has PyYAML; the generator image never reads this file
    except ImportError:
        raise ScenarioError(f"{path}: reading YAML needs PyYAML (or use loadtest.toml)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None


def load(path: Path) -> list[Request]:
    """The requests a loadtest.toml / .yaml declares, checked; ScenarioError names the problem."""
    try:
        doc = _parse(path)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if isinstance(doc, dict):
        unknown = sorted(set(doc) - {"requests"})
        if unknown:
            raise ScenarioError(f"{path}: unknown top-level key {', '.join(map(repr, unknown))} (expected 'requests')")
        if "requests" not in doc:
            raise ScenarioError(f"{path}: no 'requests' list ([[requests]] tables with method and path)")
        doc = doc["requests"]
    return from_list(doc, path.name)
