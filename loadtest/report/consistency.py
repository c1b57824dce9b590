"""Cross-check results.json against the raw Locust CSVs it was derived from.

wrk runs (``tool == "wrk"``) have no Locust CSV: they are skipped and counted as such.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from loadtest.results.locust_csv import aggregated_row, number
from loadtest.results.schema import Results, load

# results.json key -> Locust stats CSV column (Aggregated row)
EXACT = {"requests": "Request Count", "failures": "Failure Count"}
LATENCY = {
    "p50": "50%",
    "p90": "90%",
    "p95": "95%",
    "p99": "99%",
    "max": "Max Response Time",
    "avg": "Average Response Time",
}
RPS_TOLERANCE = 0.005  # relative; results.json may round RPS
LATENCY_TOLERANCE_MS = 1.0  # Locust writes percentiles as whole milliseconds
LATENCY_TOLERANCE_REL = 0.01  # ... and rounds response times above 100 ms into buckets


@dataclass
class CsvCheck:
    checked: int = 0
    skipped: int = 0  # wrk runs
    mismatches: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.missing

    @property
    def summary(self) -> str:
        text = f"numbers checked against raw Locust CSVs: {self.checked} runs"
        if self.skipped:
            text += f" ({self.skipped} wrk runs have no Locust CSV)"
        if self.ok:
            return text + ", all match"
        problems = []
        if self.mismatches:
            problems.append(f"{len(self.mismatches)} mismatch(es)")
        if self.missing:
            problems.append(f"{len(self.missing)} CSV(s) missing or unreadable")
        return text + ", " + ", ".join(problems)


def check_against_csv(run_dir: str | Path, results: Results | None = None) -> CsvCheck:
    """Compare every run's counts, RPS and latency with its ``<csv_prefix>_stats.csv`` Aggregated row."""
    run_dir = Path(run_dir)
    results = results if results is not None else load(run_dir / "results.json")
    check = CsvCheck()
    for run in results["runs"]:
        if run.get("tool", "locust") == "wrk":
            check.skipped += 1
            continue
        name = f"{run['topology']}/{run['scenario']}/{run['mode']}-r{run['repetition']}"
        path = run_dir / f"{run['csv_prefix']}_stats.csv"
        try:
            row = aggregated_row(path)
        except (OSError, ValueError, csv.Error) as exc:
            check.missing.append(
                f"{name}: {path.relative_to(run_dir)}: {exc.strerror if isinstance(exc, OSError) else exc}"
            )
            continue
        check.checked += 1
        for key, column in EXACT.items():
            csv_value = number(row.get(column))
            if csv_value is None or int(csv_value) != run[key]:
                check.mismatches.append(f"{name}: {key} {run[key]} != CSV {column} {row.get(column)}")
        csv_rps = number(row.get("Requests/s"))
        if csv_rps is None or abs(run["rps"] - csv_rps) > max(0.01, RPS_TOLERANCE * csv_rps):
            check.mismatches.append(f"{name}: rps {run['rps']} != CSV Requests/s {row.get('Requests/s')}")
        for key, column in LATENCY.items():
            csv_value = number(row.get(column))
            if csv_value is None:
                if run["requests"]:
                    check.mismatches.append(f"{name}: latency {key}: CSV {column} is {row.get(column)!r}")
                continue
            ours = run["latency_ms"][key]
            if abs(ours - csv_value) > max(LATENCY_TOLERANCE_MS, LATENCY_TOLERANCE_REL * csv_value):
                check.mismatches.append(f"{name}: latency {key} {ours} ms != CSV {column} {row.get(column)} ms")
    return check
