"""The static site comes from Nginx with the right cache headers; the app never serves it."""

import re

import pytest

pytestmark = pytest.mark.containers


@pytest.fixture(scope="module")
def index(prod):
    return prod.get("/")


def test_page_is_served_by_nginx_and_revalidated(index):
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert index.headers["cache-control"] == "no-cache"
    assert "etag" in index.headers or "last-modified" in index.headers
    assert "x-app-server" not in index.headers


def test_hashed_assets_are_immutable_and_gzipped(prod, index):
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+\.[0-9a-f]{8,}\.(?:css|js))"', index.text)
    assert {a.rsplit(".", 1)[1] for a in assets} == {"css", "js"}, index.text
    with prod.client() as c:
        for asset in assets:
            r = c.get(asset, headers={"Accept-Encoding": "gzip"})
            assert r.status_code == 200
            assert "immutable" in r.headers["cache-control"] and "max-age=31536000" in r.headers["cache-control"]
            assert r.headers.get("content-encoding") == "gzip"


def test_missing_page_is_404_from_nginx(prod):
    r = prod.get("/no-such-page.html")
    assert r.status_code == 404 and r.headers["server"] == "nginx"


@pytest.mark.parametrize("path", ["/.env", "/.git/config"])
def test_dotfiles_are_not_served(prod, path):
    assert prod.get(path).status_code == 404
