"""/api/docs works air-gapped: Swagger UI comes from the bundle's own files, the page's CSP allows
no other origin, and a real browser (headless Chromium) renders the operations."""

import re

import pytest

from tests.browser import headless

pytestmark = pytest.mark.containers


def test_docs_page_and_its_assets_come_from_the_bundle(prod):
    with prod.client() as c:
        page = c.get("/api/docs")
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        csp = page.headers["content-security-policy"]
        served = {a: c.get(a) for a in assets}
    assert page.status_code == 200 and assets
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets  # no other origin
    assert all(r.status_code == 200 for r in served.values()), {a: r.status_code for a, r in served.items()}
    assert "max-age" in served["/vendor/swagger-ui/swagger-ui-bundle.js"].headers["cache-control"]
    assert "http" not in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_a_browser_renders_the_operations(prod, tmp_path):
    # Chromium trusts nothing here but the bundle: the machine has no internet, so a CDN asset
    # would leave the page blank.
    dom = headless(["--ignore-certificate-errors", "--virtual-time-budget=15000",
                    "--dump-dom", f"{prod.base_url}/api/docs"], tmp_path)  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    operations = set(re.findall(r'data-path="([^"]+)"', dom.stdout))
    assert {"/api/items", "/api/items/{item_id}", "/api/health"} <= operations, dom.stdout[-3000:]
    shot = tmp_path / "docs.png"
    headless(["--ignore-certificate-errors", "--virtual-time-budget=15000", f"--screenshot={shot}",
              f"{prod.base_url}/api/docs"], tmp_path)  # fmt: skip
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
