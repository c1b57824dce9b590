"""The monitoring profile with prod (issue 11): the real Prometheus and the real Nginx exporter,
built like every other image, scraping the running bundle over the internal backend network.

One stack for the whole module: prod + monitoring with two app replicas, so DNS discovery of
`app` has to find both (Nginx reaches them over TCP). What it proves: every target Prometheus
knows is up, the app once per replica, and the app's request counter and the README's p95 query
follow real requests; Nginx's counters arrive through the exporter and move
with real connections; stub_status and the metrics stay off the public side; Prometheus runs
locked down, with its rules loaded and short retention, its UI on the host's loopback only."""

import http.client
import json
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.alert_rules import alert_rules
from tests.conftest import start_stack

pytestmark = pytest.mark.containers

REPLICAS = 2
TARGETS_UP_S = 60  # first scrape within one 10 s interval, after DNS discovery (10 s refresh)


@pytest.fixture(scope="module")
def stack(certs, reports_dir, tmp_path_factory):
    s = start_stack("prod", certs, reports_dir, tmp_path_factory, extra_profiles=("monitoring",),
                    APP_REPLICAS=str(REPLICAS), WEB_CONCURRENCY="1")  # fmt: skip
    yield s
    s.stop()


def prom(stack, path: str, **params) -> dict:
    r = httpx.get(f"http://127.0.0.1:{stack.prometheus_port}{path}", params=params, timeout=10)
    r.raise_for_status()
    body = r.json()
    assert body["status"] == "success", body
    return body["data"]


def query(stack, promql: str) -> list[dict]:
    return prom(stack, "/api/v1/query", query=promql)["result"]


def targets(stack) -> list[dict]:
    return prom(stack, "/api/v1/targets", state="active")["activeTargets"]


def app_ips(stack) -> set[str]:
    """The backend-network address of every app container (replica)."""
    out = subprocess.run(["docker", "inspect", *stack.container_ids("app")], capture_output=True, text=True, check=True)
    return {c["NetworkSettings"]["Networks"][f"{stack.project}_backend"]["IPAddress"] for c in json.loads(out.stdout)}


def wait_for(what: str, check, timeout: float):
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(1)
    pytest.fail(f"{what} not within {timeout:.0f}s; last: {last!r}")


def health_by_job(stack) -> dict[str, list[tuple[str, str, str]]]:
    jobs: dict[str, list[tuple[str, str, str]]] = {}
    for t in targets(stack):
        jobs.setdefault(t["labels"]["job"], []).append((t["labels"]["instance"], t["health"], t["lastError"]))
    return jobs


# --- targets -----------------------------------------------------------------------------------


README_P95 = "histogram_quantile(0.95, sum by (route, le) (rate(app_http_request_duration_seconds_bucket[5m])))"


def test_nginx_exporter_and_prometheus_targets_are_up(stack):
    def ready():
        jobs = health_by_job(stack)
        edge = jobs.get("nginx", []) + jobs.get("prometheus", [])
        return jobs if len(edge) == 2 and all(h == "up" for _, h, _ in edge) else None

    jobs = wait_for("the nginx and prometheus targets up", ready, TARGETS_UP_S)
    assert [i for i, _, _ in jobs["nginx"]] == ["nginx-exporter:9113"]
    assert [i for i, _, _ in jobs["prometheus"]] == ["localhost:9090"]


def test_every_app_replica_is_discovered(stack):
    # DNS service discovery (type A on `app`) finds each container, whatever its metrics say.
    expected = {f"{ip}:9100" for ip in app_ips(stack)}
    assert len(expected) == REPLICAS
    found = wait_for(
        "both app replicas discovered",
        lambda: {i for i, _, _ in health_by_job(stack).get("app", [])} == expected or None,
        TARGETS_UP_S,
    )
    assert found


