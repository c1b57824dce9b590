"""The vendored Swagger UI (nginx/static/vendor/swagger-ui/, served for the API's docs page) is
what scripts/vendor-swagger-ui.sh took from the pinned wheel: every file matches the sha256 its
SOURCE recorded, and nothing unrecorded sits beside them. Unit-level: no Docker."""

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "nginx/static/vendor/swagger-ui"


def recorded(source: str) -> dict[str, str]:
    """file name -> sha256 from SOURCE's `<name> sha256 <hex>` lines (the wheel's own line aside)."""
    rows = (line.split() for line in source.splitlines())
    return {r[0]: r[2] for r in rows if len(r) == 3 and r[1] == "sha256" and r[0] != "wheel"}


def mismatches(folder: Path) -> list[str]:
    hashes = recorded((folder / "SOURCE").read_text())
    found = {p.name for p in folder.iterdir() if p.name != "SOURCE"}
    wrong = [n for n, h in hashes.items() if n in found and hashlib.sha256((folder / n).read_bytes()).hexdigest() != h]
    return sorted(
        wrong + [f"{n}: missing" for n in hashes.keys() - found] + [f"{n}: not recorded" for n in found - hashes.keys()]
    )


def test_the_vendored_swagger_ui_is_what_source_recorded():
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"} <= recorded((VENDOR / "SOURCE").read_text()).keys()
    assert mismatches(VENDOR) == []


def test_a_changed_or_extra_file_is_found(tmp_path):
    for p in VENDOR.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "swagger-ui.css").write_bytes(b"body{}" + (VENDOR / "swagger-ui.css").read_bytes())
    (tmp_path / "extra.js").write_text("alert(1)")
    assert mismatches(tmp_path) == ["extra.js: not recorded", "swagger-ui.css"]
