"""One request of an app scenario, its validation, and the run folder's ``requests.json``."""

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Methods whose expected status defaults to 200; any other method must state it (`expect`):
# a create answers 201 or 200, a delete 204 or 200, and guessing wrong would fail verification.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
KEYS = ("method", "path", "json", "headers", "expect", "weight", "name")


class ScenarioError(ValueError):
    """A scenario source that cannot be used; the message is one line, naming the problem."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # public path, API prefix included, query string allowed: /api/notes?limit=20
    body: Any = None  # JSON body (None: no body)
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    weight: int = 1
    name: str | None = None

    @property
    def label(self) -> str:
        """How Locust's statistics and the report name it."""
        return self.name or self.path

    def describe(self) -> str:
        return f"{self.method} {self.path}"

    def to_dict(self) -> dict:
        return asdict(self)


def _fail(where: str, problem: str) -> ScenarioError:
    return ScenarioError(f"{where}: {problem}")


def _status(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise _fail(where, f"'expect' must be an HTTP status code (100-599), got {value!r}")
    return value


def _weight(value: Any, where: str) -> int:
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, f"'weight' must be a positive whole number, got {value!r}")
    return value


def _path(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(where, "'path' is missing" if value is None else f"'path' must be a string, got {value!r}")
    if not value.startswith("/") or "://" in value:
        raise _fail(where, f"'path' must be a path starting with '/' (the public path, e.g. /api/items), got {value!r}")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise _fail(where, f"'path' must not contain spaces or control characters (URL-encode them), got {value!r}")
    return value


def _headers(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(where, f"'headers' must be a table of name = value, got {value!r}")
    out = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise _fail(where, f"header {k!r} must have a string value, got {v!r}")
        v = str(v)
        if not k or any(c in k for c in " :\t\r\n") or any(ord(c) < 32 for c in v):
            raise _fail(where, f"header {k!r}: {v!r} is not a valid header")
        out[str(k)] = v
    return out


def _body(value: Any, where: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise _fail(where, f"'json' is not JSON-serialisable ({exc})") from None
    return value


def from_dict(item: Any, where: str) -> Request:
    """A request from a declared entry (TOML table, YAML mapping, requests.json object), checked."""
    if not isinstance(item, dict):
        raise _fail(where, f"a request must be a table with method and path, got {item!r}")
    unknown = sorted(set(item) - set(KEYS) - {"body"})
    if unknown:
        raise _fail(where, f"unknown key {', '.join(map(repr, unknown))} (known: {', '.join(KEYS)})")
    method = item.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _fail(where, f"unknown method {method!r} (one of {', '.join(METHODS)})")
    method = method.upper()
    path = _path(item.get("path"), where)
    where = f"{where} ({method} {path})"
    if "json" in item and "body" in item:
        raise _fail(where, "give the body as 'json' only")
    body = _body(item.get("json", item.get("body")), where)
    if "expect" in item:
        expect = _status(item["expect"], where)
    elif method in SAFE_METHODS:
        expect = 200
    else:
        raise _fail(where, f"'expect' is required for {method} (the status it must answer, e.g. 201)")
    name = item.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise _fail(where, f"'name' must be a non-empty string, got {name!r}")
    return Request(method, path, body, _headers(item.get("headers"), where), expect,
                   _weight(item.get("weight", 1), where), name)  # fmt: skip


def from_list(items: Any, where: str) -> list[Request]:
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{where}: no requests (a list of requests, each with method and path)")
    requests = [from_dict(item, f"{where}: request {i + 1}") for i, item in enumerate(items)]
    return requests


def dump(requests: list[Request], path: Path, source: str) -> None:
    """Write the run's ``requests.json`` (what Locust, wrk and the verifier read)."""
    doc = {"source": source, "requests": [r.to_dict() for r in requests]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def load(path: str | Path) -> list[Request]:
    """Read a ``requests.json`` back (checked as a declared list is)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the request list: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    items = doc.get("requests") if isinstance(doc, dict) else doc
    return from_list(items, str(path))
