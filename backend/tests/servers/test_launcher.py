import socket

import pytest

from servers.__main__ import COMMANDS, claim_socket, main
from servers.settings import ServerSettings


def settings(**kw) -> ServerSettings:
    return ServerSettings(forwarded_allow_ips="10.1.0.0/24", **kw)


def test_uvicorn_gets_the_same_knobs_as_gunicorn():
    argv = COMMANDS["uvicorn"](settings(WEB_CONCURRENCY=3, max_requests=500, max_requests_jitter=50))
    joined = " ".join(argv)
    assert "--workers 3" in joined and "--proxy-headers" in joined
    assert "--forwarded-allow-ips 10.1.0.0/24" in joined
    assert "--timeout-keep-alive 75" in joined and "--timeout-graceful-shutdown 25" in joined
    assert "--limit-max-requests 500" in joined and "--limit-max-requests-jitter 50" in joined
    assert "--ws-max-size 65536" in joined  # SERVER_WS_MAX_SIZE, not Uvicorn's 16 MiB


def test_uvicorn_reload_is_single_process():
    argv = COMMANDS["uvicorn"](settings(reload=True))
    assert "--reload" in argv and "--workers" not in argv


def test_gunicorn_asgi_swaps_only_the_worker_class():
    assert COMMANDS["gunicorn-asgi"](settings())[-2:] == ["--worker-class", "asgi"]


def test_unknown_server_exits_with_usage():
    with pytest.raises(SystemExit) as exc:
        main(["apache"])
    assert "usage" in str(exc.value)


@pytest.mark.parametrize("env", [{"WEB_CONCURRENCY": "0"}, {"SERVER_KEEPALIVE": "forever"}, {"SERVER_PORT": "70000"}])
def test_bad_server_settings_fail_fast(monkeypatch, env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValueError):
        ServerSettings()


def test_empty_web_concurrency_means_unset(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "")
    assert ServerSettings().web_concurrency is None


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_single_bind_servers_serve_the_unix_socket_only(server):
    argv = COMMANDS[server](settings(upstream="unix"))
    assert argv[argv.index("--uds") + 1] == "/run/app/app.sock"
    assert "--port" not in argv and "servers.asgi:create_app" in argv


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_tcp_upstream_and_replicas_serve_tcp(server):
    for s in (settings(), settings(upstream="unix", replicas=2)):
        argv = COMMANDS[server](s)
        assert "--uds" not in argv and "--port" in argv and "servers.asgi:create_app" in argv


def test_a_stale_socket_is_removed_a_live_one_refused(tmp_path):
    path = tmp_path / "app.sock"
    with socket.socket(socket.AF_UNIX) as live:
        live.bind(str(path))
        live.listen()
        with pytest.raises(SystemExit, match="APP_UPSTREAM=tcp"):
            claim_socket(str(path))
    assert path.exists()  # closed, but the file stays: a crashed server's leftover
    claim_socket(str(path))
    assert not path.exists()


def test_the_proxy_list_is_resolved_in_the_server_process_not_in_its_exec_argv(monkeypatch):
    """Servers older than CIDR support get the proxy network address by address: a /16 is
    ~900 kB, over the kernel's 128 KiB limit on one exec argument (E2BIG, a server that never
    starts). The launcher's argv carries the setting; servers/uvicorn_cli.py expands it."""
    from servers import compat, proxies, uvicorn_cli  # noqa: PLC0415

    monkeypatch.setattr(proxies, "connected_subnets", lambda: ["172.17.0.0/16"])
    monkeypatch.setattr(compat, "trusts_networks", lambda: False)
    argv = COMMANDS["uvicorn"](ServerSettings(forwarded_allow_ips="connected"))
    assert max(len(a.encode()) for a in argv) < 128 * 1024
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "connected"
    resolved = uvicorn_cli.resolve(argv[3:])
    listed = resolved[resolved.index("--forwarded-allow-ips") + 1].split(",")
    assert len(listed) == 65_534 and listed[0] == "172.17.0.1"  # every host of the network
    assert resolved[: resolved.index("--forwarded-allow-ips")] == argv[3 : argv.index("--forwarded-allow-ips")]


def test_an_explicit_proxy_list_reaches_uvicorn_as_given():
    from servers import uvicorn_cli  # noqa: PLC0415

    argv = ["servers.asgi:create_app", "--forwarded-allow-ips", "10.0.0.5,10.0.0.6", "--workers", "2"]
    assert uvicorn_cli.resolve(argv) == argv
