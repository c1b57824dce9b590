"""Nginx follows the app when its address changes (issue: Nginx resolved `app` once at start and
answered 502 to every request after the app was recreated elsewhere).

The app is removed, a throwaway container takes the freed address on the backend network, and
the app comes back healthy at a new address. Over TCP (replicas, or an app on another host),
Nginx must reach the new app within a few seconds; over the unix socket (the one-host default)
the address never mattered, and the same check holds."""

import subprocess
import time
import uuid

import httpx
import pytest

from tests.conftest import start_stack

pytestmark = pytest.mark.containers

SETTLE_S = 15  # follow-upstream.sh polls every 2 s; then a graceful reload


@pytest.fixture(scope="module", params=["tcp", "unix"])
def stack(request, certs, reports_dir, tmp_path_factory):
    s = start_stack("prod", certs, reports_dir, tmp_path_factory, APP_UPSTREAM=request.param)
    s.upstream = request.param
    yield s
    s.stop()


def _backend_address(stack) -> str:
    networks = stack.inspect("app")["NetworkSettings"]["Networks"]
    return networks[f"{stack.project}_backend"]["IPAddress"]


def _status(stack) -> int:
    try:
        return stack.get("/api/health", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def test_a_recreated_app_at_a_new_address_is_reached(stack):
    assert _status(stack) == 200
    old = _backend_address(stack)
    stack.run("rm", "--stop", "--force", "app")
    squatter = f"{stack.project}-squatter-{uuid.uuid4().hex[:4]}"
    image = stack.inspect("nginx")["Config"]["Image"]
    subprocess.run(["docker", "run", "-d", "--rm", "--name", squatter, "--network", f"{stack.project}_backend",
                    "--entrypoint", "sleep", image, "300"], check=True, capture_output=True)  # fmt: skip
    try:
        stack.run("up", "--detach", "--wait", "app")
        new = _backend_address(stack)
        assert new != old, "the app came back at its old address: the test would prove nothing"
        deadline, codes = time.monotonic() + SETTLE_S, []
        while time.monotonic() < deadline and (not codes or codes[-1] != 200):
            codes.append(_status(stack))
            time.sleep(0.5)
        assert codes[-1] == 200, f"{stack.upstream}: Nginx never reached the app at {new}: {codes}"
        print(f"{stack.upstream}: after the new app was healthy, {len(codes) - 1} failed polls (0.5 s apart): {codes}")
        after = [_status(stack) for _ in range(20)]
        assert after == [200] * 20, after
    finally:
        subprocess.run(["docker", "rm", "-f", squatter], capture_output=True)
