"""The load-test knobs, from the environment (`make loadtest QUICK=1 TOPOLOGIES=...`)."""

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Words = Annotated[list[str] | None, NoDecode]  # TOPOLOGIES="a b" or "a,b", not JSON

# QUICK=1: a smoke matrix (every topology, JSON + static, no fixed-rate runs) in about 5 minutes on 2 cores.
QUICK_DEFAULTS = {
    "duration": 3, "repeat": 2, "warmup": 1, "fractions": [], "scenarios": ["api-json", "static"],
    "wrk_duration": 2, "calibration_s": 2, "idle_s": 1, "locust_rounds": 1,
}  # fmt: skip


class LoadtestSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=True)

    quick: bool = False
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
    resilience: bool | None = Field(default=None, description="fault runs too (default: on, off with QUICK)")
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

    def model_post_init(self, _context) -> None:
        if self.quick:
            for key, value in QUICK_DEFAULTS.items():
                if key == "scenarios" and self.app_dir:  # a user app has its own (runner/app.py)
                    continue
                if key not in self.model_fields_set:
                    setattr(self, key, value)
