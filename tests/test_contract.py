"""The published API contract tells the truth: Schemathesis derives requests from the OpenAPI
document that Nginx serves, sends them through Nginx, and checks every response's status, content
type, headers and body against that document (all its checks, bounded and with a fixed seed)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.containers

MAX_EXAMPLES = 25  # per operation and phase: about a minute through Nginx
RATE = "15/s"  # under Nginx's 20 r/s per address, so the contract is tested, not the rate limit


def test_every_operation_behaves_as_its_openapi_document_says(prod, tmp_path):
    st = Path(sys.executable).with_name("schemathesis")
    r = subprocess.run(
        [str(st), "run", f"{prod.base_url}/api/openapi.json", "--url", prod.base_url, "--tls-verify", str(prod.ca),
         "--checks", "all", "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
         "--rate-limit", RATE, "--seed", "20261122", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,  # its failure cache stays out of the tree
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.contract.hooks", "PYTHONPATH": str(Path(__file__).parents[1])},
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", r.stdout)
    assert tested and int(tested.group(1)) >= 12, r.stdout[-3000:]  # every operation the API has
