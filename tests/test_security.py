"""Security posture of the running bundle: least privilege, no secrets baked into images (the
repository's own scan is test_repository.py), only Nginx exposed, forwarded headers trusted from
the proxy network only, and no software versions given away."""

import ipaddress
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.private_keys import MAX_SCANNED, PRIVATE_KEY
from tests.rawhttp import body, exchange, status

pytestmark = pytest.mark.containers

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ["app", "nginx"]


def exec_in(stack, service: str, *cmd: str) -> str:
    result = stack.run("exec", "-T", service, *cmd, check=False)
    assert result.returncode == 0, f"{cmd} in {service}: {result.stderr}"
    return result.stdout


def network(stack, name: str) -> dict:
    cmd = ["docker", "network", "inspect", f"{stack.project}_{name}"]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)[0]


# --- least privilege ---------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_container_is_locked_down(prod, service):
    info = prod.inspect(service)
    user = info["Config"]["User"]
    assert user and user.split(":")[0] not in ("root", "0"), user
    host = info["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert host["Privileged"] is False
    assert host["CapAdd"] in (None, [])
    assert "ALL" in (host["CapDrop"] or [])
    assert "no-new-privileges:true" in (host["SecurityOpt"] or [])


@pytest.mark.parametrize("service", SERVICES)
def test_every_process_runs_unprivileged(prod, service):
    # What the kernel says about each process in the container (the server and its workers),
    # not just what the image asked for.
    assert exec_in(prod, service, "id", "-u").strip() != "0"
    statuses = exec_in(prod, service, "sh", "-c", "cat /proc/[0-9]*/status").split("\nName:")
    assert len(statuses) >= 2, statuses  # the server and at least one worker (plus this shell)
    for proc in statuses:
        fields = dict(line.split(":", 1) for line in proc.strip().splitlines()[1:] if ":" in line)
        name = proc.split("\n", 1)[0].replace("Name:", "").strip()
        assert "0" not in fields["Uid"].split(), (name, fields["Uid"])  # real, effective, saved, fs
        assert "0" not in fields["Gid"].split(), (name, fields["Gid"])
        assert int(fields["CapEff"], 16) == 0 and int(fields["CapPrm"], 16) == 0, (name, fields["CapEff"])
        assert int(fields["CapBnd"], 16) == 0, (name, fields["CapBnd"])  # cannot regain any
        assert fields["NoNewPrivs"].strip() == "1", name


@pytest.mark.parametrize("service", SERVICES)
def test_root_filesystem_is_mounted_read_only(prod, service):
    mounts = [m.split() for m in exec_in(prod, service, "cat", "/proc/self/mounts").splitlines()]
    (root,) = [m for m in mounts if m[1] == "/"]
    assert "ro" in root[3].split(","), root
    # Writable: the /tmp tmpfs, the app's data volume, the app's socket folder (/run/app: Nginx
    # mounts it read-only, which is enough to connect) and the app's metrics tmpfs (/run/metrics);
    # certs and reports are mounted read-only.
    # (/proc, /sys and /dev are the kernel's pseudo-filesystems, as Docker sets them up.)
    writable = {m[1] for m in mounts if "rw" in m[3].split(",") and not m[1].startswith(("/proc", "/sys", "/dev"))}
    assert writable == ({"/tmp", "/data", "/run/app", "/run/metrics"} if service == "app" else {"/tmp"}), writable


# --- secrets -----------------------------------------------------------------------------------


def scan_image(image: str, workdir: Path) -> tuple[int, list[str], list[str]]:
    """Every file of every layer (also files a later layer deletes): (files, key-like names, files with a key)."""
    archive = workdir / "image.tar"
    subprocess.run(["docker", "save", "-o", str(archive), image], check=True, timeout=300)
    files, names, keys = 0, [], []
    with tarfile.open(archive) as outer:
        for blob in outer:
            if not blob.isfile():
                continue
            try:
                layer = tarfile.open(fileobj=outer.extractfile(blob), mode="r:*")
            except tarfile.TarError:
                continue  # manifest or config JSON
            with layer:
                for entry in layer:
                    if not entry.isfile():
                        continue
                    files += 1
                    if entry.name.endswith((".key", ".pem")):
                        names.append(entry.name)
                    if entry.size > MAX_SCANNED:
                        continue
                    data = layer.extractfile(entry).read()
                    if b"\0" in data[:8192]:
                        continue  # binaries (libgnutls embeds a public self-test key)
                    if PRIVATE_KEY.search(data):
                        keys.append(entry.name)
    archive.unlink()
    return files, names, keys


# Public CA bundles: certificates only (their content is scanned like everything else).
PUBLIC_PEM = re.compile(r"^(?:\./)?(?:etc/ssl/certs/|usr/share/ca-certificates/|.*/certifi/cacert\.pem$)")


@pytest.mark.parametrize("service", SERVICES)
def test_no_private_key_in_any_image_layer(prod, service, tmp_path):
    image = prod.inspect(service)["Image"]  # exactly what runs
    files, names, keys = scan_image(image, tmp_path)
    assert files > 1000, files  # really looked inside the layers
    assert keys == [], keys
    assert [n for n in names if not PUBLIC_PEM.match(n)] == []


# --- exposure ----------------------------------------------------------------------------------


def test_only_nginx_publishes_ports(prod):
    assert prod.inspect("app")["HostConfig"]["PortBindings"] in ({}, None)
    assert not any(prod.inspect("app")["NetworkSettings"]["Ports"].values())  # 8000 exposed, not published
    assert set(prod.inspect("nginx")["HostConfig"]["PortBindings"]) == {"8080/tcp", "8443/tcp", "8443/udp"}
    out = prod.run("ps", "--format", "json").stdout.strip()
    containers = json.loads(out) if out.startswith("[") else [json.loads(line) for line in out.splitlines()]
    assert {c["Service"] for c in containers} == {"app", "nginx"}
    publishers = [p for c in containers for p in (c.get("Publishers") or []) if p.get("PublishedPort")]
    published = [(p["TargetPort"], p["PublishedPort"]) for p in publishers]
    assert sorted(target for target, _ in published) == [8080, 8443, 8443], published  # 8443: TCP and UDP (HTTP/3)
    assert sorted(port for _, port in published) == sorted([prod.http_port, prod.https_port, prod.https_port])


PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], 8443), timeout=2).close()
    print("reached")
