"""`make resilience`: the fault runs alone, with the load test's plan line and progress.

The same runs as ``python -m loadtest.resilience`` (every fault against Gunicorn and direct
Uvicorn; SHORT=1: the CI-length versions; SWARM=1 adds the Swarm updates), with the expected
duration printed first, a progress bar weighted by seconds on a terminal and one line per fault
run in a log, and at the end how long it took against the plan."""

import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from loadtest.bundle.paths import certs_dir, reports_dir
from loadtest.report import run_folder
from loadtest.resilience.__main__ import MEASUREMENT_PATH, SETTINGS
from loadtest.resilience.matrix import run_one, targets_met
from loadtest.results import manifest
from loadtest.results.schema import new_document
from loadtest.runner import plan, rounds
from loadtest.runner.__main__ import previous_costs
from loadtest.runner.progress import Reporter

console = Console(stderr=True)
YES = {"1", "true", "yes"}


def main() -> int:
    full_length = os.environ.get("SHORT", "") not in YES
    reports = reports_dir(os.environ.get("REPORTS_DIR", "reports"))
    run_dir = run_folder.new_run_dir(reports)
    costs = previous_costs(reports)
    runs = rounds.fault_runs(full_length)
    planned = plan.estimate([step for _, _, step in runs], costs)
    console.print(f"plan: {len(runs)} fault runs ({'full' if full_length else 'short'} length), "
                  f"expected duration {plan.clock(planned)}", highlight=False)  # fmt: skip
    entries: list[dict] = []
    with Reporter(console, planned, costs) as rep, tempfile.TemporaryDirectory() as work:
        for fault, server, step in runs:
            with rep.step(step) as r:
                entry = run_one(fault, server, full_length, certs_dir(), Path(work) / f"{fault.name}-{server}")
                r.note = "met" if entry["met"] else "not met"
            entries.append(entry)
        took = rep.elapsed
    # + the Swarm updates (loadtest/resilience/swarm_updates.py), not in the plan
    if os.environ.get("SWARM", "") in YES:
        from loadtest.resilience import swarm_updates

        entries += swarm_updates.run_stores(full_length, lambda m: console.print(m))
    doc = new_document(run_dir.name, manifest.collect(SETTINGS | {"quick": not full_length}, {}, MEASUREMENT_PATH))
    doc["resilience"] = entries
    doc["timing"] = {"planned_s": round(planned, 1), "took_s": round(took, 1), "overheads": plan.overheads(rep.seen)}
    console.print(plan.ending(took, planned) or f"took {plan.clock(took)}, planned {plan.clock(planned)}")
    print(run_folder.write(run_dir, doc)["html"])
    return 0 if targets_met(entries) else 1


if __name__ == "__main__":
    sys.exit(main())
