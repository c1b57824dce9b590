"""`make resilience`: every fault against Gunicorn and direct Uvicorn, full-length versions, then a
report with the resilience table (``python -m loadtest.resilience``; SHORT=1 for CI's version;
SWARM=1 adds rows for the Swarm rolling update and rollback, loadtest/resilience/swarm_updates.py)."""

import os
import sys
import tempfile
from pathlib import Path

from loadtest.bundle.paths import certs_dir, reports_dir
from loadtest.report import run_folder
from loadtest.resilience.matrix import run_all, targets_met
from loadtest.results import manifest
from loadtest.results.schema import new_document

MEASUREMENT_PATH = "host -> published loopback port -> Nginx (TLS) -> app; a fresh copy of the bundle per fault"
# What the resilience runs use (faults.py, matrix.py), in the manifest's terms.
SETTINGS = {"users": 6, "duration_s": 0, "warmup_s": 0, "repeat": 1, "workers": 2, "app_cpus": "1", "locust_workers": 0}


def main() -> int:
    full_length = os.environ.get("SHORT", "") not in {"1", "true", "yes"}
    reports = reports_dir(os.environ.get("REPORTS_DIR", "reports"))
    run_dir = run_folder.new_run_dir(reports)
    with tempfile.TemporaryDirectory() as work:
        entries = run_all(
            full_length, certs_dir(), Path(work), progress=lambda m: print(m, file=sys.stderr, flush=True)
        )
    # + the Swarm updates (loadtest/resilience/swarm_updates.py)
    if os.environ.get("SWARM", "") in {"1", "true", "yes"}:
        from loadtest.resilience import swarm_updates

        entries += swarm_updates.run_stores(full_length, lambda m: print(m, file=sys.stderr))
    doc = new_document(run_dir.name, manifest.collect(SETTINGS | {"quick": not full_length}, {}, MEASUREMENT_PATH))
    doc["resilience"] = entries
    print(run_folder.write(run_dir, doc)["html"])
    return 0 if targets_met(entries) else 1


if __name__ == "__main__":
    sys.exit(main())
