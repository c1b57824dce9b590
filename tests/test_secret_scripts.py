"""scripts/certs.sh and scripts/secrets.sh (`make certs`, `make secrets`): a private key or a
password is never left readable by every local user, and the local CA can vouch for the
bundle's own names only. Unit-level: the scripts and openssl, no Docker."""

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def run(script: str, env: dict, as_nobody: bool = False) -> subprocess.CompletedProcess:
    cmd = [str(ROOT / "scripts" / script)]
    if as_nobody:  # no root, not in gid 10001: chgrp cannot work
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    return subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)


def world_readable(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IROTH)


@pytest.fixture
def unprivileged():
    """An output folder nobody owns, and a PATH whose setfacl fails (as where ACLs are missing).
    Outside pytest's tmp_path, whose parents only root may enter."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.fail("these tests run as root (CI does) to drop to an unprivileged user with setpriv")
    base = Path(tempfile.mkdtemp(prefix="apibundle-secrets-"))
    base.chmod(0o755)
    out = base / "out"
    out.mkdir()
    os.chown(out, NOBODY, NOBODY)
    fake = base / "bin"
    fake.mkdir()
    (fake / "setfacl").write_text("#!/bin/sh\nexit 1\n")
    (fake / "setfacl").chmod(0o755)
    yield {"out": out, "PATH": f"{fake}:{os.environ['PATH']}"}
    shutil.rmtree(base)


def test_secrets_refuse_to_write_a_world_readable_password(unprivileged):
    out = unprivileged["out"]
    r = run("secrets.sh", {"SECRETS_OUT": str(out), "PATH": unprivileged["PATH"]}, as_nobody=True)
    assert r.returncode != 0
    assert "cannot let gid 10001" in r.stderr and "sudo make secrets" in r.stderr, r.stderr
    assert list(out.iterdir()) == []  # nothing left behind, readable or not


def test_certs_refuse_to_leave_a_world_readable_key(unprivileged):
    out = unprivileged["out"]
    r = run("certs.sh", {"CERTS_OUT": str(out), "PATH": unprivileged["PATH"]}, as_nobody=True)
    assert r.returncode != 0
    assert "cannot let gid 10001" in r.stderr and "sudo make certs" in r.stderr, r.stderr
    assert not (out / "live" / "server.key").exists() and not (out / "live" / "server.crt").exists()
    assert not world_readable(out / "ca.key")


def test_with_chgrp_the_secrets_are_group_readable_only(tmp_path):
    assert run("secrets.sh", {"SECRETS_OUT": str(tmp_path / "s")}).returncode == 0
    assert run("certs.sh", {"CERTS_OUT": str(tmp_path / "c")}).returncode == 0
    for path in (tmp_path / "s" / "postgres_password", tmp_path / "c" / "live" / "server.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.stat().st_gid == 10001, path
    assert stat.S_IMODE((tmp_path / "c" / "ca.key").stat().st_mode) == 0o600


def _leaf(ca: Path, tmp_path: Path, san: str) -> Path:
    """A certificate for ``san`` signed with the local CA's own key (as a leaked ca.key would)."""
    key, csr, crt, ext = (tmp_path / n for n in ("x.key", "x.csr", "x.crt", "x.ext"))
    ext.write_text(f"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName={san}\n")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=x", "-keyout", key, "-out", csr], check=True, capture_output=True)  # fmt: skip
    signed = ["openssl", "x509", "-req", "-in", csr, "-CA", ca / "ca.crt", "-CAkey", ca / "ca.key",
              "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", crt]  # fmt: skip
    subprocess.run(signed, check=True, capture_output=True)
    return crt


def verify(ca: Path, crt: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "verify", "-CAfile", ca / "ca.crt", crt], capture_output=True, text=True)


@pytest.mark.parametrize("san", ["DNS:example.com", "DNS:localhost.evil.example", "IP:10.0.0.9", "IP:::2"])
def test_the_local_ca_cannot_vouch_for_any_other_name(tmp_path, san):
    ca = tmp_path / "ca"
    assert run("certs.sh", {"CERTS_OUT": str(ca), "CERT_NAMES": "api.test 10.0.0.5"}).returncode == 0
    assert verify(ca, ca / "live" / "server.crt").returncode == 0  # its own certificate is fine
    for own in ("DNS:api.test", "IP:10.0.0.5", "DNS:localhost"):
        assert verify(ca, _leaf(ca, tmp_path, own)).returncode == 0, own
    r = verify(ca, _leaf(ca, tmp_path, san))
    assert r.returncode != 0 and "subtree" in (r.stdout + r.stderr), r.stdout + r.stderr


def test_new_names_make_a_new_ca(tmp_path):
    ca = tmp_path / "ca"
    assert run("certs.sh", {"CERTS_OUT": str(ca)}).returncode == 0
    first = (ca / "ca.crt").read_bytes()
    assert run("certs.sh", {"CERTS_OUT": str(ca)}).returncode == 0
    assert (ca / "ca.crt").read_bytes() == first  # same names: kept
    r = run("certs.sh", {"CERTS_OUT": str(ca), "CERT_NAMES": "api.test"})
    assert r.returncode == 0 and "trust the new" in r.stderr
    assert (ca / "ca.crt").read_bytes() != first
    assert verify(ca, ca / "live" / "server.crt").returncode == 0
