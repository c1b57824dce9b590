"""Locust runs: distributed Locust (a master and N worker processes) in the generator container,
on the compose network, writing its CSVs into the run directory."""

import csv
from dataclasses import dataclass
from pathlib import Path

SCENARIOS = "/srv/loadtest/generator/scenarios"  # inside the generator image


@dataclass(frozen=True)
class LocustSpec:
    target: str  # base URL
    locustfile: str  # file name under /srv/loadtest/generator/scenarios/, or an absolute path; several: a,b
    user_class: str  # "": every User class the locustfile(s) define
    users: int
    duration: int  # seconds
    processes: int
    csv_prefix: str  # inside the container, under /out
    rate_per_user: float = 0.0  # fixed-rate runs: requests per second per user

    @property
    def locustfiles(self) -> str:
        return ",".join(f if f.startswith("/") else f"{SCENARIOS}/{f}" for f in self.locustfile.split(","))

    def args(self) -> list[str]:
        return [
            "-f", self.locustfiles, *([self.user_class] if self.user_class else []),
            "--headless", "--processes", str(self.processes),
            "--users", str(self.users), "--spawn-rate", str(self.users), "--reset-stats",
            "--run-time", f"{self.duration}s", "--stop-timeout", "5",
            "--host", self.target,
            "--csv", self.csv_prefix, "--csv-full-history",
            "--only-summary", "--exit-code-on-error", "0",
        ]  # fmt: skip


def compose_args(spec: LocustSpec, name: str) -> list[str]:
    """Arguments for `docker compose <files> ...`: Locust in the generator service's container."""
    return ["--profile", "generator", "run", "--rm", "--no-deps", "--name", name,
            "-e", f"TARGET_RPS_PER_USER={spec.rate_per_user:.4f}", "locust", *spec.args()]  # fmt: skip


def history_timestamps(path: Path) -> list[int]:
    """The whole-second timestamps of the Aggregated rows of a ``*_stats_history.csv`` written
    while every user was running after --reset-stats: rows of the ramp-up (before the reset) and
    the final row written after the users stopped are left out."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if r.get("Name") == "Aggregated"]
    except OSError:
        return []
    kept: list[tuple[int, int]] = []  # (timestamp, users)
    previous = 0
    for row in rows:
        try:
            ts, total, users = int(row["Timestamp"]), int(row["Total Request Count"]), int(row["User Count"])
        except (KeyError, ValueError):
            continue
        if total < previous:  # --reset-stats: what came before was the ramp-up
            kept = []
        previous = total
        if total > 0 and users > 0 and (not kept or ts > kept[-1][0]):
            kept.append((ts, users))
    full = max((u for _, u in kept), default=0)
    return [ts for ts, u in kept if u == full]


def cpu_warnings(stderr: str) -> list[str]:
    """Locust's own "CPU usage above 90%" warnings, deduplicated."""
    return sorted({line.split("] ", 1)[-1] for line in stderr.splitlines() if "CPU usage" in line})
