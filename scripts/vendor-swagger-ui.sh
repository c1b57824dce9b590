#!/usr/bin/env bash
# Vendor Swagger UI for /api/docs into nginx/static/vendor/swagger-ui/, from a pinned PyPI wheel
# (swagger-ui-py ships Swagger UI's dist files), so the docs page needs no CDN: it works
# air-gapped and runs no third-party script. The files are committed; run this only to upgrade
# (change the pin, run it, commit the result).
set -euo pipefail
cd "$(dirname "$0")/.."
PIN=swagger-ui-py==25.7.1
out=nginx/static/vendor/swagger-ui
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$tmp" "$PIN"
python3 - "$tmp"/*.whl "$out" "$PIN" <<'PY'
import hashlib, re, sys, zipfile
from pathlib import Path
wheel, out, pin = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"):
        (out / name).write_bytes(z.read(f"swagger_ui/static/{name}"))
bundle = (out / "swagger-ui-bundle.js").read_text()
versions = sorted(set(re.findall(r'"(5\.\d+\.\d+)"', bundle)), key=lambda v: tuple(map(int, v.split("."))))
lines = [f"Swagger UI {versions[-1] if versions else '5.x'} dist files, from the PyPI wheel {pin}",
         f"wheel sha256 {hashlib.sha256(Path(wheel).read_bytes()).hexdigest()}"]
lines += [f"{p.name} sha256 {hashlib.sha256(p.read_bytes()).hexdigest()}" for p in sorted(out.glob('*')) if p.name != "SOURCE"]
(out / "SOURCE").write_text("\n".join(lines) + "\n")
PY
echo "vendored $PIN into $out" >&2