except OSError as exc:
    print("blocked", type(exc).__name__)
"""


def test_the_app_sits_only_on_the_internal_network(prod):
    # On Linux the Docker host itself can still reach container addresses on an internal bridge
    # (and Docker 20.10 even gives the container a default route): what holds is no published
    # port (above), no other network, and nothing forwarded out of the backend network.
    networks = set(prod.inspect("app")["NetworkSettings"]["Networks"])
    assert networks == {f"{prod.project}_backend"}, networks
    assert network(prod, "backend")["Internal"] is True
    nginx = prod.inspect("nginx")["NetworkSettings"]["Networks"]
    inside, outside = (nginx[f"{prod.project}_{n}"]["IPAddress"] for n in ("backend", "frontend"))
    # The same nginx, on the same port: reachable on the shared network, not across the edge.
    assert exec_in(prod, "app", "python3", "-c", PROBE, inside).strip() == "reached"
    assert exec_in(prod, "app", "python3", "-c", PROBE, outside).startswith("blocked")


def test_the_app_trusts_forwarded_headers_from_the_proxy_network_only(prod):
    # The value Gunicorn is configured with (servers/gunicorn.conf.py, evaluated in the container).
    script = "import runpy; print(runpy.run_path('/srv/bundle/servers/gunicorn.conf.py')['forwarded_allow_ips'])"
    trusted = exec_in(prod, "app", "python3", "-c", script).strip()
    assert "*" not in trusted
    trusted_nets = {ipaddress.ip_network(n) for n in trusted.split(",")}
    ipam = network(prod, "backend")["IPAM"]["Config"]
    backend = {ipaddress.ip_network(c["Subnet"]) for c in ipam}
    gateways = {ipaddress.ip_address(c["Gateway"]) for c in ipam}
    # Exactly the backend subnet less its gateway (the Docker host, which is no proxy).
    expected = {n for b in backend for gw in gateways if gw in b for n in b.address_exclude(ipaddress.ip_network(gw))}
    assert set(ipaddress.collapse_addresses(trusted_nets)) == set(ipaddress.collapse_addresses(expected)), (
        trusted,
        backend,
    )
    nginx_ip = ipaddress.ip_address(
        prod.inspect("nginx")["NetworkSettings"]["Networks"][f"{prod.project}_backend"]["IPAddress"]
    )
    assert any(nginx_ip in n for n in trusted_nets)
    assert all(n.prefixlen > 0 for n in trusted_nets)
    # Clients arrive through the published ports from the frontend gateway: never trusted.
    frontend_gateway = ipaddress.ip_address(network(prod, "frontend")["IPAM"]["Config"][0]["Gateway"])
    assert not any(frontend_gateway in n for n in trusted_nets)
    assert "gunicorn.conf.py" in exec_in(prod, "app", "cat", "/proc/1/cmdline")  # that config is the one running


# --- no versions -------------------------------------------------------------------------------

LEAKY = re.compile(r"uvicorn|gunicorn|granian|python|starlette|fastapi|nginx/\d|debian|ubuntu|openssl", re.I)


def _answers(prod) -> dict[str, bytes]:
    tls = prod.ssl_context()

    def https(request: str) -> bytes:
        return exchange(prod.https_port, request.encode(), tls)

    plain = "Host: localhost\r\nConnection: close\r\n"
    return {
        "site": https(f"GET / HTTP/1.1\r\n{plain}\r\n"),
        "api": https(f"GET /api/health HTTP/1.1\r\n{plain}\r\n"),
        "api 404": https(f"GET /api/items/999999999 HTTP/1.1\r\n{plain}\r\n"),
        "api 422": https(f"GET /api/items/abc HTTP/1.1\r\n{plain}\r\n"),
        "site 404": https(f"GET /no-such-page HTTP/1.1\r\n{plain}\r\n"),
        "api 404 at nginx": https(f"GET /apix HTTP/1.1\r\n{plain}\r\n"),
        "400": https(f"GET / HTTP/1.1\r\n{plain}X-Big: {'a' * 20000}\r\n\r\n"),
        "405": https(f"TRACE / HTTP/1.1\r\n{plain}\r\n"),
        "413": https(f"POST /api/upload HTTP/1.1\r\n{plain}Content-Length: {10 * 1024 * 1024 + 1}\r\n\r\n"),
        "414": https(f"GET /{'a' * 20000} HTTP/1.1\r\n{plain}\r\n"),
        "308": exchange(prod.http_port, f"GET /api/health HTTP/1.1\r\n{plain}\r\n".encode()),
    }


EXPECTED_STATUS = {
    "site": 200, "api": 200, "api 404": 404, "api 422": 422, "site 404": 404, "api 404 at nginx": 404,
    "400": 400, "405": 405, "413": 413, "414": 414, "308": 308,
}  # fmt: skip


def test_responses_give_away_no_software_versions(prod):
    for name, answer in _answers(prod).items():
        assert status(answer) == EXPECTED_STATUS[name], (name, answer[:300])
        head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head]
        assert [v for k, v in headers if k.lower() == "server"] == ["nginx"], (name, headers)
        assert not [k for k, _ in headers if k.lower() in ("x-powered-by", "x-aspnet-version", "via")], (name, headers)
        assert not [h for h in headers if LEAKY.search(f"{h[0]}: {h[1]}")], (name, headers)
        if name not in ("site", "api", "api 404", "api 422"):  # nginx's own pages
            assert not re.search(rb"nginx/\d", body(answer)), (name, body(answer))


def test_gixy_finds_nothing_medium_or_high_in_the_running_config(prod, tmp_path):
    # The scanner operators run on Nginx configs, on what the container actually loaded
    # (`nginx -T`: the image's files plus the entrypoint's generated includes).
    dump = subprocess.run(["docker", "exec", prod.container_id("nginx"), "nginx", "-T"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    conf = tmp_path / "nginx-T.conf"
    conf.write_text(dump)
    gixy = Path(sys.executable).with_name("gixy")
    r = subprocess.run([str(gixy), "-ll", "--format", "json", str(conf)], capture_output=True, text=True, timeout=120)
    findings = json.loads(r.stdout or "[]")
    serious = [f"{f['plugin']}: {f['summary']}" for f in findings if f["severity"] in ("MEDIUM", "HIGH")]
    assert serious == [], "\n".join(serious)
    assert "server_name" in dump and "ssl_ecdh_curve" in dump  # the dump is the real config


def test_no_container_on_the_backend_network_reaches_the_app_around_nginx(prod):
    # With the unix-socket upstream (the default) Gunicorn's TCP port listens on the container's
    # loopback only: a neighbour on the backend network could otherwise send requests with any
    # X-Forwarded-For (the backend subnet is trusted for it) and skip every edge limit.
    image = prod.inspect("nginx")["Config"]["Image"]
    probe = ["docker", "run", "--rm", "--network", f"{prod.project}_backend", "--entrypoint", "curl", image,
             "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5"]  # fmt: skip
    app = subprocess.run([*probe, "http://app:8000/.bundle/live"], capture_output=True, text=True, timeout=60)
    assert app.returncode == 7 and app.stdout == "000", (app.returncode, app.stdout, app.stderr)  # refused
    # The same neighbour does reach the app container (its metrics port): the network is there.
    metrics = subprocess.run([*probe, "http://app:9100/metrics"], capture_output=True, text=True, timeout=60)
    assert metrics.stdout == "200", (metrics.returncode, metrics.stdout, metrics.stderr)
    # Inside the container the port still answers (probes, diagnostics).
    live = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/.bundle/live').status)"
    assert exec_in(prod, "app", "python3", "-c", live).strip() == "200"
