"""A run folder, reports/<UTC timestamp>/: its results.json and the report beside it. The load
test, the resilience runs and the Swarm updates all write theirs here."""

import json
from datetime import UTC, datetime
from pathlib import Path

from loadtest.report.render import write_report


def new_run_dir(reports: Path) -> Path:
    run_dir = reports / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True)
    return run_dir


def write(run_dir: Path, doc: dict, latest: bool = False) -> dict[str, Path]:
    """results.json, then the report (its paths). ``latest``: reports/latest points here after
    results.json is written (the load test's: the next run plans with this one's costs)."""
    (run_dir / "results.json").write_text(json.dumps(doc, indent=1))
    if latest:
        link = run_dir.parent / "latest"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(run_dir.name)
    return write_report(run_dir)
