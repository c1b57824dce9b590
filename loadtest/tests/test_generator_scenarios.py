"""The Locust side of a user app, imported in a child process (Locust's gevent patching stays
out of the test run): request_list.py makes one weighted task per request of requests.json;
user_locustfile.py defines no User class and makes the user's classes skip TLS verification."""

import json
import subprocess
import sys
from pathlib import Path

from loadtest.generator.appscenario import model

ROOT = Path(__file__).parents[2]


def child(code: str, env: dict | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **(env or {})})  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_the_request_list_user_has_one_weighted_task_per_request(tmp_path):
    requests = [model.Request("GET", "/api/notes", weight=3), model.Request("POST", "/api/notes", {"t": 1}, expect=201)]
    model.dump(requests, tmp_path / "requests.json", "loadtest.toml")
    code = (
        "import json; from loadtest.generator.scenarios import request_list as m; u = m.RequestListUser;"
        "print(json.dumps([u.abstract, len(u.tasks), sorted(t.__name__ for t in set(u.tasks))]))"
    )
    abstract, count, names = json.loads(child(code, {"REQUESTS_FILE": str(tmp_path / "requests.json")}))
    assert (abstract, count, names) == (False, 4, ["get /api/notes", "post /api/notes"])


def test_the_request_list_module_imports_without_a_run(tmp_path):
    code = "from loadtest.generator.scenarios import request_list as m; print(hasattr(m, 'RequestListUser'))"
    assert child(code, {"REQUESTS_FILE": str(tmp_path / "none.json")}).strip() == "False"


def test_the_user_locustfile_shim(tmp_path):
    code = (
        "from loadtest.generator.scenarios import user_locustfile; from locust import FastHttpUser;"
        "from locust.clients import HttpSession; s = HttpSession('https://nginx:8443', None, None);"
        "print(FastHttpUser.insecure, s.verify)"
    )
    assert child(code).split() == ["True", "False"]
