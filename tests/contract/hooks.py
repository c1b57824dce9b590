"""Schemathesis hooks for the contract test (loaded with SCHEMATHESIS_HOOKS=tests.contract.hooks).

Reusing an Idempotency-Key with another body is a 422 by design
(draft-ietf-httpapi-idempotency-key-header), and that rule depends on earlier requests, which
an OpenAPI document cannot express. So every case whose key the schema allows gets a key of its
own; malformed keys are sent as generated, and must still get their documented 400.
"""

import re
import uuid

import schemathesis

_VALID = re.compile(r'^([A-Za-z0-9._:-]{1,128}|"[A-Za-z0-9._:-]{1,128}")$')  # an empty key is no key


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in [h for h in headers if h.lower() == "idempotency-key"]:
        if isinstance(headers[name], str) and _VALID.match(headers[name]):
            headers[name] = f"contract-{uuid.uuid4()}"
