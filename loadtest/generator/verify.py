"""Verify a topology before measuring it (TechEmpower's rule: a fast wrong answer is no answer).

Runs inside the generator container: ``python -m loadtest.generator.verify --target URL --server gunicorn
--worker uvicorn [--nginx] [--seed 50] [--probe http://app:8000/.bundle/live]``; a user app
(``make loadtest APP_DIR=...``) with ``--app [--requests /out/requests.json]``. Prints a JSON
verdict; exits 1 if any check fails.

Which server and worker answer comes from the app server's own liveness probe (``--probe``,
on the app container's port, whatever the app): a topology that serves only a unix socket
cannot be probed from here, and its check says so instead of confirming. A user app is checked
through its request list: each request must answer the status it expects, or the verdict names
it (method, path, expected, got). The demo app's own checks (JSON, CPU, items) run without --app.
"""

import argparse
import json
import ssl
import sys
import urllib.error
import urllib.request

from loadtest.generator.appscenario import model

_TLS = ssl._create_unverified_context()  # measuring, not checking trust (the container tests do)


SKIP = None  # a check that could not be made: said, but not a failure


def call(base: str, path: str, method: str = "GET", body=None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(base + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=10, context=_TLS) as r:
            return r.status, r.headers, r.read()  # headers: case-insensitive lookups
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def probe(url: str, server: str, worker: str) -> list[tuple[bool | None, str]]:
    """The app server's liveness probe names the server and worker that answer."""
    try:
        with urllib.request.urlopen(url, timeout=10, context=_TLS) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, b""
    except (OSError, ValueError) as exc:  # no TCP port: a topology that serves only a unix socket
        reason = getattr(exc, "reason", exc)
        return [(SKIP, f"server {server}, worker {worker} not confirmed: probe {url} unreachable ({reason})")]
    try:
        live = json.loads(body) if status == 200 else {}
    except ValueError:
        live = {}
    if status != 200 or not isinstance(live, dict):
        return [(False, f"liveness probe {url} answers 200 JSON (got {status})")]
    return [
        (live.get("server") == server, f"served by {server} (probe: {live.get('server')})"),
        (live.get("worker") == worker, f"worker {worker} (probe: {live.get('worker')})"),
    ]


def demo_health(base: str, server: str, worker: str) -> list[tuple[bool, str]]:
    """The demo app's /api/health fields (where the probe cannot be reached)."""
    status, _, body = call(base, "/api/health")
    health = json.loads(body) if status == 200 else {}
    if "server" not in health:
        return []
    return [
        (health.get("server") == server, f"served by {server} (/api/health: {health.get('server')})"),
        (health.get("worker") == worker, f"worker {worker} (/api/health: {health.get('worker')})"),
    ]


def check_requests(base: str, requests: list[model.Request]) -> list[tuple[bool, str]]:
    """Each request of the list answers the status it expects (each distinct request once)."""
    checks = []
    seen = set()
    for r in requests:
        key = (r.method, r.path, json.dumps(r.body, sort_keys=True), tuple(sorted(r.headers.items())), r.expect)
        if key in seen:  # the same request listed twice is checked once
            continue
        seen.add(key)
        try:
            status, _, _ = call(base, r.path, r.method, r.body, r.headers)
        except (OSError, ValueError) as exc:
            status = f"no answer ({getattr(exc, 'reason', exc)})"
        ok = status == r.expect
        what = (
            f"{r.method} {r.path} answers {r.expect}"
            if ok
            else f"{r.method} {r.path}: expected {r.expect}, got {status}"
        )
        checks.append((ok, what))
    return checks


def verify_app(base: str, requests: list[model.Request] | None) -> list[tuple[bool, str]]:
    """A user app: its request list (a locustfile's requests are its own to check)."""
    if requests is None:
        return [(SKIP, "the app's own locustfile: its requests are checked by its User classes")]
    return check_requests(base, requests)


def verify(base: str, server: str, worker: str, nginx: bool, seed: int, minimal: bool) -> list[tuple[bool, str]]:
    """The demo app's checks (server and worker: the probe, see main)."""
    checks = []

    def check(ok: bool, what: str) -> None:
        checks.append((bool(ok), what))

    status, headers, body = call(base, "/api/health")
    check(status == 200, f"/api/health answers 200 (got {status})")

    status, headers, body = call(base, "/api/work/json")
    check(status == 200 and json.loads(body) == {"message": "Hello, World!"}, "JSON endpoint body")
    check(headers.get("Content-Type", "").startswith("application/json"), "JSON content type")

    if minimal:  # an overhead baseline (raw ASGI) serves health and JSON only
        return checks

    status, _, body = call(base, "/api/work/cpu?iterations=1")
    check(status == 200 and len(json.loads(body).get("digest", "")) == 64, "CPU endpoint digest")
    status, _, _ = call(base, "/api/work/cpu?iterations=100000000")
    check(status == 422, f"out-of-range work is refused with 422 (got {status})")

    if nginx:
        status, headers, body = call(base, "/")
        check(status == 200 and b"<html" in body.lower(), "static page from Nginx")
        check(headers.get("Server") == "nginx", f"Server header nginx (got {headers.get('Server')})")
        _, headers, _ = call(base, "/api/work/json")
        check(bool(headers.get("X-Request-ID")), "X-Request-ID on proxied responses")

    status, _, body = call(base, "/api/items?limit=100")
    have = len(json.loads(body).get("items", [])) if status == 200 else 0
    for i in range(have, seed):
        status, _, _ = call(base, "/api/items", "POST", {"name": f"seed-{i}"})
        if status != 201:
            break
    status, _, body = call(base, "/api/items?limit=100")
    count = len(json.loads(body).get("items", [])) if status == 200 else 0
    check(count >= seed, f"{seed} items seeded for read scenarios (have {count})")
    return checks


def verdict(checks: list[tuple[bool | None, str]]) -> dict:
    """{"ok", "checks"}: ok unless a check failed (a skipped check is said, not failed)."""
    ok = all(c is not False for c, _ in checks)
    marks = {True: "ok   ", False: "FAIL ", SKIP: "skip "}
    return {"ok": ok, "checks": [marks[c] + w for c, w in checks]}


def run(a: argparse.Namespace) -> dict:
    base = a.target.rstrip("/")
    checks: list[tuple[bool | None, str]] = []
    try:
        if a.probe:
            checks += probe(a.probe, a.server, a.worker)
        if not a.app and (not a.probe or checks[0][0] is SKIP):
            checks += demo_health(base, a.server, a.worker)  # the demo's /api/health names them too
        if a.app:
            checks += verify_app(base, model.load(a.requests) if a.requests else None)
        else:
            checks += verify(base, a.server, a.worker, a.nginx, a.seed, a.minimal)
    except model.ScenarioError as exc:
        checks.append((False, str(exc)))
    except (OSError, ValueError) as exc:
        checks.append((False, f"target unreachable or answered garbage: {exc!r}"))
    return verdict(checks)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--target", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--worker", required=True)
    p.add_argument("--nginx", action="store_true")
    p.add_argument("--seed", type=int, default=50)
    p.add_argument("--minimal", action="store_true", help="check health and JSON only")
    p.add_argument("--probe", help="the app server's liveness probe, e.g. http://app:8000/.bundle/live")
    p.add_argument("--app", action="store_true", help="a user app: no demo checks")
    p.add_argument("--requests", help="the run's requests.json: each request's expected status")
    result = run(p.parse_args())
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