def test_every_target_is_up_including_each_app_replica(stack):
    def all_up():
        jobs = health_by_job(stack)
        every = [t for ts in jobs.values() for t in ts]
        return jobs if len(jobs.get("app", [])) == REPLICAS and all(h == "up" for _, h, _ in every) else None

    jobs = wait_for("every target up", all_up, TARGETS_UP_S)
    assert set(jobs) == {"app", "nginx", "prometheus"}
    assert {i for i, _, _ in jobs["app"]} == {f"{ip}:9100" for ip in app_ips(stack)}


def test_app_metrics_arrive_from_every_replica_and_count_requests(stack):
    # The app's own counter, summed by Prometheus over both replicas (each one the sum of its
    # workers), grows with requests sent through Nginx: the queries in the README work.
    def total() -> float | None:
        r = query(stack, 'sum(app_http_requests_total{route="/api/health"})')
        return float(r[0]["value"][1]) if r else 0.0

    wait_for("app metrics from both replicas", lambda: len(query(stack, "app_workers")) == REPLICAS, TARGETS_UP_S)
    before = total()
    with stack.client() as c:
        for _ in range(40):
            assert c.get("/api/health").status_code == 200
    wait_for("40 more /api/health requests counted", lambda: total() >= before + 40, 30)
    # rate() needs two scrapes of the new series: the next scrape brings the route's p95.
    wait_for(
        "p95 of /api/health",
        lambda: [r for r in query(stack, README_P95) if r["metric"].get("route") == "/api/health"],
        30,
    )


# --- Nginx's counters through the exporter -----------------------------------------------------


def test_the_exporter_reads_stub_status(stack):
    wait_for("nginx_up 1", lambda: [r for r in query(stack, "nginx_up") if r["value"][1] == "1"], TARGETS_UP_S)


def test_nginx_connections_active_counts_open_client_connections(stack):
    wait_for("nginx_connections_active", lambda: query(stack, "nginx_connections_active"), TARGETS_UP_S)
    held = 12
    conns = []
    try:
        for _ in range(held):
            # One request each, then idle on keep-alive (65 s; a connection that never sent a
            # request would be closed after client_header_timeout, 10 s, one scrape interval).
            c = http.client.HTTPSConnection("localhost", stack.https_port, timeout=10, context=stack.ssl_context())
            c.request("GET", "/robots.txt")
            assert c.getresponse().read() and c.sock is not None
            conns.append(c)
        # Idle keep-alive connections count as active, and as waiting, until Nginx closes them.
        # Not waiting at once: within keepalive_min_timeout (2 s, basics.conf) Nginx keeps an idle
        # connection out of its reusable (waiting) set, so a scrape in those 2 s sees them active
        # only. Both counts must hold in one scrape (PromQL `and` matches the same target).
        both = f"nginx_connections_waiting >= {held - 1} and nginx_connections_active >= {held}"
        result = wait_for(both, lambda: query(stack, both), 30)
        assert [r["metric"]["job"] for r in result] == ["nginx"]
    finally:
        for c in conns:
            c.close()


def test_nginx_request_counter_moves_with_requests(stack):
    def total() -> float | None:
        r = query(stack, "nginx_http_requests_total")
        return float(r[0]["value"][1]) if r else None

    before = wait_for("nginx_http_requests_total", total, TARGETS_UP_S)
    with stack.client() as c:
        for _ in range(50):
            assert c.get("/robots.txt").status_code == 200
    wait_for("50 more requests counted", lambda: (total() or 0) >= before + 50, 30)


# --- nothing public ----------------------------------------------------------------------------


def test_stub_status_and_metrics_are_not_served_publicly(stack):
    with stack.client() as c:
        for path in ("/stub_status", "/nginx-health", "/metrics", "/api/metrics"):
            r = c.get(path)
            assert r.status_code == 404, (path, r.status_code)
            assert b"Active connections" not in r.content and b"# TYPE" not in r.content, path
    # Plain HTTP only redirects; a Host outside SERVER_NAME is dropped (444) before any location.
    r = httpx.get(f"http://127.0.0.1:{stack.http_port}/stub_status", timeout=10)
    assert r.status_code == 308
    raw = socket.create_connection(("127.0.0.1", stack.http_port), timeout=10)
    with raw:
        raw.sendall(b"GET /stub_status HTTP/1.1\r\nHost: nginx\r\nConnection: close\r\n\r\n")
        assert raw.recv(1024) == b""


