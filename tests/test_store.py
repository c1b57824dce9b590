"""The store behind the API, on both stores: CRUD through Nginx, the one-shot `migrate` service
the app waits for, and (Postgres) the server's own guarantees: non-root, its password a secret
file only, reachable on the internal network only."""

import json
import subprocess
import uuid

import pytest

pytestmark = pytest.mark.containers


def test_crud_through_nginx(store_stack):
    name = f"crud-{uuid.uuid4().hex[:8]}"
    with store_stack.client() as c:
        created = c.post("/api/items", json={"name": f"  {name} ", "description": "d"})
        assert created.status_code == 201
        item = created.json()
        assert item["name"] == name and item["created_at"].endswith("Z")
        assert c.get(f"/api/items/{item['id']}").json() == item
        page = c.get("/api/items", params={"after": item["id"] - 1, "limit": 1}).json()
        assert page["items"] == [item]
        assert c.delete(f"/api/items/{item['id']}").status_code == 204
        assert c.get(f"/api/items/{item['id']}").status_code == 404
        assert c.delete(f"/api/items/{item['id']}").status_code == 404
        # What the store cannot hold is refused by the API on every store: a 422, never a 500.
        assert c.post("/api/items", json={"name": "nul\u0000"}).status_code == 422
        assert c.get("/api/items/9223372036854775807").status_code == 404
        assert c.get("/api/health/ready").json() == {"status": "ok", "store": "ok"}


def test_keyset_pages_walk_every_item_once(store_stack):
    with store_stack.client() as c:
        ids = [c.post("/api/items", json={"name": f"page-{i}"}).json()["id"] for i in range(5)]
        seen, after = [], ids[0] - 1
        while True:
            page = c.get("/api/items", params={"after": after, "limit": 2}).json()
            seen += [i["id"] for i in page["items"]]
            if page["next_after"] is None:
                break
            after = page["next_after"]
    assert seen[:5] == ids and len(seen) == len(set(seen))


def test_migrate_ran_once_and_exited_0_before_the_app(store_stack):
    (migrate,) = store_stack.run("ps", "--all", "-q", "migrate").stdout.split()
    state = json.loads(subprocess.run(["docker", "inspect", migrate], capture_output=True, check=True).stdout)[0]
    assert state["State"]["Status"] == "exited" and state["State"]["ExitCode"] == 0
    logs = store_stack.logs("migrate")
    assert f"migrate: {'sqlite' if store_stack.store == 'sqlite' else 'postgresql'}:" in logs
    assert "at schema version" in logs
    # The app's launcher only checked the schema: it migrated nothing itself.
    assert "migrated" not in store_stack.logs("app")


def _psql(stack, sql: str) -> str:
    out = stack.run("exec", "-T", "postgres", "psql", "--host=/tmp", "-U", "postgres", "-d", "app", "-Atc", sql)
    return out.stdout.strip()


def test_postgres_schema_is_versioned_and_the_app_role_is_not_superuser(prod_postgres):
    assert _psql(prod_postgres, "SELECT version, name FROM schema_migrations ORDER BY version") == "1|items"
    assert _psql(prod_postgres, "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'") == "f"
    # A second run applies nothing (what a retried one-shot service or another host does).
    again = prod_postgres.run("run", "--rm", "-T", "migrate", check=False)
    assert again.returncode == 0 and "nothing to apply" in again.stderr, again.stderr


def test_postgres_runs_non_root_on_the_internal_network_only(prod_postgres):
    info = prod_postgres.inspect("postgres")
    assert info["Config"]["User"] == "postgres"
    assert prod_postgres.run("exec", "-T", "postgres", "id", "-u").stdout.strip() != "0"
    assert list(info["NetworkSettings"]["Networks"]) == [f"{prod_postgres.project}_backend"]
    assert not any(info["NetworkSettings"]["Ports"].values() or [None])
    host = info["HostConfig"]
    assert host["ReadonlyRootfs"] is True and host["Privileged"] is False and host["CapAdd"] in (None, [])
    assert "ALL" in (host["CapDrop"] or []) and "no-new-privileges:true" in (host["SecurityOpt"] or [])
    assert {m["Type"] for m in info["Mounts"] if m["Destination"] == "/var/lib/postgresql/data"} == {"volume"}


