import hashlib


def test_upload_reports_size_and_sha256(client):
    body = b"a" * 1000
    r = client.post("/api/upload", content=body)
    assert r.json() == {"size": 1000, "sha256": hashlib.sha256(body).hexdigest()}


def test_upload_over_limit_is_413(client):
    assert client.post("/api/upload", content=b"a" * 1025).status_code == 413


def test_chunked_upload_over_limit_is_413(client):
    def chunks():
        for _ in range(5):
            yield b"a" * 300

    assert client.post("/api/upload", content=chunks()).status_code == 413


def test_empty_upload_is_fine(client):
    assert client.post("/api/upload", content=b"").json()["size"] == 0
