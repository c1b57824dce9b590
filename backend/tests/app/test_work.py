import hashlib

import pytest


def test_json_is_techempower_shape(client):
    assert client.get("/api/work/json").json() == {"message": "Hello, World!"}


def test_cpu_returns_the_hash_chain(client):
    digest = b"apibundle"
    for _ in range(3):
        digest = hashlib.sha256(digest).digest()
    assert client.get("/api/work/cpu", params={"iterations": 3}).json() == {"iterations": 3, "digest": digest.hex()}


@pytest.mark.parametrize("path", ["/api/work/io", "/api/work/blocking"])
def test_waits_report_their_wait(client, path):
    assert client.get(path, params={"ms": 5}).json() == {"waited_ms": 5}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/work/cpu", {"iterations": 0}),
        ("/api/work/cpu", {"iterations": 100_001}),
        ("/api/work/cpu", {"iterations": "1e9"}),
        ("/api/work/io", {"ms": 2001}),
        ("/api/work/io", {"ms": -1}),
        ("/api/work/blocking", {"ms": 10**12}),
    ],
)
def test_out_of_range_work_is_422_not_a_burn(client, path, params):
    assert client.get(path, params=params).status_code == 422
