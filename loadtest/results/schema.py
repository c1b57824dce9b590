"""The ``results.json`` contract between the runner and the report (schema_version 2).

The runner writes one ``results.json`` per run directory; :func:`load` reads it back and
validates it with pydantic against the TypedDicts below, naming the first failing key by its
path (``runs[3].latency_ms.p99``).  Keys the report can do without are ``NotRequired``; every
field that version 2 added is, so a file written before the runner filled them in still loads.
Keys not listed here are kept as they are (``extra="allow"``).

Version 1 files are upgraded in memory: version 2 only added optional keys, so the upgrade sets
``schema_version`` to 2 and the report shows "not measured" where the new figures are missing.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic needs typing_extensions' TypedDict before Python 3.12

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)

_OPEN = ConfigDict(extra="allow")


class SchemaError(ValueError):
    """results.json is missing, unreadable, or does not match the schema."""


@with_config(_OPEN)
class Host(TypedDict):
    kernel: str
    docker: str


@with_config(_OPEN)
class Settings(TypedDict):
    users: int
    duration_s: float
    warmup_s: float
    repeat: int
    workers: int
    app_cpus: str
    locust_workers: int
    quick: bool
    interleaved: NotRequired[bool]  # v2: repetitions round-robin across topologies
    rounds: NotRequired[int]  # v2
    plan: NotRequired[Literal["default", "full", "quick"]]  # v2: which plan ran (absent: full)
    adaptive: NotRequired[bool]  # v2: rounds stopped per comparison (loadtest/report/sequential.py)
    budget_s: NotRequired[float | None]  # v2: the default plan's time budget
    resilience: NotRequired[bool]  # v2: the fault runs were asked for
    idle_s: NotRequired[float]  # idle CPU's window, whole healthcheck intervals (older runs: as asked)
    probe_interval_s: NotRequired[float]  # how often Docker probed the app (its healthcheck interval)


@with_config(_OPEN)
class Manifest(TypedDict):
    cpu_model: str
    cpu_count: int
    git_commit: str
    host: Host
    versions: dict[str, str]  # python, fastapi, uvicorn, gunicorn, granian, nginx, locust
    measurement_path: str  # e.g. "container to container on a Docker bridge network"
    settings: Settings
    cpusets: dict[str, str]  # {"app": "0", "nginx": "0", "generator": "1"}
    commands: list[str]


@with_config(_OPEN)
class ScenarioInfo(TypedDict):
    label: NotRequired[str]
    description: NotRequired[str]


@with_config(_OPEN)
class Topology(TypedDict):
    description: str
    server: str  # gunicorn, uvicorn, granian, gunicorn-asgi, ...
    proxy: str  # "nginx" or "none"
    workers: int
    app_cpus: str
    tls: bool
    label: NotRequired[str]  # v2: short human label from the topology file's x-topology block
    idle_cpu_pct: NotRequired[dict[str, float]]  # v2: service -> % of one core while idle
    upstream: NotRequired[Literal["tcp", "unix"] | None]  # v2: how Nginx reaches the app
    nginx_cpus: NotRequired[str | None]  # v2, optional: Nginx's own cpuset when it has one
    store: NotRequired[Literal["sqlite", "postgres"]]  # v2, optional: the items' store (absent: sqlite)


@with_config(_OPEN)
class Calibration(TypedDict):
    tool: str  # "wrk" | "locust"
    scheme: str  # "https" | "http"
    target: str
    rps: float
    generator_cpu_pct: NotRequired[float | None]
    duration_s: NotRequired[float | None]


@with_config(_OPEN)
class Latency(TypedDict):
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    avg: float


@with_config(_OPEN)
class ContainerStats(TypedDict):  # docker stats averages (v1); v2 prefers cpu_us_per_request / cpu_busy
    cpu_pct_avg: float
    cpu_pct_max: float
    mem_mb_avg: float
    mem_mb_max: float


@with_config(_OPEN)
class GeneratorStats(TypedDict):
    cpu_pct_avg: float
    cpu_pct_max: float
    saturated: bool
    warnings: list[str]
    tool: NotRequired[str]  # v2
    ceiling_rps: NotRequired[float | None]  # v2: calibrated ceiling for the same tool and scheme
    headroom: NotRequired[float | None]  # v2: ceiling_rps / rps


@with_config(_OPEN)
class HistoryPoint(TypedDict):
    t: float  # seconds since the measured phase started (warm-up already excluded)
    rps: float
    p50: float
    p95: float
    users: int
    failures_per_s: float


@with_config(_OPEN)
class Run(TypedDict):
    topology: str
    scenario: str
    mode: Literal["capacity", "fixed-rate"]
    load_fraction: float | None
    target_rps: float | None
    repetition: int  # 1-based
    requests: int
    failures: int
    rps: float
    duration_s: float
    latency_ms: Latency
    errors: dict[str, int]  # method name or HTTP status -> count
    containers: dict[str, ContainerStats]  # compose service -> stats
    generator: GeneratorStats
    history: list[HistoryPoint]  # [] for wrk runs
    csv_prefix: str  # relative to the run dir: Locust CSVs, or the raw wrk output
    tool: NotRequired[str]  # v2: "locust" (default) | "wrk"
    cpu_us_per_request: NotRequired[dict[str, float | None]]  # v2: app, nginx, generator (+ postgres) (cgroup cpu.stat)
    cpu_busy: NotRequired[dict[str, float]]  # v2: share of the service's CPU set that was busy (0..1+)
    # v2: the SUT CPU set's time from /proc/stat (0..1): user, system, softirq, steal, busy, and
    # unattributed (busy that no container on the set was charged for: kernel work)
    sut_cpuset: NotRequired[dict[str, float]]
    throttled: NotRequired[dict[str, dict[str, float]]]  # v2: service -> CPU-quota throttling: periods, ms


@with_config(_OPEN)
class Verification(TypedDict):
    ok: bool
    checks: list[str]


@with_config(_OPEN)
class Stall(TypedDict):
    worker_pid: int | None
    start_s: float
    duration_s: float
    cause: str


@with_config(_OPEN)
class InFlight(TypedDict):
    count: int
    codes: dict[str, int]


@with_config(_OPEN)
class Resilience(TypedDict):
    scenario: str
    topology: str
    failed_requests: int
    error_codes: dict[str, int]
    recovery_s: float | None
    capacity_after_pct: float | None  # null when the baseline was disturbed
    lost_items: int
    target: str
    met: bool
    notes: str
    baseline_rps: NotRequired[float | None]  # v2
    baseline_disturbed: NotRequired[bool]  # v2
    stalls: NotRequired[list[Stall]]  # v2
    in_flight: NotRequired[InFlight | None]  # v2: graceful stop only


@with_config(_OPEN)
class AppRequest(TypedDict):
    method: str
    path: str  # public path, API prefix included
    weight: int
    expect: int  # the status verification required
    name: NotRequired[str | None]


@with_config(_OPEN)
class App(TypedDict):  # v2, optional: a user's app (APP_DIR); absent: the bundle's demo app
    name: str  # [project].name from its pyproject.toml, else its folder's name
    commit: str | None  # short sha (+dirty), None when not a git checkout
    source: str  # where the scenario came from: "locustfile" | "loadtest.toml" | "loadtest.yaml" | "openapi"
    requests: list[AppRequest] | None  # None: the locustfile's own
    dir: NotRequired[str]
    source_path: NotRequired[str | None]
    api_prefix: NotRequired[str]
    image: NotRequired[str]


@with_config(_OPEN)
class Look(TypedDict):
    round: int
    n_a: int
    n_b: int
    effect: float  # geometric mean(A) / geometric mean(B) - 1 (NaN with under 2 values a side)
    ci_low: float
    ci_high: float
    alpha: float  # the level this look was tested at
    verdict: str  # "A better" | "B better" | "equivalent" | "undecided"


@with_config(_OPEN)
class Sequential(TypedDict):  # v2, optional: one comparison of the default plan
    key: str  # the card it feeds (loadtest/report/questions.py)
    question: str
    a: str
    b: str
    scenario: str
    metric: Literal["cpu_us_per_request", "rps"]  # SUT CPU µs per request (app + nginx + store), or RPS
    lower_is_better: bool
    threshold: float  # the equivalence margin, relative
    alpha: float  # claimed false-positive rate, over all its looks
    method: str
    looks_planned: list[int]  # rounds with a look
    values_a: list[float]  # one per round
    values_b: list[float]
    looks: list[Look]
    verdict: str  # "A better" | "B better" | "equivalent" | "not decided within budget"
    stopped: str  # "decided" | "budget spent" | "planned looks done" | "not measured"


@with_config(_OPEN)
class Plan(TypedDict):  # v2, optional: what the runner planned before it started
    name: str
    topologies: list[str]
    scenarios: list[str]
    max_rounds: int
    expected_s: float
    budget_s: NotRequired[float | None]
    looks: NotRequired[list[int]]
    alpha: NotRequired[float | None]
    method: NotRequired[str | None]
    threshold: NotRequired[float | None]
    worst_s: NotRequired[float]
    costs: NotRequired[dict[str, float]]  # the per-step overheads the estimate used (runner/plan.py)


@with_config(_OPEN)
class Timing(TypedDict):  # v2, optional
    planned_s: float
    took_s: float
    reason: NotRequired[str]  # why the rounds ended, or why it strayed from the plan
    overheads: NotRequired[dict[str, float]]  # median seconds each kind of step cost beyond its length


@with_config(_OPEN)
class Results(TypedDict):
    schema_version: int
    run_id: str
    created_at: str
    manifest: Manifest
    topologies: dict[str, Topology]
    runs: list[Run]
    verification: dict[str, Verification]
    resilience: NotRequired[list[Resilience]]
    scenarios: NotRequired[dict[str, ScenarioInfo]]  # v2: label and description per scenario
    calibration: NotRequired[dict[str, Calibration]]  # v2: "<tool>/<scheme>" -> generator ceiling
    app: NotRequired[App]  # v2, optional: the user's app under test (APP_DIR)
    plan: NotRequired[Plan]  # v2, optional: the plan printed before the run
    sequential: NotRequired[list[Sequential]]  # v2, optional: the default plan's decided comparisons
    timing: NotRequired[Timing]  # v2, optional: planned vs took
    unavailable: NotRequired[dict[str, str]]  # v2, optional: topology -> why the app's image cannot run its server


_ADAPTER = TypeAdapter(Results)


def _path(loc: tuple[int | str, ...]) -> str:
    """('runs', 3, 'latency_ms', 'p99') -> 'runs[3].latency_ms.p99'; mapping keys as ['name']."""
    out = ""
    parent_is_map = False
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif parent_is_map:
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else part
        parent_is_map = part in ("topologies", "verification", "containers", "scenarios", "calibration")
    return out


def _message(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = _path(tuple(first["loc"]))
    if first["type"] == "missing":
        return f"results.json: missing required key '{where}'"
    return f"results.json: {where or 'top level'}: {first['msg']} (got {first.get('input')!r:.80})"


def validate(data: Any) -> Results:
    """Check *data* against schema_version 2 (upgrading version 1) and return it typed, or raise SchemaError."""
    if not isinstance(data, dict):
        raise SchemaError("results.json: top level must be an object")
    if "schema_version" not in data:
        raise SchemaError("results.json: missing required key 'schema_version'")
    version = data["schema_version"]
    if version not in READABLE_VERSIONS:
        raise SchemaError(
            f"results.json: schema_version {version!r} is not supported (this report reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}; regenerate it with the matching commit)"
        )
    try:
        results = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise SchemaError(_message(exc)) from None
    results["schema_version"] = SCHEMA_VERSION  # version 1 -> 2: only optional keys were added
    return results


def new_document(run_id: str, manifest: Manifest) -> dict:
    """An empty results.json for a run: the runner and the fault runner fill it in."""
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "manifest": manifest,
        "topologies": {},
        "runs": [],
        "verification": {},
    }


def load(path: str | Path) -> Results:
    """Read and validate a results.json file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"{path}: no such file (run the load test first, or pass the run directory)") from None
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    try:
        return validate(data)
    except SchemaError as exc:
        raise SchemaError(f"{path}: {exc}") from None
