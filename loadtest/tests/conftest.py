import copy
from pathlib import Path

import pytest

from loadtest.tests.data.sample import build_results, write_run_dir


@pytest.fixture
def results() -> dict:
    """A fresh copy of the full sample results (tests may modify it)."""
    return copy.deepcopy(build_results())


@pytest.fixture
def quick_results() -> dict:
    """A fresh copy of the quick sample results (2 repetitions, settings.quick)."""
    return copy.deepcopy(build_results(quick=True))


@pytest.fixture
def run_dir(tmp_path: Path, results: dict) -> Path:
    """A run directory with results.json and matching Locust stats CSVs."""
    return write_run_dir(tmp_path / "run", results)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """The full sample's report, charts and all, rendered once per test module (matplotlib is slow)."""
    from loadtest.report import write_report  # noqa: PLC0415 - keep collection fast

    return write_report(write_run_dir(tmp_path_factory.mktemp("report") / "run", build_results()))
