"""The Gunicorn config as Gunicorn itself loads it."""

import re
import runpy
from pathlib import Path

import yaml

import servers

CONF = Path(servers.__file__).parent / "gunicorn.conf.py"
ROOT = Path(servers.__file__).resolve().parents[2]


def nginx_upstream_keepalive_s() -> int:
    """Nginx's upstream keepalive_timeout as the bundle starts it: compose's value if it sets
    one, else the entrypoint's default (it writes the directive)."""
    entrypoint = (ROOT / "nginx/docker-entrypoint.sh").read_text()
    default = re.search(r"^UPSTREAM_KEEPALIVE_TIMEOUT=\$\{UPSTREAM_KEEPALIVE_TIMEOUT:-(\d+)\}$", entrypoint, re.M)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    passed = compose["services"]["nginx"]["environment"]["UPSTREAM_KEEPALIVE_TIMEOUT"]
    set_by_compose = re.fullmatch(r"\$\{UPSTREAM_KEEPALIVE_TIMEOUT:-(\d*)\}", passed)
    return int(set_by_compose.group(1) or default.group(1))


def stop_grace_periods_s() -> dict[str, int]:
    """Each app service's stop_grace_period in docker-compose.yml (seconds)."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: int(services[name]["stop_grace_period"].removesuffix("s")) for name in ("app", "app-dev")}


def test_config_fits_nginx_and_compose(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("SERVER_FORWARDED_ALLOW_IPS", "10.2.0.0/24")
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "servers.draining.DrainingUvicornWorker"
    assert conf["workers"] == 3
    assert conf["keepalive"] > nginx_upstream_keepalive_s()  # Nginx closes an idle connection first
    for service, grace in stop_grace_periods_s().items():
        assert conf["graceful_timeout"] < grace, service  # in-flight requests end before SIGKILL
    assert conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0
    assert conf["worker_tmp_dir"] == "/dev/shm"
    assert conf["forwarded_allow_ips"] == "10.2.0.0/24"
    assert conf["wsgi_app"] == "servers.asgi:create_app()"


def test_unix_upstream_binds_the_socket_and_tcp_on_loopback_only(monkeypatch):
    # Nginx comes over the socket: TCP stays for probes inside the container, not for neighbours
    # on the backend network, which could otherwise bypass Nginx (tests/test_security.py).
    monkeypatch.setenv("SERVER_UPSTREAM", "unix")
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == ["127.0.0.1:8000", "unix:/run/app/app.sock"]
    assert conf["wsgi_app"] == "servers.asgi:create_app()"  # wraps in UnixPeerProxyHeaders itself


def test_several_replicas_keep_tcp_only(monkeypatch):
    monkeypatch.setenv("SERVER_UPSTREAM", "unix")
    monkeypatch.setenv("SERVER_REPLICAS", "2")
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == ["0.0.0.0:8000"] and conf["wsgi_app"] == "servers.asgi:create_app()"


def test_websocket_messages_are_capped_at_64_kib_unless_set(monkeypatch):
    assert runpy.run_path(str(CONF))["websocket_max_message_size"] == 64 * 1024
    monkeypatch.setenv("SERVER_WS_MAX_SIZE", "1048576")
    assert runpy.run_path(str(CONF))["websocket_max_message_size"] == 1048576
