"""The store lives on a named volume: data survives the app container restarting, on both
stores, and on Postgres the database server restarting too."""

import pytest

pytestmark = pytest.mark.containers


def _create(stack, name: str) -> dict:
    with stack.client() as c:
        created = c.post("/api/items", json={"name": name, "description": "before restart"})
    assert created.status_code == 201
    return created.json()


def test_item_survives_app_restart(store_stack):
    item = _create(store_stack, "survivor")

    store_stack.run("restart", "app")
    store_stack.wait_healthy("app")
    store_stack.wait_for_api()

    again = store_stack.get(f"/api/items/{item['id']}")
    assert again.status_code == 200 and again.json() == item


def test_item_survives_a_postgres_restart_and_the_app_reconnects(prod_postgres):
    item = _create(prod_postgres, "survivor-pg")

    prod_postgres.run("restart", "postgres")
    prod_postgres.wait_healthy("postgres")
    # The pools' old connections are broken; each is checked before it is lent, so the first
    # requests after the restart already succeed, on every worker (no 5xx on a stale connection).
    statuses = [prod_postgres.get(f"/api/items/{item['id']}").status_code for _ in range(8)]
    assert statuses == [200] * 8
    assert prod_postgres.get(f"/api/items/{item['id']}").json() == item


def test_nginx_config_passes_nginx_t(prod):
    result = prod.run("exec", "-T", "nginx", "nginx", "-t", check=False)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
