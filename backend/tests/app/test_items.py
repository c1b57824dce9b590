import pytest


def test_create_returns_201_with_id_and_reads_back(client):
    r = client.post("/api/items", json={"name": " widget ", "description": "blue"})
    assert r.status_code == 201
    item = r.json()
    assert item["id"] >= 1 and item["name"] == "widget" and item["description"] == "blue"
    assert client.get(f"/api/items/{item['id']}").json() == item


def test_list_pages_by_keyset(client):
    ids = [client.post("/api/items", json={"name": f"n{i}"}).json()["id"] for i in range(5)]
    first = client.get("/api/items", params={"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == ids[:2] and first["next_after"] == ids[1]
    rest = client.get("/api/items", params={"limit": 10, "after": first["next_after"]}).json()
    assert [i["id"] for i in rest["items"]] == ids[2:] and rest["next_after"] is None


def test_delete_then_missing_is_404(client):
    item_id = client.post("/api/items", json={"name": "x"}).json()["id"]
    assert client.delete(f"/api/items/{item_id}").status_code == 204
    assert client.get(f"/api/items/{item_id}").status_code == 404
    assert client.delete(f"/api/items/{item_id}").status_code == 404


def test_idempotency_key_returns_first_item(client):
    headers = {"Idempotency-Key": "order-42"}
    first = client.post("/api/items", json={"name": "once"}, headers=headers)
    again = client.post("/api/items", json={"name": "once"}, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert len(client.get("/api/items").json()["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": 5},
        {"name": "ok", "description": "d" * 1001},
        {"name": "ok", "unexpected": 1},
        [],
    ],
)
def test_bad_item_is_422(client, body):
    assert client.post("/api/items", json=body).status_code == 422


def test_malformed_json_is_422(client):
    r = client.post("/api/items", content=b'{"name": ', headers={"content-type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("path", ["/api/items/0", "/api/items/-1", "/api/items/abc", f"/api/items/{2**64}"])
def test_bad_item_id_is_422(client, path):
    assert client.get(path).status_code == 422


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"after": -1}, {"limit": "many"}])
def test_bad_paging_is_422(client, params):
    assert client.get("/api/items", params=params).status_code == 422


@pytest.mark.parametrize("key", ["bad key!", "k" * 129, '""', "caf\u00e9".encode(), '"a"b"'])
def test_malformed_idempotency_key_is_400_and_creates_nothing(client, key):
    r = client.post("/api/items", json={"name": "x"}, headers={"Idempotency-Key": key})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 400 and "Idempotency-Key" in r.json()["detail"]
    assert client.get("/api/items").json()["items"] == []


@pytest.mark.parametrize(
    "raw, echoed",
    [
        (b'{"name": NaN}', "nan"),
        (b'{"name": 1e999}', "inf"),
        (b'{"name": -1e999}', "-inf"),
        (b'{"name": "\\ud800"}', "\\ud800"),
    ],
)
def test_422_echoes_values_json_cannot_carry_instead_of_failing(client, raw, echoed):
    # The rejected input is echoed in the 422 body; NaN/Infinity and lone surrogates used to
    # make the error response itself fail to serialize (a 500).
    r = client.post("/api/items", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "name"] and error["input"] == echoed


@pytest.mark.parametrize("name", [" " + "x" * 100, "x" * 100 + "\n", "   ", "\t\n"])
def test_lengths_count_the_text_as_sent_and_blank_names_are_refused(client, name):
    # The published schema says maxLength 100 and "a non-blank character": validation agrees.
    assert client.post("/api/items", json={"name": name}).status_code == 422


def test_a_name_of_exactly_the_maximum_is_stored_and_surrounding_blanks_are_trimmed(client):
    assert client.post("/api/items", json={"name": "x" * 100}).status_code == 201
    assert client.post("/api/items", json={"name": "\t widget \n"}).json()["name"] == "widget"


@pytest.mark.parametrize(
    "method, path, allow",
    [
        ("PUT", "/api/items", "GET, POST"),
        ("OPTIONS", "/api/items", "GET, POST"),
        ("POST", "/api/items/1", "DELETE, GET"),
    ],
)
def test_405_lists_every_method_the_path_supports(client, method, path, allow):
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow


@pytest.mark.parametrize("body", [{"name": "a\u0000b"}, {"name": "\u0000"}, {"name": "a", "description": "x\u0000"}])
def test_a_nul_character_is_refused_on_every_store(client, body):
    # Postgres text cannot hold NUL: the schema refuses it for both stores (a 422, never a 500).
    r = client.post("/api/items", json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "string_pattern_mismatch"


def test_a_store_that_cannot_answer_is_a_503_problem_with_retry_after(client):
    from app.store.items import StoreUnavailable

    async def unavailable(*args, **kwargs):
        raise StoreUnavailable("no free database connection within 5 s")

    client.demo.state.items.get = unavailable
    r = client.get("/api/items/1")
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.headers["content-type"] == "application/problem+json" and "no free" in r.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": ' + b"[" * 500 + b"]" * 500 + b"}",  # deep, but within the JSON parser's limit
        b'{"name": {' + b", ".join(b'"k%d": "%s"' % (i, b"v" * 50) for i in range(15_000)) + b"}}",  # ~1 MB
        b'{"name": "' + b"x" * 900_000 + b'"}',  # one long string, past the name's 100 characters
    ],
    ids=["deep", "wide", "long"],
)
def test_422_echoes_a_bounded_prefix_of_a_large_input(client, raw):
    # The 422 once echoed the whole rejected input (a 3 MB body came back as a 3 MB error) and
    # failed with a 500 when the input was nested a few hundred levels deep.
    r = client.post("/api/items", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text[:300]
    assert len(r.content) < 2_000, len(r.content)
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert isinstance(error["input"], str) and error["input"].endswith("\u2026")
    assert error["input"][:4] in {"[[[[", '{"k0', '"xxx'}  # the start of the input's JSON text


def test_422_lists_at_most_20_errors(client):
    raw = b'{"name": "ok", ' + b", ".join(b'"extra%d": 1' % i for i in range(5_000)) + b"}"
    r = client.post("/api/items", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert len(detail) == 21 and detail[-1]["type"] == "too_many_errors", detail[-1]
    assert detail[-1]["msg"] == "4980 more errors not shown"
    assert len(r.content) < 10_000
