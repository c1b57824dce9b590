"""The Idempotency-Key header's parsing (app/store/idempotency.py)."""

import pytest

from app.store.idempotency import BadIdempotencyKey, parse_key


@pytest.mark.parametrize(
    "header, key", [("abc", "abc"), ('"abc"', "abc"), (" k:1.2_3-4 ", "k:1.2_3-4"), ("x" * 128, "x" * 128)]
)
def test_parse_key_accepts(header, key):
    assert parse_key(header) == key


@pytest.mark.parametrize("header", ["", '""', "x" * 129, "a b", "a;b", '"a', "é"])
def test_parse_key_refuses(header):
    with pytest.raises(BadIdempotencyKey):
        parse_key(header)
