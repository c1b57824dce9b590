"""APP_PRESTART: run once before the workers, by the `migrate` service or the launcher."""

import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2]


def prestart(tmp_path: Path, command: str | None) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(BACKEND), "PATH": "/usr/bin:/bin"}
    if command is not None:
        env["APP_PRESTART"] = command
    return subprocess.run(
        [sys.executable, "-m", "servers.prestart"], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def test_the_command_runs_in_the_project_folder(tmp_path):
    result = prestart(tmp_path, "echo migrated > done.txt")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "done.txt").read_text() == "migrated\n"


def test_a_failing_command_fails_with_its_exit_code_named(tmp_path):
    result = prestart(tmp_path, "exit 3")
    assert result.returncode == 1
    assert "APP_PRESTART exited 3: exit 3" in result.stderr


def test_nothing_set_is_nothing_run(tmp_path):
    result = prestart(tmp_path, None)
    assert result.returncode == 0 and "nothing to run" in result.stderr
