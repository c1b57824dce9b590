"""A user's own FastAPI app under test (``make loadtest APP_DIR=../myproject``).

What the runner needs to measure it instead of the demo: its name and commit (for the report),
the one scenario (``app``) its request list or locustfile makes, the compose variables that put
its image and settings into every topology, and the run's request list, fixed once
(``requests.json`` and wrk's ``wrk-requests.txt`` in the run folder, which the generator mounts
at /out). Where the list comes from: loadtest/generator/appscenario/sources.py.
"""

import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loadtest.generator.appscenario import model, openapi, sources, wrk_input
from loadtest.generator.appscenario.model import Request, ScenarioError
from loadtest.runner.scenarios import Scenario

NAME = "app"  # the scenario's name in results.json
REQUESTS_FILE, WRK_FILE, OPENAPI_FILE = "requests.json", "wrk-requests.txt", "openapi.json"
OUT = "/out"  # the run folder inside the generator container (compose/loadtest/generator.yml)
USER_LOCUST_DIR = "/srv/app-locust"  # the locustfile's folder inside it (APP_LOCUST_DIR)
PROBE = "http://app:8000/.bundle/live"  # every app server's own liveness probe
DEMO_SCENARIOS = ("static",)  # the demo's scenarios that still apply: Nginx's own static site


def project_name(app_dir: Path) -> str:
    """``[project].name`` from APP_DIR/pyproject.toml, else the folder's name."""
    try:
        name = tomllib.loads((app_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        name = None
    return name if isinstance(name, str) and name.strip() else app_dir.resolve().name


def git_commit(app_dir: Path) -> str | None:
    """The short commit of the checkout APP_DIR is in, "+dirty" when its folder has changes; None if not one."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=app_dir, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return None
    dirty = git("status", "--porcelain", "--", ".")
    return f"{commit}+dirty" if dirty else commit


@dataclass
class App:
    dir: Path
    source: sources.Source
    name: str
    commit: str | None
    api_prefix: str = "/api"
    strip_prefix: bool = True
    openapi_path: str = "/api/openapi.json"
    image: str | None = None
    env_file: Path | None = None
    requests: list[Request] | None = field(default=None)  # fixed once per run (None: not yet, or a locustfile)

    @classmethod
    def from_settings(cls, s) -> "App":
        """The app the settings name (APP_DIR, LOCUSTFILE, ...); ScenarioError when unusable."""
        app_dir = Path(s.app_dir).expanduser().resolve()
        locustfile = Path(s.locustfile).expanduser().resolve() if s.locustfile else None
        source = sources.resolve(app_dir, locustfile)
        env_file = Path(s.app_env_file).expanduser().resolve() if s.app_env_file else None
        if env_file is not None and not env_file.is_file():
            raise ScenarioError(f"APP_ENV_FILE={s.app_env_file}: no such file")
        prefix = s.api_prefix.rstrip("/") or ""
        app = cls(
            app_dir, source, project_name(app_dir), git_commit(app_dir), prefix,
            True if s.api_strip_prefix is None else s.api_strip_prefix,
            s.openapi_path or f"{prefix}/openapi.json", s.app_image, env_file,
        )  # fmt: skip
        if source.requests is not None:
            app.requests = list(source.requests)
        return app

    # --- the scenario ----------------------------------------------------------------------

    def scenario(self) -> Scenario:
        if self.source.kind == sources.LOCUSTFILE:
            assert self.source.path is not None
            locustfile = f"user_locustfile.py,{USER_LOCUST_DIR}/{self.source.path.name}"
            return Scenario(NAME, locustfile, "", self.name, f"{self.name}: its own locustfile")
        return Scenario(
            NAME, "request_list.py", "RequestListUser", self.name, f"{self.name}: requests from {self.source.kind}",
            wrk_input=f"@{OUT}/{WRK_FILE}",
        )  # fmt: skip

    def scenarios(self, names: list[str] | None, demo: dict[str, Scenario]) -> list[Scenario]:
        """The app's scenario, and the demo's that still apply (static), as SCENARIOS names them."""
        names = names or [NAME, *DEMO_SCENARIOS]
        known = [NAME, *DEMO_SCENARIOS]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SystemExit(
                f"scenario {', '.join(unknown)} is the demo app's; with APP_DIR the scenarios are: {', '.join(known)}"
            )
        return [self.scenario() if n == NAME else demo[n] for n in dict.fromkeys(names)]

    # --- compose ---------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """Variables for every topology's compose project (compose/loadtest/sut.yml, generator.yml)."""
        env = {"API_PREFIX": self.api_prefix or "/", "API_STRIP_PREFIX": "true" if self.strip_prefix else "false"}
        if self.image:
            env["APP_IMAGE"] = self.image
        if self.env_file:
            env["APP_ENV_FILE"] = str(self.env_file)
        if self.source.kind == sources.LOCUSTFILE and self.source.path is not None:
            env["APP_LOCUST_DIR"] = str(self.source.path.parent)
        return env

    def verify_args(self) -> list[str]:
        args = ["--app"]
        return args + ["--requests", f"{OUT}/{REQUESTS_FILE}"] if self.source.has_list else args

    # --- the request list, fixed once per run ---------------------------------------------

    @property
    def fixed(self) -> bool:
        return not self.source.has_list or self.requests is not None

    def write(self, run_dir: Path) -> None:
        """requests.json and wrk's input in the run folder (what every topology's runs read)."""
        assert self.requests is not None
        model.dump(self.requests, run_dir / REQUESTS_FILE, self.source.kind)
        (run_dir / WRK_FILE).write_text(wrk_input.script_input(self.requests), encoding="utf-8")

    def derive(self, run_dir: Path, fetch: Callable[[str, str], str | None], target: str) -> None:
        """From the OpenAPI document, fetched through ``target`` into the run folder by ``fetch(url,
        container path)`` (the generator container: returns the problem, or None)."""
        url = target.rstrip("/") + self.openapi_path
        problem = fetch(url, f"{OUT}/{OPENAPI_FILE}")
        if problem:
            raise ScenarioError(f"{problem}: declare the requests in {self.dir}/loadtest.toml, or give LOCUSTFILE")
        path = run_dir / OPENAPI_FILE
        doc = openapi.parse(path.read_text(encoding="utf-8"), str(path))
        prefix = openapi.prefix_for(doc, self.api_prefix, self.strip_prefix)
        try:
            self.requests = openapi.requests(doc, prefix)
        except ScenarioError as exc:
            raise ScenarioError(f"{url}: {exc}") from None

    def document(self) -> dict:
        """results.json's ``app``: what the report says about the app under test."""
        return {
            "name": self.name,
            "commit": self.commit,
            "dir": str(self.dir),
            "source": self.source.kind,
            "source_path": str(self.source.path) if self.source.path else None,
            "api_prefix": self.api_prefix or "/",
            "image": self.image or "apibundle/backend",
            "requests": [
                {"method": r.method, "path": r.path, "weight": r.weight, "expect": r.expect, "name": r.name}
                for r in self.requests
            ]
            if self.requests is not None
            else None,
        }
