"""Where the project's files are, seen from the host-side harness."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def certs_dir() -> Path:
    """Where `make certs` (scripts/certs.sh) wrote the CA and the server certificate."""
    return Path(os.environ.get("CERTS_OUT", ROOT / "certs"))


def reports_dir(configured: str = "reports") -> Path:
    """The reports folder: absolute as given, or relative to the project root."""
    path = Path(configured)
    return path if path.is_absolute() else ROOT / path
