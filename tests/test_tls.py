"""TLS termination at Nginx: trusted by the generated CA, TLS 1.2+ only, HTTP redirected."""

import socket
import ssl
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.containers


def handshake(stack, ctx: ssl.SSLContext, server_hostname="localhost") -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", stack.https_port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname=server_hostname)


def test_handshake_verifies_against_the_generated_ca(prod):
    with handshake(prod, prod.ssl_context()) as tls:
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
        assert tls.selected_alpn_protocol() is None or tls.selected_alpn_protocol() in {"h2", "http/1.1"}


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_certificate_names_cover_localhost_and_loopback(prod, name):
    with handshake(prod, prod.ssl_context(), server_hostname=name) as tls:
        assert tls.getpeercert()["subjectAltName"]


def test_http2_is_offered(prod):
    ctx = prod.ssl_context()
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with handshake(prod, ctx) as tls:
        assert tls.selected_alpn_protocol() == "h2"


def old_protocol_context(version: ssl.TLSVersion) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.set_ciphers("ALL:@SECLEVEL=0")  # let this client offer what old clients offer
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = version
    return ctx


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1], ids=["TLSv1.0", "TLSv1.1"])
def test_tls_1_0_and_1_1_are_refused_by_the_server(prod, version):
    with pytest.raises(ssl.SSLError) as refused:
        handshake(prod, old_protocol_context(version)).close()
    # The server's own protocol_version alert, not a client that could not offer the version.
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refused.value


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_1_2_with_the_same_permissive_client_is_accepted(prod):
    with handshake(prod, old_protocol_context(ssl.TLSVersion.TLSv1_2)) as tls:
        assert tls.version() == "TLSv1.2"
        assert "CBC" not in tls.cipher()[0] or tls.cipher()[0].startswith("ECDHE")


def test_http_redirects_to_https_with_308(prod):
    r = httpx.get(f"http://localhost:{prod.http_port}/api/items?after=3", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == f"https://localhost:{prod.https_port}/api/items?after=3"


def test_hsts_and_security_headers_without_versions(prod):
    headers = prod.get("/").headers
    assert "max-age=" in headers["strict-transport-security"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in headers
    assert headers["server"] == "nginx"  # server_tokens off: no version


# --- Mozilla "intermediate", as the scanners check it -------------------------------------


def test_sslyze_finds_the_server_compliant_with_mozilla_intermediate(prod):
    # The real scanner, as operators run it: every profile rule (protocols, ciphers, groups,
    # certificate lifespan and signature, HSTS...) against the running stack.
    r = subprocess.run(
        [str(Path(sys.executable).with_name("sslyze")), "--mozilla_config=intermediate",
         f"--certinfo_ca_file={prod.ca}", f"localhost:{prod.https_port}{{127.0.0.1}}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0 and "OK - Compliant." in r.stdout, r.stdout


def openssl_client(stack, groups: str) -> subprocess.CompletedProcess:
    """A real OpenSSL client offering only ``groups`` for key exchange."""
    return subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{stack.https_port}", "-servername", "localhost",
         "-groups", groups, "-brief", "-CAfile", str(stack.ca)],
        input="", capture_output=True, text=True, timeout=30,
    )  # fmt: skip


@pytest.mark.parametrize("group", ["X25519", "P-256", "P-384"])
def test_a_client_offering_one_profile_group_connects(prod, group):
    r = openssl_client(prod, group)
    assert r.returncode == 0 and "Verification: OK" in r.stderr, r.stderr


@pytest.mark.parametrize("group", ["X448", "P-521"])
def test_groups_outside_the_profile_are_refused(prod, group):
    r = openssl_client(prod, group)
    assert r.returncode != 0 and "handshake failure" in r.stderr, r.stderr


def test_the_hybrid_post_quantum_group_is_offered_where_openssl_has_it(prod):
    nginx = prod.container_id("nginx")
    version = subprocess.run(["docker", "exec", nginx, "nginx", "-V"], capture_output=True, text=True).stderr
    generated = subprocess.run(["docker", "exec", nginx, "cat", "/tmp/nginx/tls-groups.conf"],
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
    if "OpenSSL 3.5" not in version and "OpenSSL 3.6" not in version:
        assert "X25519MLKEM768" not in generated  # an older OpenSSL: classical groups only
        return
    assert "ssl_ecdh_curve ?X25519MLKEM768:X25519:prime256v1:secp384r1;" in generated
    # A client that offers only the hybrid group (curl in the image, OpenSSL 3.5) completes TLS 1.3 with it.
    r = subprocess.run(
        ["docker", "exec", nginx, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--curves",
         "X25519MLKEM768", "--tlsv1.3", "--cacert", "/dev/null", "-k", "https://localhost:8443/robots.txt"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert r.stdout == "200", r.stderr


def test_the_generated_certificate_lives_less_than_366_days(certs):
    out = subprocess.run(["openssl", "x509", "-noout", "-startdate", "-enddate", "-in", str(certs / "live/server.crt")],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    dates = dict(line.split("=", 1) for line in out.splitlines())
    fmt = "%b %d %H:%M:%S %Y %Z"
    lifespan = datetime.strptime(dates["notAfter"], fmt) - datetime.strptime(dates["notBefore"], fmt)
    assert lifespan.days < 366
