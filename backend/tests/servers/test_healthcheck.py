"""The container health probe: the right target, 0 only on 200, and cheap (no heavy imports)."""

import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

import servers
from servers import healthcheck
from servers.settings import ServerSettings

SCRIPT = Path(servers.__file__).parent / "healthcheck.py"


@pytest.mark.parametrize(
    "env",
    [{}, {"SERVER_UPSTREAM": "unix"}, {"SERVER_UPSTREAM": "unix", "SERVER_REPLICAS": "3"}, {"SERVER_PORT": "9000"}],
)
def test_probes_where_the_server_listens(monkeypatch, env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    family, address = healthcheck.target(env)
    expected = ServerSettings().socket_path
    if expected:
        assert (family, address) == (socket.AF_UNIX, expected)
    else:
        assert (family, address) == (socket.AF_INET, ("127.0.0.1", ServerSettings().port))


def serve(status: int, server_class=HTTPServer, address=("127.0.0.1", 0), path: str = healthcheck.LIVE_PATH):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status if self.path == path else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = server_class(address, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("status, code", [(200, 0), (503, 1)])
def test_exit_code_follows_the_status(monkeypatch, status, code):
    server = serve(status)
    monkeypatch.setattr(healthcheck, "environ", lambda: {"SERVER_PORT": str(server.server_address[1])})
    try:
        assert healthcheck.main(["live"]) == code
        assert healthcheck.main([]) == code  # readiness without APP_READY_PATH: the liveness probe
    finally:
        server.shutdown()


def test_readiness_asks_the_apps_path_and_liveness_never_does(monkeypatch):
    server = serve(200, path="/api/health/ready")
    env = {"SERVER_PORT": str(server.server_address[1]), "APP_READY_PATH": "/api/health/ready"}
    monkeypatch.setattr(healthcheck, "environ", lambda: env)
    try:
        assert healthcheck.main(["ready"]) == 0
        assert healthcheck.main(["live"]) == 1  # this fake server answers only the app's path
        env["APP_READY_PATH"] = "/x HTTP/1.1\r\nHost: y"
        assert healthcheck.main(["ready"]) == 1  # not a path: refused, never sent
    finally:
        server.shutdown()


def test_unix_socket(tmp_path):
    class UnixHTTPServer(HTTPServer):
        address_family = socket.AF_UNIX

        def server_bind(self):
            self.socket.bind(self.server_address)
            self.server_name, self.server_port = "localhost", 0

        def get_request(self):
            request, _ = self.socket.accept()
            return request, ("unix", 0)

    path = str(tmp_path / "app.sock")
    server = serve(200, UnixHTTPServer, path)  # noqa: F841 (path: the socket)
    try:
        assert healthcheck.probe(socket.AF_UNIX, path, target=healthcheck.LIVE_PATH).split()[1] == "200"
    finally:
        server.shutdown()


def test_nobody_listening_is_unhealthy():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        result = subprocess.run(
            [sys.executable, "-I", "-S", str(SCRIPT)], env={"SERVER_PORT": str(port)}, capture_output=True, text=True
        )
    assert result.returncode == 1 and "unhealthy" in result.stderr


def test_imports_nothing_costly():
    """`import socket` (enums) or pydantic-settings would multiply the probe's CPU cost."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-X", "importtime", str(SCRIPT)],
        env={"SERVER_PORT": "1"},
        capture_output=True,
        text=True,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "_socket" in imported
    assert not imported & {"socket", "enum", "os", "pydantic", "pydantic_settings", "urllib", "http"}, imported
