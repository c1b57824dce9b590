"""loadtest.generator.verify against a tiny local HTTP server: the liveness probe (server and worker), a
probe that cannot be reached, and each request's expected status."""

import json
import threading
from argparse import Namespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loadtest.generator import verify
from loadtest.generator.appscenario import model

ROUTES = {
    ("GET", "/.bundle/live"): (200, {"status": "ok", "server": "gunicorn", "worker": "uvicorn", "pid": 7}),
    ("GET", "/api/"): (200, {"app": "notes"}),
    ("GET", "/api/notes"): (200, []),
    ("POST", "/api/notes"): (201, {"id": 1}),
}


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body = ROUTES.get((self.command, self.path), (404, {"detail": "Not Found"}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def args(base, requests=None, probe="/.bundle/live", server="gunicorn", worker="uvicorn"):
    return Namespace(
        target=base, server=server, worker=worker, nginx=False, seed=0, minimal=False,
        probe=base + probe if probe else None, app=True, requests=requests,
    )  # fmt: skip


def write(tmp_path, *requests):
    model.dump(list(requests), tmp_path / "requests.json", "loadtest.toml")
    return str(tmp_path / "requests.json")


def test_every_request_answers_what_it_expects(base, tmp_path):
    path = write(tmp_path, model.Request("GET", "/api/"), model.Request("POST", "/api/notes", {"t": 1}, expect=201))
    result = verify.run(args(base, path))
    assert result == {
        "ok": True,
        "checks": [
            "ok   served by gunicorn (probe: gunicorn)",
            "ok   worker uvicorn (probe: uvicorn)",
            "ok   GET /api/ answers 200",
            "ok   POST /api/notes answers 201",
        ],
    }


def test_a_status_mismatch_fails_naming_the_request(base, tmp_path):
    path = write(tmp_path, model.Request("GET", "/api/notes"), model.Request("GET", "/api/missing"))
    result = verify.run(args(base, path))
    assert not result["ok"]
    assert "FAIL GET /api/missing: expected 200, got 404" in result["checks"]


def test_the_probe_confirms_the_server_and_worker(base, tmp_path):
    result = verify.run(args(base, write(tmp_path, model.Request("GET", "/api/")), worker="asgi"))
    assert not result["ok"] and "FAIL worker asgi (probe: uvicorn)" in result["checks"]


def test_an_unreachable_probe_is_said_not_failed(base, tmp_path):
    unreachable = Namespace(**{**vars(args(base, write(tmp_path, model.Request("GET", "/api/")))),
                               "probe": "http://127.0.0.1:9/.bundle/live"})  # fmt: skip
    result = verify.run(unreachable)
    assert result["ok"]
    assert result["checks"][0].startswith(
        "skip server gunicorn, worker uvicorn not confirmed: probe http://127.0.0.1:9"
    )


def test_a_locustfile_has_no_list_to_check(base):
    result = verify.run(args(base))
    assert result["ok"] and result["checks"][-1].startswith("skip the app's own locustfile")


def test_a_broken_request_list_is_a_failed_check(base, tmp_path):
    (tmp_path / "requests.json").write_text("{")
    result = verify.run(args(base, str(tmp_path / "requests.json")))
    assert not result["ok"] and "not valid JSON" in result["checks"][-1]
