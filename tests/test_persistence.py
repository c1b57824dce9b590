"""The store lives on a named volume: data survives the app container restarting."""

import pytest

pytestmark = pytest.mark.containers


def test_item_survives_app_restart(prod):
    with prod.client() as c:
        created = c.post("/api/items", json={"name": "survivor", "description": "before restart"})
    assert created.status_code == 201
    item = created.json()

    prod.run("restart", "app")
    prod.wait_healthy("app")
    prod.wait_for_api()

    again = prod.get(f"/api/items/{item['id']}")
    assert again.status_code == 200 and again.json() == item


def test_nginx_config_passes_nginx_t(prod):
    result = prod.run("exec", "-T", "nginx", "nginx", "-t", check=False)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
