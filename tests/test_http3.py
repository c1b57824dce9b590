"""HTTP/3 (QUIC) on the published HTTPS port's UDP side, advertised with Alt-Svc, and answered to
a real HTTP/3 client: curl from Debian trixie (OpenSSL 3.5 QUIC + nghttp3), run in the Nginx image
on the host's network so it goes through the published port like any client."""

import subprocess

import pytest

pytestmark = pytest.mark.containers


def test_alt_svc_advertises_http3_on_the_published_port(prod):
    assert prod.get("/").headers["alt-svc"] == f'h3=":{prod.https_port}"; ma=86400'


def h3_get(stack, path: str) -> subprocess.CompletedProcess:
    image = stack.inspect("nginx")["Config"]["Image"]
    return subprocess.run(
        ["docker", "run", "--rm", "--network", "host", "-v", f"{stack.ca}:/ca.crt:ro", "--entrypoint", "curl", image,
         "--http3-only", "-sS", "--max-time", "10", "--cacert", "/ca.crt", "-o", "/dev/null",
         "-w", "%{http_version} %{http_code}", f"https://localhost:{stack.https_port}{path}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("path", ["/", "/api/health"])
def test_a_real_http3_client_gets_the_page_and_the_api(prod, path):
    image = prod.inspect("nginx")["Config"]["Image"]
    features = subprocess.run(["docker", "run", "--rm", "--entrypoint", "curl", image, "--version"],
                              capture_output=True, text=True).stdout  # fmt: skip
    assert "HTTP3" in features, "this image's curl cannot speak HTTP/3: " + features
    r = h3_get(prod, path)
    assert r.stdout == "3 200", r.stderr
