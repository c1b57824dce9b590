"""Idempotency keys as draft-ietf-httpapi-idempotency-key-header specifies them.

- The key is a Structured Field string (``Idempotency-Key: "8e03978e-..."``); a bare token is
  accepted too, because Nginx sends its request id unquoted for clients that sent no key (an
  empty header counts as no key, as it does at Nginx).
  Either way it is 1-128 characters of ``A-Z a-z 0-9 . _ : -``; anything else is a 400.
- A create stores a fingerprint of its request body with the key. The same key with the same
  body returns the first item; with another body it is a 422 (the key was reused by mistake).
- Keys expire (``APP_IDEMPOTENCY_TTL_S``, app/settings.py); after that the key may be used afresh.
"""

import hashlib
import re
from dataclasses import dataclass

from pydantic import BaseModel

MAX_KEY_LENGTH = 128
KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"
_KEY = re.compile(KEY_PATTERN)


class BadIdempotencyKey(ValueError):
    """The Idempotency-Key header is not a key this API accepts (400)."""


class IdempotencyKeyReused(Exception):
    """The key was first used with another request body (422)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was first used with a different request body; "
            "use a new key for a different request"
        )
        self.key = key


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str


def parse_key(header: str) -> str:
    """The key from an Idempotency-Key header value (sf-string or bare token)."""
    value = header.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value:
        raise BadIdempotencyKey("Idempotency-Key is empty")
    if len(value) > MAX_KEY_LENGTH:
        raise BadIdempotencyKey(f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters")
    if not _KEY.match(value):
        raise BadIdempotencyKey("Idempotency-Key may contain only letters, digits and . _ : -")
    return value


def fingerprint(body: BaseModel) -> str:
    """SHA-256 of the validated body in canonical JSON: formatting and key order do not count."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def request_for(header: str | None, body: BaseModel) -> IdempotentRequest | None:
    """An empty header is no key: Nginx cannot tell it from an absent one, and sends its own."""
    if header is None or not header.strip():
        return None
    return IdempotentRequest(parse_key(header), fingerprint(body))
