""".env.example is documentation of the defaults the code really has: every knob it lists for the
server layer (backend/servers/settings.py) and the edge (nginx/docker-entrypoint.sh) says the
value the code falls back to, so the two cannot drift."""

import re
from pathlib import Path

from servers.settings import AppSettings, ServerSettings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / ".env.example").read_text()
ENTRYPOINT = (ROOT / "nginx" / "docker-entrypoint.sh").read_text()
LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(\S*)", re.M)


def documented() -> dict[str, str]:
    return {name: value for name, value in LINE.findall(EXAMPLE)}


def env_name(cls, field: str) -> str:
    info = cls.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias
    if alias is not None:
        return alias.choices[0]
    return f"{cls.model_config['env_prefix']}{field}".upper()


def code_default(cls, field: str) -> str:
    value = cls.model_fields[field].default
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_every_server_layer_setting_it_lists_has_the_codes_default():
    doc = documented()
    checked = 0
    for cls in (ServerSettings, AppSettings):
        for field in cls.model_fields:
            name = env_name(cls, field)
            if doc.get(name):  # `NAME=` documents "unset" (its comment says what that means)
                assert doc[name] == code_default(cls, field), f"{name}: .env.example says {doc[name]!r}"
                checked += 1
    assert checked >= 12  # the app's switches and the server's timeouts are all there


def test_every_app_switch_of_the_server_layer_is_documented():
    doc = documented()
    missing = [env_name(AppSettings, f) for f in AppSettings.model_fields if env_name(AppSettings, f) not in doc]
    assert missing == []


def test_the_edge_knobs_it_lists_have_the_entrypoints_default():
    defaults = dict(re.findall(r"^([A-Z_]+)=\$\{\1:-([^}]*)\}$", ENTRYPOINT, re.M))
    doc = documented()
    for name in ("UPSTREAM_KEEPALIVE_TIMEOUT", "API_PREFIX", "TLS_HYBRID_PQ", "API_MAX_BODY_SIZE", "NGINX_WORKERS"):
        assert doc[name] == defaults[name], name
    assert doc["SERVER_NAME"] == "localhost"  # the first of "localhost 127.0.0.1 [::1]" (\S*)


def test_the_log_rotation_it_lists_is_compose_s_default():
    compose = (ROOT / "docker-compose.yml").read_text()
    doc = documented()
    assert f"max-size: ${{LOG_MAX_SIZE:-{doc['LOG_MAX_SIZE']}}}" in compose
    assert f'max-file: "${{LOG_MAX_FILE:-{doc["LOG_MAX_FILE"]}}}"' in compose
