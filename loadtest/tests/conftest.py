import copy
from pathlib import Path

import pytest

from loadtest.tests.data.sample import build_results, write_run_dir


@pytest.fixture
def results() -> dict:
    """A fresh copy of the fixed sample results (tests may modify it)."""
    return copy.deepcopy(build_results())


@pytest.fixture
def run_dir(tmp_path: Path, results: dict) -> Path:
    """A run directory with results.json and matching Locust stats CSVs."""
    return write_run_dir(tmp_path / "run", results)
