"""/reports/ is not public: only REPORTS_ALLOW may read it (a report fingerprints the deployment).
The default is loopback only: behind Swarm's ingress mesh, Docker's published ports or any NAT,
every client arrives from a private address, so the private ranges would admit everyone."""

import pytest

from tests.conftest import start_stack

pytestmark = pytest.mark.containers


def from_inside(stack) -> str:
    """/reports/'s status for a client on Nginx's own loopback (curl in the container)."""
    return stack.run("exec", "-T", "nginx", "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                     "-H", "Host: localhost", "https://127.0.0.1:8443/reports/", check=False).stdout  # fmt: skip


@pytest.fixture(scope="module")
def widened(certs, reports_dir, tmp_path_factory):
    # Widened the documented way, to the private ranges Docker's networks use (the test client
    # reaches the published port from the frontend network's gateway, a private address).
    allow = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    stack = start_stack("prod", certs, reports_dir, tmp_path_factory, REPORTS_ALLOW=allow)
    yield stack
    stack.stop()


def test_by_default_a_client_through_the_published_port_is_refused(prod):
    assert prod.get("/reports/").status_code == 403
    assert prod.get("/api/health").status_code == 200  # only the reports are closed


def test_by_default_loopback_is_served(prod):
    assert from_inside(prod) == "200"


def test_a_widened_list_serves_its_networks(widened):
    assert widened.get("/reports/").status_code == 200


def test_the_list_alone_decides_even_for_loopback(widened):
    # Loopback is not in the widened list: refused even there, so the list is all that decides.
    assert from_inside(widened) == "403"


def test_reports_are_served_read_only(widened, reports_dir):
    run = reports_dir / "20260101T000000Z"
    run.mkdir(exist_ok=True)
    (run / "report.html").write_text("<html><body>report</body></html>")
    (reports_dir / "latest").unlink(missing_ok=True)
    (reports_dir / "latest").symlink_to(run.name)
    with widened.client() as c:
        r = c.get("/reports/latest/report.html")
        assert r.status_code == 200 and "report" in r.text
        assert r.headers["cache-control"] == "no-cache"
        assert "20260101T000000Z" in c.get("/reports/").text  # an index of the runs
        assert c.put("/reports/latest/report.html", content=b"x").status_code in (403, 405)