def test_stub_status_refuses_clients_outside_the_private_ranges(stack):
    # Nginx joins a network in a documentation range (TEST-NET-2, not private), and a client on
    # it asks the internal server: stub_status is refused there, answered on the backend network.
    net = f"{stack.project}-public"
    nginx = stack.container_id("nginx")
    image = stack.inspect("nginx")["Config"]["Image"]  # has curl
    subprocess.run(["docker", "network", "create", "--internal", "--subnet", "198.51.100.0/24", net],
                   check=True, capture_output=True)  # fmt: skip
    try:
        subprocess.run(["docker", "network", "connect", "--ip", "198.51.100.10", net, nginx], check=True)

        def status(network: str, host: str) -> str:
            cmd = ["docker", "run", "--rm", "--network", network, "--entrypoint", "curl", image,
                   "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://{host}:8081/stub_status"]  # fmt: skip
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout

        assert status(net, "198.51.100.10") == "403"
        assert status(f"{stack.project}_backend", "nginx") == "200"
    finally:
        subprocess.run(["docker", "network", "disconnect", "--force", net, nginx], capture_output=True)
        subprocess.run(["docker", "network", "rm", net], capture_output=True)


def test_only_nginx_and_prometheus_publish_and_prometheus_on_loopback(stack):
    assert set(stack.inspect("nginx")["HostConfig"]["PortBindings"]) == {"8080/tcp", "8443/tcp", "8443/udp"}
    assert stack.inspect("prometheus")["HostConfig"]["PortBindings"] == {
        "9090/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(stack.prometheus_port)}]
    }
    for service in ("nginx-exporter", "app"):
        assert stack.inspect(service)["HostConfig"]["PortBindings"] in ({}, None), service
    assert set(stack.inspect("nginx-exporter")["NetworkSettings"]["Networks"]) == {f"{stack.project}_backend"}


# --- Prometheus itself -------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["prometheus", "nginx-exporter"])
def test_monitoring_containers_are_locked_down(stack, service):
    info = stack.inspect(service)
    assert info["Config"]["User"] == "65534:65534"
    host = info["HostConfig"]
    assert host["ReadonlyRootfs"] is True and host["Privileged"] is False
    assert "ALL" in (host["CapDrop"] or []) and host["CapAdd"] in (None, [])
    assert "no-new-privileges:true" in (host["SecurityOpt"] or [])
    assert info["State"]["Running"] is True and info["RestartCount"] == 0


def test_prometheus_writes_only_its_volume_and_keeps_short_retention(stack):
    mounts = stack.inspect("prometheus")["Mounts"]
    assert [(m["Type"], m["Destination"], m["RW"]) for m in mounts] == [("volume", "/prometheus", True)]
    assert mounts[0]["Name"] == f"{stack.project}_prometheus-data"
    flags = prom(stack, "/api/v1/status/flags")
    assert flags["storage.tsdb.retention.time"] == "2d"
    assert flags["storage.tsdb.retention.size"] == "1GiB"  # Prometheus reads GB as GiB
    assert stack.inspect("prometheus")["State"]["Health"]["Status"] == "healthy"  # promtool check ready


def test_prometheus_loads_the_alert_rules(stack):
    """What the running Prometheus loaded is what monitoring/rules/ writes: every file, group,
    alert and its labels, each healthy."""
    groups = prom(stack, "/api/v1/rules", type="alert")["groups"]
    loaded = {(Path(g["file"]).name, g["name"], r["name"], tuple(sorted(r["labels"].items())))
              for g in groups for r in g["rules"]}  # fmt: skip
    assert loaded == alert_rules()
    assert all(r["health"] == "ok" for g in groups for r in g["rules"])


def test_the_ui_answers_on_loopback(stack):
    r = httpx.get(f"http://127.0.0.1:{stack.prometheus_port}/graph", timeout=10)
    assert r.status_code == 200 and "<title>Prometheus" in r.text
