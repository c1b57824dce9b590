"""Verify a topology before measuring it (TechEmpower's rule: a fast wrong answer is no answer).

Runs inside the generator container: ``python -m loadtest.verify --target URL --server gunicorn
--worker uvicorn [--nginx] [--seed 50]``. Prints a JSON verdict; exits 1 if any check fails.
"""

import argparse
import json
import ssl
import sys
import urllib.error
import urllib.request

_TLS = ssl._create_unverified_context()  # measuring, not checking trust (the container tests do)


def call(base: str, path: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10, context=_TLS) as r:
            return r.status, r.headers, r.read()  # headers: case-insensitive lookups
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def verify(base: str, server: str, worker: str, nginx: bool, seed: int, minimal: bool) -> list[tuple[bool, str]]:
    checks = []

    def check(ok: bool, what: str) -> None:
        checks.append((bool(ok), what))

    status, headers, body = call(base, "/api/health")
    health = json.loads(body) if status == 200 else {}
    check(status == 200, f"/api/health answers 200 (got {status})")
    check(health.get("server") == server, f"served by {server} (got {health.get('server')})")
    check(health.get("worker") == worker, f"worker {worker} (got {health.get('worker')})")

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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--target", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--worker", required=True)
    p.add_argument("--nginx", action="store_true")
    p.add_argument("--seed", type=int, default=50)
    p.add_argument("--minimal", action="store_true", help="check health and JSON only")
    a = p.parse_args()
    try:
        checks = verify(a.target.rstrip("/"), a.server, a.worker, a.nginx, a.seed, a.minimal)
    except (OSError, ValueError) as exc:
        checks = [(False, f"target unreachable or answered garbage: {exc!r}")]
    ok = all(c for c, _ in checks)
    print(json.dumps({"ok": ok, "checks": [("ok   " if c else "FAIL ") + w for c, w in checks]}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
