"""The load-test knobs, from the environment (`make loadtest QUICK=1 TOPOLOGIES=...`).

Three plans: the default (the questions users come with, adaptive rounds within BUDGET,
DEFAULT_PLAN below), FULL=1 (every topology and scenario, REPEAT fixed rounds: the whole matrix)
and QUICK=1 (a smoke matrix, figures indicative only). Faults run only with RESILIENCE=1
(or `make resilience`).
"""

import re
from typing import Annotated

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Words = Annotated[list[str] | None, NoDecode]  # TOPOLOGIES="a b" or "a,b", not JSON

# The default plan: the topologies that answer the questions (loadtest/report/questions.py):
# Gunicorn vs uvicorn --workers behind Nginx, the Nginx tax (unix socket and TCP), unix vs TCP,
# -k asgi vs UvicornWorker, Granian vs Gunicorn, what the bundle's middleware costs (gunicorn-nomw:
# the JSON endpoint only, the report's middleware goal); the JSON endpoint and one store-backed scenario
# (SQLite reads); wrk capacity every round, Locust (capacity on the reference, one fixed-rate
# point) in the first round only.
DEFAULT_TOPOLOGIES = [
    "nginx-gunicorn", "nginx-uvicorn", "gunicorn", "nginx-gunicorn-unix", "nginx-gunicorn-asgi", "nginx-granian",
    "gunicorn-nomw",
]  # fmt: skip
DEFAULT_PLAN = {
    "topologies": DEFAULT_TOPOLOGIES, "scenarios": ["api-json", "api-read"], "duration": 8, "wrk_duration": 8,
    "warmup": 2, "repeat": 10, "fractions": [0.5], "locust_rounds": 1, "calibration_s": 3, "idle_s": 3,
}  # fmt: skip
DEFAULT_BUDGET_S = 30 * 60
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse_duration(text: str | int | float) -> int:
    """Seconds from "90s", "30m", "1h", "1h30m", "1h30m15s" or a plain number of seconds."""
    if isinstance(text, int | float):
        seconds = int(text)
    else:
        match = _DURATION.match(text.strip().lower())
        if not text.strip() or not match or not any(match.groups()):
            raise ValueError(f"BUDGET={text!r}: give a duration such as 90s, 30m, 1h or 1h30m")
        h, m, sec = (int(g) if g else 0 for g in match.groups())
        seconds = 3600 * h + 60 * m + sec
    if seconds <= 0:
        raise ValueError(f"BUDGET={text!r}: must be more than 0 s")
    return seconds


# QUICK=1: a smoke matrix (every topology, JSON + static, no fixed-rate runs) in about 5 minutes on 2 cores.
QUICK_DEFAULTS = {
    "duration": 3, "repeat": 2, "warmup": 1, "fractions": [], "scenarios": ["api-json", "static"],
    "wrk_duration": 2, "calibration_s": 2, "idle_s": 1, "locust_rounds": 1,
}  # fmt: skip


class LoadtestSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=True)
    _given: frozenset[str] = PrivateAttr(default=frozenset())  # the knobs set explicitly, before a plan's defaults

    quick: bool = False
    full: bool = Field(default=False, description="the whole matrix: every topology and scenario, REPEAT fixed rounds")
    budget: Annotated[int, NoDecode] = Field(
        default=DEFAULT_BUDGET_S, description="the default plan's time budget, e.g. 90s, 30m, 1h30m (seconds)"
    )
    topologies: Words = None
    scenarios: Words = None
    users: int = Field(default=64, ge=1, le=5000)
    duration: int = Field(default=20, ge=2, le=3600, description="seconds per measured run")
    warmup: int = Field(default=5, ge=0, le=600, description="seconds of warm-up, excluded from results")
    repeat: int = Field(default=5, ge=1, le=50, description="rounds: each topology once per round, interleaved")
    fractions: Annotated[list[float], NoDecode] = Field(
        default=[0.5, 0.8], description="fixed-rate runs, as fractions of capacity"
    )
    wrk: bool = Field(default=True, description="wrk capacity runs too, where a scenario has wrk paths")
    wrk_duration: int | None = Field(default=None, ge=1, le=3600, description="seconds per wrk run (default: duration)")
    locust_rounds: int | None = Field(
        default=None, ge=0, le=50, description="rounds with a Locust capacity run where wrk runs too (default: all)"
    )
    calibration_s: int = Field(default=5, ge=1, le=600, description="seconds per generator calibration run")
    idle_s: int = Field(default=5, ge=0, le=600, description="seconds of idle CPU measured per topology")
    cpus: int | None = Field(default=None, ge=1, le=1024, description="CPUs for the system under test")
    workers: int | None = Field(default=None, ge=1, le=256, description="app workers (default: cpus)")
    locust_workers: int | None = Field(default=None, ge=1, le=256)
    reports_dir: str = "reports"
    resilience: bool = Field(default=False, description="the fault runs too (make resilience runs them alone)")
    loadtest_project: str = Field(default="apibundle-loadtest", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # A user's own app instead of the demo (runner/app.py): its project folder, and where its
    # scenario comes from (LOCUSTFILE, else APP_DIR/loadtest.toml|yaml, else its OpenAPI document).
    app_dir: str | None = Field(default=None, description="the user's FastAPI project (default: the demo app)")
    locustfile: str | None = Field(default=None, description="the user's own locustfile (APP_DIR only)")
    app_image: str | None = Field(default=None, description="the app image (default apibundle/backend, the demo)")
    app_env_file: str | None = Field(default=None, description="the app's own settings, an env file on the host")
    api_prefix: str = Field(default="/api", pattern=r"^/[\w./-]*$", description="the public path of the API")
    api_strip_prefix: bool | None = Field(
        default=None, description="the app's routes sit at its root, served under API_PREFIX (default: on with APP_DIR)"
    )
    openapi_path: str | None = Field(
        default=None, pattern=r"^/\S*$", description="the app's OpenAPI document (default API_PREFIX/openapi.json)"
    )

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value):
        return parse_duration(value)

    @field_validator("topologies", "scenarios", "fractions", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):  # TOPOLOGIES="a b" or "a,b"
            return [v for v in value.replace(",", " ").split() if v]
        return value

    @field_validator("fractions")
    @classmethod
    def _fraction_range(cls, value):
        if any(not 0 < f <= 1.5 for f in value):
            raise ValueError("fractions must be in (0, 1.5]")
        return value

    def given(self, knob: str) -> bool:
        """Whether ``knob`` was set (environment or argument), not filled in by a plan."""
        return knob in self._given

    @property
    def adaptive(self) -> bool:
        """The default plan: rounds continue only for the comparisons still undecided."""
        return not (self.quick or self.full)

    @property
    def plan_name(self) -> str:
        return "quick" if self.quick else "full" if self.full else "default"

    def model_post_init(self, _context) -> None:
        if self.quick and self.full:
            raise ValueError("QUICK=1 and FULL=1 exclude each other")
        self._given = frozenset(self.model_fields_set)
        defaults = QUICK_DEFAULTS if self.quick else {} if self.full else DEFAULT_PLAN
        for key, value in defaults.items():
            if key == "scenarios" and self.app_dir:  # a user app has its own (runner/app.py)
                continue
            if key not in self.model_fields_set:
                setattr(self, key, list(value) if isinstance(value, list) else value)
