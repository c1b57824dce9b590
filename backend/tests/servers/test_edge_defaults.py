"""Defaults that Nginx's entrypoint and the stdlib-only healthcheck repeat from servers/settings.py
(neither can import it), read from their files and checked against it."""

import re
from pathlib import Path

import servers
from servers import healthcheck, settings
from servers.settings import ServerSettings

ENTRYPOINT = (Path(servers.__file__).resolve().parents[2] / "nginx/docker-entrypoint.sh").read_text()


def entrypoint_default(name: str) -> str:
    return re.search(rf"^{name}=\$\{{{name}:-([^}}]*)\}}$", ENTRYPOINT, re.M).group(1)


def server_default(field: str) -> str:
    return str(ServerSettings.model_fields[field].default)


def test_nginx_connects_where_the_server_layer_listens():
    assert entrypoint_default("APP_SOCKET") == server_default("uds")
    assert re.search(r'server="app:(\d+) resolve"', ENTRYPOINT).group(1) == server_default("port")
    assert entrypoint_default("APP_REPLICAS") == server_default("replicas")


def test_the_healthcheck_probes_the_servers_live_path():
    assert healthcheck.LIVE_PATH == settings.LIVE_PATH
