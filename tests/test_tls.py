"""TLS termination at Nginx: trusted by the generated CA, TLS 1.2+ only, HTTP redirected."""

import socket
import ssl

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
