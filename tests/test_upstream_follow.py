"""Nginx follows the app when its addresses change, without a reload (issue: Nginx resolved
`app` once at start and answered 502 after the app was recreated elsewhere; then a loop reloaded
Nginx on every change, and each reload lost requests on idle client connections).

Over TCP the upstream is `server app:8000 resolve` (nginx/conf.d/upstream.conf): Nginx asks
Docker's DNS itself. No reload means the same Nginx worker processes before and after."""

import json
import subprocess
import time
import uuid

import httpx
import pytest

from tests.conftest import start_stack

pytestmark = pytest.mark.containers

SETTLE_S = 15  # `resolve` re-asks every second (valid=1s); far more than that is a failure


@pytest.fixture(scope="module", params=["tcp", "unix"])
def stack(request, certs, reports_dir, tmp_path_factory):
    s = start_stack("prod", certs, reports_dir, tmp_path_factory, APP_UPSTREAM=request.param)
    s.upstream = request.param
    yield s
    s.stop()


def _backend_address(stack, container: str) -> str:
    out = subprocess.run(["docker", "inspect", container], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]["NetworkSettings"]["Networks"][f"{stack.project}_backend"]["IPAddress"]


def _nginx_workers(stack) -> set[int]:
    """Host PIDs of Nginx's worker processes (a reload replaces every one of them)."""
    out = subprocess.run(["docker", "top", stack.container_id("nginx"), "-o", "pid,args"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    workers = {int(line.split()[0]) for line in out.splitlines()[1:] if "worker process" in line}
    assert workers, out
    return workers


def _status(stack) -> int:
    try:
        return stack.get("/api/health", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def test_a_recreated_app_at_a_new_address_is_reached(stack):
    assert _status(stack) == 200
    workers = _nginx_workers(stack)
    old = _backend_address(stack, stack.container_id("app"))
    stack.run("rm", "--stop", "--force", "app")
    squatter = f"{stack.project}-squatter-{uuid.uuid4().hex[:4]}"
    image = stack.inspect("nginx")["Config"]["Image"]
    subprocess.run(["docker", "run", "-d", "--rm", "--name", squatter, "--network", f"{stack.project}_backend",
                    "--entrypoint", "sleep", image, "300"], check=True, capture_output=True)  # fmt: skip
    try:
        stack.run("up", "--detach", "--wait", "app")
        new = _backend_address(stack, stack.container_id("app"))
        assert new != old, "the app came back at its old address: the test would prove nothing"
        deadline, codes = time.monotonic() + SETTLE_S, []
        while time.monotonic() < deadline and (not codes or codes[-1] != 200):
            codes.append(_status(stack))
            time.sleep(0.5)
        assert codes[-1] == 200, f"{stack.upstream}: Nginx never reached the app at {new}: {codes}"
        print(f"{stack.upstream}: after the new app was healthy, {len(codes) - 1} failed polls (0.5 s apart): {codes}")
        after = [_status(stack) for _ in range(20)]
        assert after == [200] * 20, after
        assert _nginx_workers(stack) == workers, "Nginx was reloaded"
    finally:
        subprocess.run(["docker", "rm", "-f", squatter], capture_output=True)


@pytest.mark.parametrize("stack", ["tcp"], indirect=True)  # replicas need TCP: each has its own socket
def test_a_replica_scaled_up_gets_requests_without_a_reload(stack):
    workers = _nginx_workers(stack)
    (first,) = stack.container_ids("app")
    stack.run("up", "--detach", "--wait", "--no-deps", "--no-recreate", "--scale", "app=2", "app")
    (added,) = set(stack.container_ids("app")) - {first}
    address = f"{_backend_address(stack, added)}:8000"
    since = time.time()
    deadline, served = time.monotonic() + SETTLE_S, 0
    with stack.client(timeout=5) as client:
        while time.monotonic() < deadline and served == 0:
            for _ in range(10):
                assert client.get("/api/health").status_code == 200
            time.sleep(1.2)  # the access log is flushed every second (conf.d/logging.conf)
            logs = subprocess.run(["docker", "logs", "--since", str(since), stack.container_id("nginx")],
                                  capture_output=True, text=True).stdout  # fmt: skip
            served = logs.count(f'"upstream_addr":"{address}"')
    assert served > 0, f"the new replica at {address} got no request within {SETTLE_S} s"
    assert _nginx_workers(stack) == workers, "Nginx was reloaded"
