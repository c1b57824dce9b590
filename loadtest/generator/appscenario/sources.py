"""Which source a user app's scenario comes from, in order of precedence:

1. ``LOCUSTFILE`` (the user's own locustfile, its User classes used as they are);
2. ``APP_DIR/loadtest.toml`` (or ``loadtest.yaml`` / ``loadtest.yml``): a declared request list;
3. the app's OpenAPI document (fetched through the first topology measured, once per run).
"""

from dataclasses import dataclass
from pathlib import Path

from loadtest.generator.appscenario import declared
from loadtest.generator.appscenario.model import Request, ScenarioError

LOCUSTFILE, OPENAPI = "locustfile", "openapi"


@dataclass(frozen=True)
class Source:
    kind: str  # "locustfile" | "loadtest.toml" | "loadtest.yaml" | "loadtest.yml" | "openapi"
    path: Path | None = None  # the locustfile or the declared list; None for openapi
    requests: tuple[Request, ...] | None = None  # None: the locustfile's own, or not derived yet (openapi)

    @property
    def has_list(self) -> bool:
        return self.kind != LOCUSTFILE


def resolve(app_dir: Path, locustfile: Path | None = None) -> Source:
    """The scenario source for the app in ``app_dir``; ScenarioError (one line) when unusable."""
    if not app_dir.is_dir():
        raise ScenarioError(f"APP_DIR={app_dir}: no such directory")
    if locustfile is not None:
        if not locustfile.is_file():
            raise ScenarioError(f"LOCUSTFILE={locustfile}: no such file")
        if locustfile.suffix != ".py":
            raise ScenarioError(f"LOCUSTFILE={locustfile}: a locustfile is a Python file (.py)")
        return Source(LOCUSTFILE, locustfile)
    found = declared.find(app_dir)
    if found is not None:
        return Source(found.name, found, tuple(declared.load(found)))
    return Source(OPENAPI)
