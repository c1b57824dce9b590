"""The Gunicorn config as Gunicorn itself loads it."""

import runpy
from pathlib import Path

import servers

CONF = Path(servers.__file__).parent / "gunicorn.conf.py"


def test_config_fits_nginx_and_compose(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("SERVER_FORWARDED_ALLOW_IPS", "10.2.0.0/24")
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "servers.draining.DrainingUvicornWorker"
    assert conf["workers"] == 3
    assert conf["keepalive"] > 60  # Nginx's upstream keepalive_timeout
    assert conf["graceful_timeout"] < 30  # compose stop_grace_period
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
