"""Values of the demo that its edge and its load-test topology must repeat, checked against the
app itself: the Allow list Nginx answers TRACE with, the upload limit Nginx enforces before the
app does, the CORS methods, and the Postgres URL of backend/postgres.env."""

import re
from pathlib import Path

from app.cors import METHODS as CORS_METHODS
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ALLOW_LINE = re.compile(r'^\s*~(\S+)\s+"([A-Z, ]+)";', re.M)
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def api_methods(tmp_path) -> dict[str, set[str]]:
    """Each path of the demo's API (load-test workloads on), a concrete one, and its methods."""
    app = create_app(Settings(environment="test", database_path=tmp_path / "app.db", workloads=True))
    return {re.sub(r"\{[^}]+\}", "1", path): {m.upper() for m in ops} for path, ops in app.openapi()["paths"].items()}


def allow_for(path: str) -> set[str]:
    """What Nginx's Allow map says for ``path``: its first matching regex, as Nginx picks it."""
    for pattern, methods in ALLOW_LINE.findall((ROOT / "nginx/demo/allow-methods.conf").read_text()):
        if re.search(pattern, path):
            return set(methods.split(", "))
    raise AssertionError(f"no Allow line for {path}")


def test_nginx_allow_list_names_each_routes_methods(tmp_path):
    paths = api_methods(tmp_path)
    assert len(paths) >= 5
    for path, methods in paths.items():
        assert allow_for(path) == methods, path


def test_cors_allows_the_methods_the_api_has(tmp_path):
    assert set(CORS_METHODS) == set().union(*api_methods(tmp_path).values()) | {"OPTIONS"}


def test_nginx_upload_limit_is_the_apps(tmp_path):
    locations = (ROOT / "nginx/demo/locations.conf").read_text()
    block = re.search(r"location = /api/upload \{(.*?)\n\}", locations, re.S).group(1)
    number, unit = re.search(r"client_max_body_size (\d+)([kmg]?);", block).groups()
    assert int(number) * UNITS[unit] == Settings.model_fields["max_upload_bytes"].default
