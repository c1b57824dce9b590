"""Limits enforced at the edge: body size, request rate, unknown Host names."""

import concurrent.futures
import time

import httpx
import pytest

from tests.rawhttp import raw_request

pytestmark = pytest.mark.containers


def test_oversized_upload_is_413_from_nginx(prod):
    body = b"\0" * (10 * 1024 * 1024 + 1)
    with prod.client() as c:
        r = c.post("/api/upload", content=body)
    assert r.status_code == 413
    assert r.headers["server"] == "nginx"


def test_upload_under_the_limit_reaches_the_app(prod):
    with prod.client() as c:
        r = c.post("/api/upload", content=b"x" * 1_000_000)
    assert r.status_code == 200 and r.json()["size"] == 1_000_000


def test_a_burst_past_the_rate_limit_gets_429_then_recovers(prod):
    with prod.client(limits=httpx.Limits(max_connections=20)) as c:
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            codes = list(pool.map(lambda _: c.get("/api/work/json").status_code, range(150)))
    assert codes.count(429) > 0, codes
    assert codes.count(200) >= 40  # the burst allowance was served
    assert set(codes) <= {200, 429}
    time.sleep(3)  # the bucket refills at 20 r/s
    assert prod.get("/api/work/json").status_code == 200


def test_unknown_host_is_rejected_on_https(prod):
    assert raw_request(prod.https_port, "evil.example", prod.ssl_context()) == b""  # 444: closed, no answer
    assert raw_request(prod.https_port, "localhost", prod.ssl_context()).startswith(b"HTTP/1.1 200")


def test_unknown_host_is_rejected_on_http(prod):
    assert raw_request(prod.http_port, "evil.example") == b""
    assert raw_request(prod.http_port, "localhost").startswith(b"HTTP/1.1 308")
