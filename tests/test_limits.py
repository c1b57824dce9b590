"""Limits enforced at the edge: body size, request rate, unknown Host names. The attacks here
come from one client address, and a well-behaved client (the same address, at a normal pace)
is served while each one runs."""

import concurrent.futures
import os
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_stack
from tests.rawhttp import connect, logs_after_marker, raw_request, status

pytestmark = pytest.mark.containers


class Bystander(threading.Thread):
    """A well-behaved client: GET ``path`` every ``every`` seconds until stopped; (status, s)."""

    def __init__(self, stack, path: str = "/api/health", every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.stack, self.path, self.every = stack, path, every
        self.seen: list[tuple[int, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        with self.stack.client() as c:
            c.get(self.path)  # connection and TLS set up outside the measured part
            while not self.done.is_set():
                start = time.monotonic()
                self.seen.append((c.get(self.path).status_code, time.monotonic() - start))
                self.done.wait(self.every)

    def __enter__(self) -> "Bystander":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join(30)

    def assert_served(self, minimum: int = 5, slowest: float = 1.0) -> None:
        assert len(self.seen) >= minimum, self.seen  # it really ran alongside the attack
        assert all(code == 200 for code, _ in self.seen), self.seen
        assert max(took for _, took in self.seen) < slowest, self.seen


def app_memory_bytes(stack) -> int:
    """The app container's memory use, from its cgroup (v2, else v1)."""
    script = "cat /sys/fs/cgroup/memory.current 2>/dev/null || cat /sys/fs/cgroup/memory/memory.usage_in_bytes"
    return int(stack.run("exec", "-T", "app", "sh", "-c", script).stdout.split()[0])


def test_oversized_upload_is_413_from_nginx(prod):
    body = b"\0" * (10 * 1024 * 1024 + 1)
    with prod.client() as c:
        r = c.post("/api/upload", content=body)
    assert r.status_code == 413
    assert r.headers["server"] == "nginx"


def test_upload_under_the_limit_reaches_the_app(prod):
    with prod.client() as c:
        r = c.post("/api/upload", content=b"x" * 1_000_000)
    assert r.status_code == 200 and r.json()["size"] == 1_000_000


def _nested_json(size: int) -> bytes:
    depth = (size - 12) // 2
    return b'{"name": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_10_mb_nested_json_body_is_413_at_nginx_and_the_app_does_not_notice(prod, framing):
    # JSON routes get API_MAX_BODY_SIZE (1m), not the upload's 10m: such a body once cost the app
    # seconds of event loop and hundreds of MB (two of them exhausted its 1 GiB).
    payload = _nested_json(10 * 1024 * 1024)
    ids = [f"nested-{uuid.uuid4().hex}" for _ in range(4)]

    def attack(request_id: str) -> httpx.Response:
        content = (
            payload if framing == "content-length" else (payload[i : i + 65536] for i in range(0, len(payload), 65536))
        )
        with prod.client(timeout=60) as c:
            headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
            return c.post("/api/items", content=content, headers=headers)

    before = app_memory_bytes(prod)
    with Bystander(prod) as normal, concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(attack, ids))
        time.sleep(1)
    assert [r.status_code for r in answers] == [413] * 4, [r.text[:200] for r in answers]
    assert all(r.headers["server"] == "nginx" and "413 Request Entity Too Large" in r.text for r in answers)
    normal.assert_served()
    assert app_memory_bytes(prod) - before < 30 * 1024 * 1024, (before, app_memory_bytes(prod))
    app_log = logs_after_marker(prod, "app")
    assert not any(i in app_log for i in ids)  # never reached the app


def test_a_json_body_under_the_limit_reaches_the_app_and_its_422_stays_small(prod):
    fields = b", ".join(b'"k%d": "%s"' % (i, b"v" * 50) for i in range(15_000))
    content = b'{"name": {' + fields + b"}}"  # ~950 KB, under API_MAX_BODY_SIZE (1m)
    with prod.client() as c:
        r = c.post("/api/items", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text[:300]  # the app's own answer ...
    assert len(r.content) < 4000, len(r.content)  # ... echoing a bounded prefix, not the ~1 MB


def test_an_options_flood_from_one_address_gets_429_while_a_normal_client_is_served(prod):
    # Preflights once had an empty rate key: 300 in 0.3 s were all proxied to the app. Now their
    # own zone (20 r/s, burst 40) refuses most; the GETs of the same address are counted apart.
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}

    def flood(_) -> list[int]:
        codes = []
        with prod.client() as c:
            while time.monotonic() - start < 3:
                codes.append(c.options("/api/items", headers=headers).status_code)
        return codes

    with Bystander(prod, every=0.1) as normal, concurrent.futures.ThreadPoolExecutor(4) as pool:
        start = time.monotonic()
        codes = [code for codes in pool.map(flood, range(4)) for code in codes]
        took = time.monotonic() - start
    assert len(codes) > 300 and codes.count(429) > 0, codes
    passed = len(codes) - codes.count(429)
    assert passed <= 40 + 20 * took + 5, (passed, took)  # the burst, then 20 r/s
    assert set(codes) - {429} <= {200, 204, 400, 405}, codes
    # (2 s: the flooding threads share this process, and its GIL, with the bystander)
    normal.assert_served(minimum=15, slowest=2.0)
    time.sleep(3)  # the bucket refills


def test_nginx_runs_one_worker_per_cpu_of_its_limit_not_of_the_host(prod):
    script = "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -c '^nginx: worker process'; nproc"
    workers, cpus = map(int, prod.run("exec", "-T", "nginx", "sh", "-c", script).stdout.split())
    assert cpus >= 2, "the host must have 2+ CPUs for this test to tell the cgroup limit from the cores"
    limit = float(prod.inspect("nginx")["HostConfig"]["NanoCpus"]) / 1e9
    assert workers == max(1, int(-(-limit // 1))) and workers < cpus, (workers, limit, cpus)


def test_a_burst_past_the_rate_limit_gets_429_then_recovers(prod):
    with prod.client(limits=httpx.Limits(max_connections=20)) as c:
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            codes = list(pool.map(lambda _: c.get("/api/work/json").status_code, range(150)))
    assert codes.count(429) > 0, codes
    assert codes.count(200) >= 40  # the burst allowance was served
    assert set(codes) <= {200, 429}
    time.sleep(3)  # the bucket refills at 20 r/s
    assert prod.get("/api/work/json").status_code == 200


def test_unknown_host_is_rejected_on_https(prod):
    assert raw_request(prod.https_port, "evil.example", prod.ssl_context()) == b""  # 444: closed, no answer
    assert raw_request(prod.https_port, "localhost", prod.ssl_context()).startswith(b"HTTP/1.1 200")


def test_unknown_host_is_rejected_on_http(prod):
    assert raw_request(prod.http_port, "evil.example") == b""
    assert raw_request(prod.http_port, "localhost").startswith(b"HTTP/1.1 308")


# --- uploads dripped slowly, and the logs a flood leaves -------------------------------------


def test_slow_drip_uploads_are_capped_per_address_and_the_tmpfs_never_fills(prod):
    # Each upload body (up to 10 MB) is buffered in Nginx's 64 MiB /tmp tmpfs until complete: a
    # client dripping several could fill it for everyone. Two in progress per address (the third
    # gets 429); four in all.
    head = b"POST /api/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 9000000\r\n\r\n"
    tmpfs_used_kb = "df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f3"  # temp files are unlinked: no du
    before = int(prod.run("exec", "-T", "nginx", "sh", "-c", tmpfs_used_kb).stdout)
    held = []
    try:
        with Bystander(prod) as normal:
            for _ in range(2):
                sock = connect(prod.https_port, prod.ssl_context(), timeout=15)
                sock.sendall(head + b"\0" * 2_000_000)  # 2 MB in the tmpfs each, then silence
                held.append(sock)
            time.sleep(0.5)
            third = connect(prod.https_port, prod.ssl_context(), timeout=15)
            third.sendall(head)
            answer = third.recv(4096)
            third.close()
            for sock in held:  # the first two are still waiting for their bodies
                sock.settimeout(0.3)
                with pytest.raises(TimeoutError):
                    sock.recv(100)
            during = int(prod.run("exec", "-T", "nginx", "sh", "-c", tmpfs_used_kb).stdout)
        assert status(answer) == 429, answer[:200]
        assert during - before >= 3000, (before, during)  # the two bodies really sat in the tmpfs
        normal.assert_served()
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    assert prod.client().post("/api/upload", content=b"x" * 1000).json()["size"] == 1000  # released


LOG_MAX_SIZE_KB = 100  # the small rotation the log-flood stack runs with


@pytest.fixture(scope="module")
def small_logs(certs, reports_dir, tmp_path_factory):
    stack = start_stack(
        "prod", certs, reports_dir, tmp_path_factory, LOG_MAX_SIZE=f"{LOG_MAX_SIZE_KB}k", LOG_MAX_FILE="2"
    )
    yield stack
    stack.stop()


def test_a_request_flood_leaves_a_bounded_log(small_logs):
    # Nginx logs every request (static files are not rate limited); json-file without max-size
    # grew without bound on the disk the databases share.
    config = small_logs.inspect("nginx")["HostConfig"]["LogConfig"]
    assert config == {"Type": "json-file", "Config": {"max-file": "2", "max-size": f"{LOG_MAX_SIZE_KB}k"}}, config
    log = Path(small_logs.inspect("nginx")["LogPath"])

    def flood(_) -> int:
        with small_logs.client() as c:
            return sum(
                c.get("/robots.txt", headers={"User-Agent": "flood " + "x" * 200}).status_code == 200
                for _ in range(300)
            )

    with Bystander(small_logs) as normal, concurrent.futures.ThreadPoolExecutor(8) as pool:
        served = sum(pool.map(flood, range(8)))
    assert served == 2400
    normal.assert_served()
    time.sleep(2)  # Nginx flushes its access log buffer every second
    files = sorted(log.parent.glob(log.name + "*"))
    sizes = {f.name: os.path.getsize(f) for f in files}
    line = 2000  # the longest log line, with Docker's JSON around it
    assert len(files) == 2, sizes  # rotated (the flood wrote far more than one file holds) ...
    assert all(size <= LOG_MAX_SIZE_KB * 1024 + line for size in sizes.values()), sizes  # ... and bounded
    assert sum(sizes.values()) < 2 * (LOG_MAX_SIZE_KB * 1024 + line)
    written = 2400 * 500  # at least 500 bytes per logged request: the flood really overflowed
    assert written > 4 * sum(sizes.values()), (written, sizes)
