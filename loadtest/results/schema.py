"""The ``results.json`` contract between the runner and the report (schema_version 1).

The runner writes one ``results.json`` per run directory; :func:`load` reads it back
and checks that every key the report relies on is present, naming the first missing
key by its path (``runs[3].latency_ms.p99``).  Optional keys are marked ``NotRequired``.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

SCHEMA_VERSION = 1


class SchemaError(ValueError):
    """results.json is missing, unreadable, or lacks a required key."""


class Host(TypedDict):
    kernel: str
    docker: str


class Settings(TypedDict):
    users: int
    duration_s: int
    warmup_s: int
    repeat: int
    workers: int
    app_cpus: str
    locust_workers: int
    quick: bool


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


class Topology(TypedDict):
    description: str
    server: Literal["gunicorn", "uvicorn", "granian", "gunicorn-asgi"]
    proxy: Literal["nginx", "none"]
    workers: int
    app_cpus: str
    tls: bool


class Latency(TypedDict):
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    avg: float


class ContainerStats(TypedDict):
    cpu_pct_avg: float
    cpu_pct_max: float
    mem_mb_avg: float
    mem_mb_max: float


class GeneratorStats(TypedDict):
    cpu_pct_avg: float
    cpu_pct_max: float
    saturated: bool
    warnings: list[str]


class HistoryPoint(TypedDict):
    t: float  # seconds since the measured phase started (warm-up already excluded)
    rps: float
    p50: float
    p95: float
    users: int
    failures_per_s: float


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
    history: list[HistoryPoint]
    csv_prefix: str  # relative to the run dir: <prefix>_stats.csv, _stats_history.csv, _failures.csv


class Verification(TypedDict):
    ok: bool
    checks: list[str]


class Resilience(TypedDict):
    scenario: str
    topology: str
    failed_requests: int
    error_codes: dict[str, int]
    recovery_s: float | None
    capacity_after_pct: float | None
    lost_items: int
    target: str
    met: bool
    notes: str


class Results(TypedDict):
    schema_version: int
    run_id: str
    created_at: str
    manifest: Manifest
    topologies: dict[str, Topology]
    runs: list[Run]
    verification: dict[str, Verification]
    resilience: NotRequired[list[Resilience]]


def _required(td: type) -> list[str]:
    return [key for key in td.__annotations__ if key in td.__required_keys__]


# Nested TypedDicts to descend into, per parent key.
_NESTED: dict[type, dict[str, type]] = {
    Results: {"manifest": Manifest},
    Manifest: {"host": Host, "settings": Settings},
    Run: {"latency_ms": Latency, "generator": GeneratorStats},
}
_MAPS: dict[type, dict[str, type]] = {  # key -> TypedDict of each value in a mapping
    Results: {"topologies": Topology, "verification": Verification},
    Run: {"containers": ContainerStats},
}
_LISTS: dict[type, dict[str, type]] = {  # key -> TypedDict of each item in a list
    Results: {"runs": Run, "resilience": Resilience},
    Run: {"history": HistoryPoint},
}


def _check(obj: Any, td: type, where: str) -> None:
    if not isinstance(obj, dict):
        raise SchemaError(f"{where or 'top level'}: expected an object, got {type(obj).__name__}")
    for key in _required(td):
        if key not in obj:
            path = f"{where}.{key}" if where else key
            raise SchemaError(f"results.json: missing required key {path!r}")
    prefix = f"{where}." if where else ""
    for key, sub in _NESTED.get(td, {}).items():
        _check(obj[key], sub, prefix + key)
    for key, sub in _MAPS.get(td, {}).items():
        for name, value in obj.get(key, {}).items():
            _check(value, sub, f"{prefix}{key}[{name!r}]")
    for key, sub in _LISTS.get(td, {}).items():
        items = obj.get(key, [])
        if not isinstance(items, list):
            raise SchemaError(f"{prefix}{key}: expected a list, got {type(items).__name__}")
        for i, item in enumerate(items):
            _check(item, sub, f"{prefix}{key}[{i}]")


def validate(data: Any) -> Results:
    """Check *data* against schema_version 1 and return it typed, or raise SchemaError."""
    if not isinstance(data, dict):
        raise SchemaError("results.json: top level must be an object")
    if "schema_version" not in data:
        raise SchemaError("results.json: missing required key 'schema_version'")
    if data["schema_version"] != SCHEMA_VERSION:
        raise SchemaError(
            f"results.json: schema_version {data['schema_version']!r} is not supported (expected {SCHEMA_VERSION})"
        )
    _check(data, Results, "")
    for i, run in enumerate(data["runs"]):
        if run["mode"] not in ("capacity", "fixed-rate"):
            raise SchemaError(f"runs[{i}].mode: {run['mode']!r} is not 'capacity' or 'fixed-rate'")
    return data  # type: ignore[return-value]


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
