"""The bundle's own lock files pin every package exactly, with the sha256 of its files
(`make lock`: uv pip compile --generate-hashes), and every pip install or wheel download of them
(Dockerfiles, scripts, the Makefile's venv) runs with --require-hashes, so a file on the index
that is not the one locked stops the build. Unit-level: reads the files, no Docker, no network."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {
    "backend/requirements.txt",
    "backend/servers/requirements.txt",
    "backend/servers/requirements-compare.txt",
    "loadtest/requirements.txt",
    "tests/requirements.txt",
}
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?==[^\s;\\]+")
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")
_INSTALLS = re.compile(r"\bpip3? (install|download)\b|^wheelhouse\b")
_COPY = re.compile(r"^COPY\s+(?!--)(\S+)\s+(\S+)$")
_SKIP = {".venv", ".git", ".build", "node_modules", "site", "reports"}


def logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined (Dockerfile RUN, shell, make, requirements)."""
    out, pieces = [], []
    for line in text.splitlines():
        line = line.strip()
        if line.endswith("\\"):
            pieces.append(line[:-1].strip())
        else:
            out.append(" ".join([*pieces, line]).strip())
            pieces = []
    return out + ([" ".join(pieces)] if pieces else [])


def not_locked(text: str) -> list[str]:
    """Requirement lines of a lock file without an exact `==` pin or without a sha256."""
    return [
        line
        for line in logical_lines(text)
        if line and not line.startswith("#") and not (_PIN.match(line) and _HASH.search(line))
    ]


def lock_installs(path: Path, root: Path = ROOT, locks: set[str] = LOCKS) -> list[tuple[str, set[str]]]:
    """(command, the bundle lock files it installs) for every pip install / pip download /
    wheelhouse command in a Dockerfile, shell script or Makefile. A Dockerfile's paths are
    followed through its COPY lines back to the file in its folder (the build context)."""
    copies: dict[str, str] = {}
    found = []
    for line in logical_lines(path.read_text()):
        copy = _COPY.match(line)
        if copy and "Dockerfile" in path.name:
            copies[copy.group(2)] = (path.parent / copy.group(1)).resolve().relative_to(root).as_posix()
        for command in re.split(r"&&|;|\|\|", re.sub(r"^RUN\s+", "", line)):
            command = command.strip()
            if not _INSTALLS.search(command):
                continue
            tokens = {t.strip("\"'") for t in command.split()}
            named = {copies.get(t, t) for t in tokens} & locks
            if named:
                found.append((command, named))
    return found


def build_files() -> list[Path]:
    files = [ROOT / "Makefile", *ROOT.glob("scripts/*.sh"), *ROOT.glob(".ci/*")]
    for p in ROOT.rglob("*Dockerfile"):
        if not _SKIP & set(p.relative_to(ROOT).parts):
            files.append(p)
    return [p for p in files if p.is_file()]


def test_every_bundle_lock_pins_every_package_with_a_hash():
    for lock in sorted(LOCKS):
        text = (ROOT / lock).read_text()
        assert _HASH.search(text), lock
        assert not_locked(text) == [], lock


def test_every_install_of_a_bundle_lock_requires_hashes():
    installs = [(p.relative_to(ROOT).as_posix(), c, n) for p in build_files() for c, n in lock_installs(p)]
    # each lock is installed somewhere: the check below is not vacuous
    assert set().union(*(n for _, _, n in installs)) == LOCKS
    assert [(f, c) for f, c, _ in installs if "--require-hashes" not in c.split()] == []


def test_an_unhashed_pin_a_range_or_an_install_without_require_hashes_is_found(tmp_path):
    zeros, ones = "--hash=sha256:" + "0" * 64, "--hash=sha256:" + "1" * 64
    lock = f"a==1.0 \\\n    {zeros}\n    # via b\nb==2.0\nc>=3 \\\n    {ones}\n"
    assert not_locked(lock) == ["b==2.0", f"c>=3 {ones}"]
    (tmp_path / "requirements.txt").write_text(lock)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "COPY requirements.txt /tmp/r.txt\nRUN pip install -q --require-hashes -r /tmp/r.txt \\\n"
        " && pip install -r /tmp/r.txt\n"
    )
    commands = [c for c, _ in lock_installs(dockerfile, tmp_path.resolve(), {"requirements.txt"})]
    assert commands == ["pip install -q --require-hashes -r /tmp/r.txt", "pip install -r /tmp/r.txt"]