def test_the_password_is_a_secret_file_never_in_an_environment_or_image(prod_postgres):
    password = prod_postgres.run("exec", "-T", "app", "cat", "/run/secrets/postgres_password").stdout.strip()
    assert len(password) == 64
    for service in ("postgres", "app", "migrate"):
        ids = prod_postgres.run("ps", "--all", "-q", service).stdout.split()
        config = subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout
        assert password not in config, service
    for service in ("postgres", "app"):
        image = prod_postgres.inspect(service)["Image"]
        history = subprocess.run(["docker", "history", "--no-trunc", image], capture_output=True, text=True).stdout
        assert history and password not in history
    # Without the password nobody gets in over the network, not even the superuser.
    denied = prod_postgres.run(
        "exec", "-T", "-e", "PGPASSWORD=wrong", "app", "python3", "-c",
        "import psycopg; psycopg.connect('host=postgres user=app dbname=app connect_timeout=5')", check=False,
    )  # fmt: skip
    assert denied.returncode != 0 and "password authentication failed" in denied.stderr
    superuser = prod_postgres.run(
        "exec", "-T", "app", "python3", "-c",
        "import psycopg; psycopg.connect('host=postgres user=postgres dbname=app connect_timeout=5')", check=False,
    )  # fmt: skip
    assert superuser.returncode != 0 and "pg_hba.conf rejects" in superuser.stderr


def test_concurrent_migrate_runs_apply_each_version_once_on_postgres(prod_postgres):
    # Four runners at once on a fresh database (as several hosts, or a retried one-shot
    # service, would): the advisory lock queues them, one applies, the others find it done.
    db = f"race_{uuid.uuid4().hex[:8]}"
    _psql(prod_postgres, f"CREATE DATABASE {db} OWNER app")
    script = (
        "import subprocess, sys, os;"
        f" env = dict(os.environ, APP_DATABASE_URL='postgresql://app@postgres:5432/{db}');"
        " ps = [subprocess.Popen([sys.executable, '-m', 'app.store.migrate'], env=env, stderr=subprocess.PIPE,"
        " text=True) for _ in range(4)];"
        " outs = [p.communicate()[1] for p in ps];"
        " print([p.returncode for p in ps]); print(sum('applied 1' in o for o in outs))"
    )
    out = prod_postgres.run("exec", "-T", "app", "python3", "-c", script).stdout.split("\n")
    assert out[0] == "[0, 0, 0, 0]" and out[1] == "1", out
    rows = prod_postgres.run(
        "exec", "-T", "postgres", "psql", "--host=/tmp", "-U", "postgres", "-d", db, "-Atc",
        "SELECT count(*), max(version) FROM schema_migrations",
    ).stdout.strip()  # fmt: skip
    assert rows == "1|1"


def test_the_load_test_workloads_are_not_routed_in_a_deployment(prod_postgres):
    """/api/work/* burns CPU and holds threads on request: only load-test topologies route it
    (APP_WORKLOADS=true); prod_postgres is started as `make up` starts the demo."""
    for path in ("/api/work/json", "/api/work/blocking?ms=10", "/api/work/cpu?iterations=1"):
        assert prod_postgres.get(path).status_code == 404
    assert prod_postgres.get("/api/health").status_code == 200


# Run in the app container, against the store it serves from: the repository's own expiry and
# purge, with TTLs short enough to wait out (the API's are the settings' 24 h).
EXPIRY_AND_PURGE = """
import asyncio, json, uuid
from app.schemas import ItemIn
from app.settings import Settings
from app.store.connect import open_store
from app.store.idempotency import IdempotentRequest, fingerprint

def key_for(body):
    return IdempotentRequest(f"store-test-{uuid.uuid4().hex}", fingerprint(body))

async def main():
    store = await open_store(Settings())
    items, out, body = store.items, {}, ItemIn(name="expiry")
    try:
        idem = key_for(body)
        first, _ = await items.add(body, idem, 1)
        again, created = await items.add(body, idem, 1)
        out["live_returns_the_first"] = again.id == first.id and not created
        await asyncio.sleep(1.2)
        later, created = await items.add(body, idem, 60)
        out["expired_creates_anew"] = later.id != first.id and created
        live = key_for(body)
        await items.add(body, live, 60)
        expiring = [(await items.add(body, key_for(body), 0.2))[0] for _ in range(3)]
        await asyncio.sleep(0.5)
        out["purged"] = await items.purge_expired_keys()
        out["purged_again"] = await items.purge_expired_keys()
        out["items_stay"] = all([await items.get(i.id) for i in expiring])
        out["live_key_kept"] = (await items.add(body, live, 60))[1] is False
    finally:
        await store.close()
    print(json.dumps(out))

asyncio.run(main())
"""


def test_idempotency_keys_expire_and_are_purged_on_the_store(store_stack):
    out = store_stack.run("exec", "-T", "app", "python3", "-c", EXPIRY_AND_PURGE).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result.pop("purged") >= 3  # the three expired keys (any other expired one too)
    assert result == {"live_returns_the_first": True, "expired_creates_anew": True, "purged_again": 0,
                      "items_stay": True, "live_key_kept": True}  # fmt: skip
