"""What a run will do and how long it takes: steps, their costs, and the one estimate.

A step is one thing the runner does that takes time: a stack coming up or going down, a
verification, idle CPU, a measured (or warm-up) run, the generator calibration, a fault run.
Its cost is its own length (a run's duration, idle seconds) plus an overhead: what `docker
compose` and the generator's start-up and shutdown add. The overheads below are defaults
from this 2-core machine's runs; the runner times every step and keeps what it saw in
results.json (``timing.overheads``), and the next run on the machine uses those medians
(``Costs.from_results`` on reports/latest). The progress bar is weighted by these seconds.
"""

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

UP, DOWN, VERIFY, IDLE, RUN, CALIBRATION, FAULT = "up", "down", "verify", "idle", "run", "calibration", "fault"
TOLERANCE = 0.10  # a run ends within this share of its planned duration, or says why not


@dataclass(frozen=True)
class Costs:
    """Seconds each kind of step costs beyond its own length.

    The defaults are fitted to what this 2-core machine measured for the whole matrix (756
    runs, 16 fault runs: 4.3-4.9 h, of which 3.3 h are the runs' own seconds and ~35 min the
    faults); a run's own ``timing.overheads`` replace them on the next run."""

    up: float = 5.0  # compose up --wait: every service healthy
    down: float = 2.0  # compose down --volumes
    verify: float = 4.0  # the verifier in the generator image (also seeds the read scenarios' items)
    idle: float = 0.5
    locust: float = 3.0  # container, workers and users spawned, CSVs written
    wrk: float = 1.5
    calibration: float = 15.0  # Nginx alone up and down, plus each calibration run's start-up
    fault: float = 130.0  # one full-length fault run, fresh bundle up and down (~35 min for 16)
    fault_short: float = 45.0

    @classmethod
    def from_results(cls, doc: dict | None) -> "Costs":
        """The overheads an earlier run measured (its ``timing.overheads``), else the defaults."""
        seen = ((doc or {}).get("timing") or {}).get("overheads") or {}
        known = {f.name for f in fields(cls)}
        values = {k: float(v) for k, v in seen.items() if k in known and isinstance(v, int | float) and v >= 0}
        return cls(**values)

    def document(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Step:
    kind: str  # UP, DOWN, VERIFY, IDLE, RUN, CALIBRATION, FAULT
    label: str
    seconds: float = 0.0  # its own length: a run's duration, idle seconds, calibration runs' total
    tool: str = ""  # a run's generator: "locust" | "wrk"; a fault: "full" | "short"


def step_seconds(step: Step, costs: Costs) -> float:
    """What one step is expected to take."""
    if step.kind == RUN:
        return step.seconds + (costs.wrk if step.tool == "wrk" else costs.locust)
    if step.kind == FAULT:
        return costs.fault if step.tool != "short" else costs.fault_short
    if step.kind in (IDLE, CALIBRATION):
        return step.seconds + getattr(costs, step.kind)
    return getattr(costs, step.kind)


def estimate(steps: Iterable[Step], costs: Costs) -> float:
    """The expected duration of these steps, in seconds: the one estimate the plan, the
    progress bar and the end-of-run check use."""
    return sum(step_seconds(step, costs) for step in steps)


def overhead(step: Step, took_s: float) -> tuple[str, float]:
    """(cost name, overhead seen) for a step that took ``took_s``: what Costs.from_results reads back."""
    name = step.tool if step.kind == RUN else ("fault_short" if step.tool == "short" else step.kind)
    return name, max(took_s - (step.seconds if step.kind in (RUN, IDLE, CALIBRATION) else 0.0), 0.0)


def overheads(seen: dict[str, list[float]]) -> dict[str, float]:
    """Median overhead per cost name, for results.json's ``timing.overheads``."""
    return {k: round(statistics.median(v), 2) for k, v in seen.items() if v}


def clock(seconds: float) -> str:
    """1h 02m, 14m 05s, 45s."""
    seconds = int(round(max(seconds, 0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h {m:02d}m"
    return f"{m}m {s:02d}s" if m else f"{s}s"


def ending(took_s: float, planned_s: float, reason: str = "") -> str | None:
    """The end-of-run line when a run strayed more than TOLERANCE from its plan, else None."""
    if planned_s <= 0 or abs(took_s / planned_s - 1) <= TOLERANCE:
        return None
    why = reason or ("the steps took longer than estimated" if took_s > planned_s else "shorter than estimated")
    return f"took {clock(took_s)}, planned {clock(planned_s)}: {why}"
