"""Nginx reloaded in a loop under keep-alive POST load: what a reload costs clients that never
retry (a certificate rotation, a config change).

A reload ends the old worker processes. Before `keepalive_min_timeout` (Nginx 1.27.4) they
closed every idle keep-alive client connection at once, and a request the client had sent in
that instant was closed unread: httpx's RemoteProtocolError "Server disconnected without sending
a response". A POST is never sent again by a client, nor by the generic edge, so each such
request is simply lost. httpx sends nothing twice (its transport has no retries by default).

    python -m loadtest.resilience.nginx_reload   (against `make up`; RATELIMIT_EXEMPT_DIR must
                                                  exempt the host, or most answers are 429)
"""

import argparse
import json
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx


def reload_under_load(base_url: str, verify: ssl.SSLContext, nginx_container: str, path: str = "/api/items",
                      clients: int = 16, reloads: int = 10, gap_s: float = 1.5) -> dict:  # fmt: skip
    """``clients`` threads, each one HTTP/1.1 keep-alive connection, POST ``path`` back to back
    while ``nginx -s reload`` runs ``reloads`` times, ``gap_s`` apart. Counts every request
    without a 2xx answer."""
    stop = threading.Event()
    lock = threading.Lock()
    codes: Counter[str] = Counter()

    def client(index: int) -> None:
        with httpx.Client(base_url=base_url, verify=verify, timeout=30, http2=False) as c:
            n = 0
            while not stop.is_set():
                try:
                    code = str(c.post(path, json={"name": f"reload-{index}-{n}"}).status_code)
                except httpx.HTTPError as exc:
                    code = f"{type(exc).__name__}: {exc}"
                with lock:
                    codes[code] += 1
                n += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(gap_s)  # every client on a kept-alive connection before the first reload
    for _ in range(reloads):
        subprocess.run(["docker", "exec", nginx_container, "nginx", "-s", "reload"],
                       check=True, capture_output=True, timeout=30)  # fmt: skip
        time.sleep(gap_s)
    stop.set()
    for t in threads:
        t.join(timeout=40)
    failed = {code: n for code, n in codes.items() if not code.startswith("2")}
    return {"clients": clients, "reloads": reloads, "requests": sum(codes.values()),
            "failed": sum(failed.values()), "failures": failed}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="https://localhost:8443")
    parser.add_argument("--ca", default="certs/ca.crt")
    parser.add_argument("--container", default="apibundle-nginx-1")
    parser.add_argument("--path", default="/api/items")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--reloads", type=int, default=10)
    a = parser.parse_args()
    verify = ssl.create_default_context(cafile=a.ca)
    result = reload_under_load(a.url, verify, a.container, a.path, a.clients, a.reloads)
    print(json.dumps(result, indent=1))
    return 0 if result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
