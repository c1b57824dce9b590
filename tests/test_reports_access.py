"""/reports/ is not public: only REPORTS_ALLOW may read it (a report fingerprints the deployment)."""

import pytest

from tests.conftest import start_stack

pytestmark = pytest.mark.containers


@pytest.fixture(scope="module")
def narrow(certs, reports_dir, tmp_path_factory):
    # The test client reaches Nginx from the frontend network's gateway (a private address): an
    # allow-list without it makes that client stand for a public one.
    stack = start_stack("prod", certs, reports_dir, tmp_path_factory, REPORTS_ALLOW="203.0.113.0/24")
    yield stack
    stack.stop()


def test_an_address_outside_the_allow_list_is_refused(narrow):
    assert narrow.get("/reports/").status_code == 403
    assert narrow.get("/api/health").status_code == 200  # only the reports are closed


def test_an_allowed_address_is_served(prod):
    # The default list (loopback and private ranges) has the client's gateway address.
    assert prod.get("/reports/").status_code == 200


def test_the_list_alone_decides_even_for_loopback(narrow):
    # Not in the narrow list: refused even on loopback, so the list is the only thing that decides.
    out = narrow.run("exec", "-T", "nginx", "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                     "-H", "Host: localhost", "https://127.0.0.1:8443/reports/", check=False).stdout  # fmt: skip
    assert out == "403"
