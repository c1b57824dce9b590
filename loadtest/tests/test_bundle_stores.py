"""The demo on Postgres gets its database URL from one file, backend/postgres.env: `make up
STORE=postgres` (Makefile), the drivers (loadtest/bundle/stack.py STORES) and the load test's
Postgres topology all name that file, and none writes the URL itself."""

import re

import yaml

from loadtest.bundle.paths import ROOT
from loadtest.bundle.stack import STORES
from loadtest.runner.topologies import COMPOSE_DIR, discover

POSTGRES_ENV = ROOT / STORES["postgres"][1]


def _env_file(path) -> dict[str, str]:
    lines = [line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#")]
    return {k.strip(): v.strip() for k, v in lines}


def test_the_postgres_env_file_points_the_demo_at_the_bundles_postgres_service():
    url = _env_file(POSTGRES_ENV)["APP_DATABASE_URL"]
    host = re.match(r"postgresql://[^@/]+@([^:/]+)", url).group(1)
    assert host in yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_make_up_store_postgres_uses_the_file_the_drivers_use():
    makefile = (ROOT / "Makefile").read_text()
    block = makefile.split("ifeq ($(STORE),postgres)", 1)[1].split("else ifeq", 1)[0]
    (named,) = re.findall(r"export APP_ENV_FILE \?= \$\(CURDIR\)/(\S+)", block)
    assert ROOT / named == POSTGRES_ENV


def test_postgres_topologies_read_the_url_from_that_file_and_write_none_themselves():
    postgres = [t for t in discover().values() if t.store == "postgres"]
    assert postgres
    for t in postgres:
        app = yaml.safe_load(t.file.read_text())["services"]["app"]
        assert "APP_DATABASE_URL" not in (app.get("environment") or {}), t.name
        files = [(COMPOSE_DIR / (e["path"] if isinstance(e, dict) else e)).resolve() for e in app["env_file"]]
        assert POSTGRES_ENV.resolve() in files, t.name
