"""Edits a sample run's raw Locust CSV, so a test can make it disagree with results.json."""

import csv
from pathlib import Path

PREFIX = "raw/gunicorn/api-json/capacity-r1"


def edit_csv(run_dir: Path, prefix: str, column: str, value: str) -> None:
    path = run_dir / f"{prefix}_stats.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["Name"] == "Aggregated":
            row[column] = value
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
