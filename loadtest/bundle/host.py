"""What the bundle's drivers run on the host: Docker's CLI (``DOCKER``, default ``docker``), a
Postgres password of a stack's own (scripts/secrets.sh), the app's env file, and which server
commands an app image cannot run."""

import os
import subprocess
from pathlib import Path


def docker(
    *args: str, check: bool = True, timeout: float = 300, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    cmd = [os.environ.get("DOCKER", "docker"), *args]
    out = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=env)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out


def make_secrets(root: Path, out: Path) -> Path:
    """scripts/secrets.sh into ``out``; returns the Postgres password file."""
    script = str(root / "scripts" / "secrets.sh")
    subprocess.run([script], env={**os.environ, "SECRETS_OUT": str(out)}, check=True, capture_output=True)
    return out / "postgres_password"


def write_app_env(path: Path, base: str, app_env: dict) -> Path:
    """The app's env file: ``base`` (a store's env file) and then ``app_env``, one KEY=value a line."""
    path.write_text(base + "".join(f"{k}={v}\n" for k, v in app_env.items()))
    return path


def servers_unavailable(image: str, commands: list[str]) -> dict[str, str]:
    """command -> why ``image`` cannot run it (``python -m servers.compat --unavailable``: the
    project's own pins, e.g. Gunicorn 23 has no ``-k asgi``); the ones it runs are left out."""
    try:
        out = docker("run", "--rm", "--entrypoint", "python3", image, "-m", "servers.compat", "--unavailable",
                     *commands)  # fmt: skip
    except RuntimeError as exc:
        raise SystemExit(f"loadtest: cannot ask {image} which servers it runs: {exc}") from None
    return dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
