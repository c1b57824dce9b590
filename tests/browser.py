"""Headless Chromium (Debian's ``chromium``, installed by scripts/browser-bootstrap.sh) for the
tests that look at pages as a person would. Under CI (``CI=true``) a missing browser fails the
test; elsewhere it is skipped with the reason."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium not installed (run scripts/browser-bootstrap.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def headless(args: list[str], tmp_path: Path, window: tuple[int, int] = (1280, 1400)) -> subprocess.CompletedProcess:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={window[0]},{window[1]}", *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
