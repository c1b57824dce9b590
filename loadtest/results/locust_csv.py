"""Locust's CSV output (``--csv PREFIX --csv-full-history``), read into results.json's terms."""

import csv
from pathlib import Path


def aggregated_row(path: Path) -> dict[str, str]:
    """The "Aggregated" row of a Locust ``*_stats.csv``; ValueError when there is none."""
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("Name") == "Aggregated":
                return row
    raise ValueError(f"{path}: no 'Aggregated' row")


def number(text: str | None) -> float | None:
    """A CSV cell as a float; None for Locust's "N/A" (no requests) or an empty cell."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _num(text: str | None) -> float:
    value = number(text)
    return 0.0 if value is None else value


def read_csvs(prefix: Path) -> dict:
    """The run's figures exactly as Locust wrote them (the report checks them against the CSVs)."""
    agg = aggregated_row(Path(f"{prefix}_stats.csv"))
    out = {
        "requests": int(agg["Request Count"]),
        "failures": int(agg["Failure Count"]),
        "rps": round(_num(agg["Requests/s"]), 2),
        "latency_ms": {
            "p50": _num(agg["50%"]), "p90": _num(agg["90%"]), "p95": _num(agg["95%"]), "p99": _num(agg["99%"]),
            "max": round(_num(agg["Max Response Time"]), 2), "avg": round(_num(agg["Average Response Time"]), 2),
        },
    }  # fmt: skip
    out["history"] = read_history(Path(f"{prefix}_stats_history.csv"))
    errors = {}
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                errors[f"{row['Method']} {row['Name']}: {row['Error']}"] = int(row["Occurrences"])
    out["errors"] = errors
    return out


def read_history(path: Path) -> list[dict]:
    """Per-second throughput from the cumulative counts (exact, unlike Locust's rolling
    Requests/s); rows before load starts and the drop at --reset-stats are skipped."""
    history, start, prev = [], None, None
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Name"] == "Aggregated"]
    for row in rows:
        ts, total, failed = int(row["Timestamp"]), int(row["Total Request Count"]), int(row["Total Failure Count"])
        if prev is not None and ts > prev[0] and total >= prev[1] and total > 0:
            start = prev[0] if start is None else start
            dt = ts - prev[0]
            history.append({
                "t": ts - start, "rps": round((total - prev[1]) / dt, 1),
                "failures_per_s": round(max(0, failed - prev[2]) / dt, 1),
                "p50": _num(row["50%"]), "p95": _num(row["95%"]), "users": int(_num(row["User Count"])),
            })  # fmt: skip
        prev = (ts, total, failed)
    return history
