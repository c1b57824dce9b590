"""The default source: the app's OpenAPI document. Every GET operation the load test can call
without inventing input: no required parameter, or an example for each required one (the
parameter's ``example`` / ``examples``, or its schema's ``example`` / ``examples`` / ``default``).
Equal weights; expected status = the operation's first 2xx response (200 if none).

Paths come out public: prefixed with the API prefix where the server strips it (the app's
routes sit at its root), else with the document's own ``servers`` path (a FastAPI root_path).
"""

import json
import urllib.parse
from typing import Any

from loadtest.generator.appscenario.model import Request, ScenarioError

_MISSING = object()


def _deref(doc: dict, item: Any) -> Any:
    """Follow local ``$ref``s (``#/components/...``); anything else is returned as it is."""
    seen = 0
    while isinstance(item, dict) and isinstance(item.get("$ref"), str) and item["$ref"].startswith("#/"):
        node: Any = doc
        for part in item["$ref"][2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
        item, seen = node, seen + 1
        if seen > 20:
            return None
    return item


def _example(doc: dict, param: dict) -> Any:
    """A value for a parameter from the document, or _MISSING."""
    if "example" in param:
        return param["example"]
    examples = param.get("examples")
    if isinstance(examples, dict):  # OpenAPI Example objects, by name
        for ex in examples.values():
            ex = _deref(doc, ex)
            if isinstance(ex, dict) and "value" in ex:
                return ex["value"]
    schema = _deref(doc, param.get("schema")) or {}
    if not isinstance(schema, dict):
        return _MISSING
    for candidate in (schema, *[_deref(doc, s) or {} for s in schema.get("anyOf", []) + schema.get("allOf", [])]):
        if not isinstance(candidate, dict):
            continue
        if "example" in candidate:
            return candidate["example"]
        if isinstance(candidate.get("examples"), list) and candidate["examples"]:  # JSON Schema (OpenAPI 3.1)
            return candidate["examples"][0]
        if "default" in candidate:
            return candidate["default"]
    return _MISSING


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _expect(operation: dict) -> int:
    for code in operation.get("responses") or {}:
        code = str(code)
        if code.isdigit() and 200 <= int(code) < 300:
            return int(code)
    return 200


def _join(prefix: str, path: str) -> str:
    prefix = prefix.rstrip("/")
    return f"{prefix}{path}" if path.startswith("/") else f"{prefix}/{path}"


def servers_path(doc: dict) -> str:
    """The path of the document's first ``servers`` entry when it is a path ("/api"), else ""."""
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = str(servers[0].get("url") or "")
        path = urllib.parse.urlsplit(url).path if "://" in url else url
        if path.startswith("/"):
            return path.rstrip("/")
    return ""


def _operation(doc: dict, template: str, item: dict, operation: dict, prefix: str) -> Request | str:
    """The request for one GET operation, or why it is skipped."""
    params: dict[tuple[str, str], dict] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        p = _deref(doc, raw)
        if isinstance(p, dict) and "name" in p and "in" in p:
            params[(p["in"], p["name"])] = p  # the operation's own override the path item's
    body = _deref(doc, operation.get("requestBody"))
    if isinstance(body, dict) and body.get("required"):
        return "needs a request body"
    path, query, headers = template, [], {}
    for (where, name), p in params.items():
        required = bool(p.get("required")) or where == "path"
        if not required:
            continue
        value = _example(doc, p)
        if value is _MISSING:
            return f"required {where} parameter {name!r} has no example"
        if where == "path":
            path = path.replace("{" + name + "}", urllib.parse.quote(_text(value), safe=""))
        elif where == "query":
            values = value if isinstance(value, list) else [value]
            query += [(name, _text(v)) for v in values]
        elif where == "header":
            headers[name] = _text(value)
        else:
            return f"required {where} parameter {name!r}"
    if "{" in path:
        return f"path parameter in {path} is not declared"
    public = _join(prefix, path) + (f"?{urllib.parse.urlencode(query)}" if query else "")
    name = _join(prefix, template) if path != template else None
    return Request("GET", public, None, headers, _expect(operation), 1, name)


def requests(doc: Any, prefix: str = "") -> list[Request]:
    """The usable GET operations of an OpenAPI document, in document order; ScenarioError when none."""
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise ScenarioError("the OpenAPI document has no 'paths' (is it an OpenAPI document?)")
    out: list[Request] = []
    skipped: list[str] = []
    for template, item in doc["paths"].items():
        item = _deref(doc, item)
        operation = item.get("get") if isinstance(item, dict) else None
        if not isinstance(operation, dict):
            continue
        found = _operation(doc, template, item, operation, prefix)
        if isinstance(found, str):
            skipped.append(f"GET {template}: {found}")
        else:
            out.append(found)
    if not out:
        why = f" (skipped: {'; '.join(skipped)})" if skipped else ""
        raise ScenarioError(
            f"the OpenAPI document has no GET operation usable without input{why}: "
            "declare the requests in APP_DIR/loadtest.toml, or give LOCUSTFILE"
        )
    return out


def prefix_for(doc: Any, api_prefix: str, strip_prefix: bool) -> str:
    """What to put before the document's paths to make them public."""
    if strip_prefix:
        return api_prefix.rstrip("/")
    return servers_path(doc) if isinstance(doc, dict) else ""


def parse(text: str, where: str) -> dict:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{where}: not a JSON OpenAPI document ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{where}: not an OpenAPI document (a JSON object)")
    return doc
