"""Container healthcheck: ``healthcheck.py [ready|live]`` exits 0 when the app server answers 200.

  live   ``GET /.bundle/live``, which the server layer answers itself (servers/middleware/
         liveness.py): the worker's event loop serves. No route in the app, no store. Swarm's
         healthcheck, since an unhealthy task is restarted there.
  ready  (the default) ``GET $APP_READY_PATH`` (e.g. /api/health/ready), the app's own "I can
         serve"; unset, the liveness probe. Compose's healthcheck: `up --wait` and Nginx's
         ``depends_on: service_healthy`` wait for it.

Docker runs it every few seconds for the container's whole life, so it must cost next to
nothing. Measured inside the container (CPU per probe, the app's share included): 200-280 ms
when it imported ServerSettings (pydantic-settings); ~10 ms now, of which ~8 ms is the bare
interpreter. So: no site-packages (the image runs ``python3 -I -S .../servers/healthcheck.py``;
``python3 -m servers.healthcheck`` works as well), only modules the interpreter has loaded
anyway (``sys``, ``posix``: not even ``os``) plus the C module ``_socket`` (``import socket``
alone costs ~9 ms: it builds its enums at import), and one raw HTTP/1.0 request.

It reads the same environment variables as ServerSettings (servers/settings.py), by hand:
the probe goes to the unix socket when the app serves one (the path Nginx uses), else to
127.0.0.1:SERVER_PORT.
"""

import _socket  # not `socket`: see above
import posix  # not `os`: see above
import sys

TIMEOUT_S = 3.0
LIVE_PATH = "/.bundle/live"  # servers/settings.py's LIVE_PATH


def environ() -> dict[str, str]:
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in posix.environ.items()}


def target(env: dict[str, str]) -> tuple[int, object]:
    """(address family, address) of the app, as servers/settings.py decides it."""
    upstream = env.get("SERVER_UPSTREAM") or "tcp"
    replicas = env.get("SERVER_REPLICAS") or "1"
    if upstream == "unix" and replicas == "1":
        return _socket.AF_UNIX, env.get("SERVER_UDS") or "/run/app/app.sock"
    return _socket.AF_INET, ("127.0.0.1", int(env.get("SERVER_PORT") or 8000))


def path(mode: str, env: dict[str, str]) -> str:
    if mode == "live":
        return LIVE_PATH
    ready = env.get("APP_READY_PATH") or LIVE_PATH
    if not ready.startswith("/") or any(c in ready for c in " \r\n"):
        raise ValueError(f"APP_READY_PATH={ready!r} is not a path")
    return ready


def probe(family: int, address, timeout: float = TIMEOUT_S, target: str = LIVE_PATH) -> str:
    """The status line of GET target ("HTTP/1.1 200 OK"), or raises OSError."""
    sock = _socket.socket(family, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: localhost\r\nUser-Agent: healthcheck\r\n\r\n".encode())
        head = b""
        while b"\r\n" not in head and len(head) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    finally:
        sock.close()
    return head.split(b"\r\n", 1)[0].decode("latin-1")


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "ready"
    if mode not in ("ready", "live"):
        print("usage: healthcheck.py [ready|live]", file=sys.stderr)
        return 2
    try:
        env = environ()
        family, address = target(env)
        status = probe(family, address, target=path(mode, env))
    except (OSError, ValueError) as exc:  # unhealthy, with the reason in `docker inspect`
        print(f"unhealthy: {exc!r}", file=sys.stderr)
        return 1
    parts = status.split()
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1] == "200":
        return 0
    print(f"unhealthy: {status or 'no answer'!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
