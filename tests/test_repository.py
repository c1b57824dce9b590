"""No private key in the repository: no Docker needed, so `make unit` runs it too."""

import subprocess
from pathlib import Path

from tests.private_keys import MAX_SCANNED, PRIVATE_KEY

ROOT = Path(__file__).resolve().parent.parent


def test_the_key_detector_finds_a_real_key(certs):
    # The scans (below, and of the image layers in test_security.py) are only meaningful if the
    # pattern matches the keys this bundle uses.
    assert PRIVATE_KEY.search((certs / "live" / "server.key").read_bytes())
    assert PRIVATE_KEY.search((certs / "ca.key").read_bytes())


def test_no_private_key_in_the_repository():
    # Tracked, or would be on `git add -A`.
    cmd = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    paths = [ROOT / p for p in listed if p and (ROOT / p).is_file()]
    assert len(paths) > 50, paths
    assert [p for p in paths if p.suffix in (".key", ".pem")] == []
    leaked = [str(p) for p in paths if p.stat().st_size <= MAX_SCANNED and PRIVATE_KEY.search(p.read_bytes())]
    assert leaked == []
