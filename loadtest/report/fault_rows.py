"""The resilience rows as a reader should take them: each figure says what it is relative to.

* recovery: seconds from the fault until the last failed request or the last request slower
  than the stall limit;
* capacity after: completed req/s in the window after recovery, as a share of the req/s in the
  window before the fault (``baseline_rps``); when that baseline was itself disturbed
  (``baseline_disturbed``), the ratio means nothing and "baseline disturbed" is shown instead;
* stalls: which worker stalled, when, for how long and why;
* in flight: for a graceful stop, the requests in progress when it began and how they ended.
"""

from dataclasses import dataclass, field

from loadtest.results.schema import Resilience

BASELINE_DISTURBED = "baseline disturbed"
RECOVERY_MEANS = "seconds from the fault to the last failed or stalled request"
CAPACITY_MEANS = "completed req/s after recovery as a share of the req/s just before the fault"


def _codes(codes: dict[str, int]) -> str:
    return ", ".join(f"{code}×{n}" for code, n in codes.items()) or "none"


@dataclass
class FaultRow:
    scenario: str
    topology: str
    failed_requests: int
    codes: str
    recovery: str
    capacity_after: str
    lost_items: int
    target: str
    met: bool
    notes: str
    stalls: list[str] = field(default_factory=list)
    in_flight: str = ""


def capacity_after(item: Resilience) -> str:
    if item.get("baseline_disturbed"):
        return BASELINE_DISTURBED
    pct = item["capacity_after_pct"]
    if pct is None:
        return "—"
    base = item.get("baseline_rps")
    return f"{pct:.0f}% of {base:,.0f} req/s before" if base else f"{pct:.0f}% of the rate before"


def stall_text(stall: dict) -> str:
    who = f"worker {stall['worker_pid']}" if stall.get("worker_pid") is not None else "a worker (pid unknown)"
    return f"{who} stalled {stall['duration_s']:.1f} s from t={stall['start_s']:.1f} s: {stall['cause']}"


def in_flight_text(item: Resilience) -> str:
    flight = item.get("in_flight")
    if not flight:
        return ""
    return f"{flight['count']} request(s) in flight at the stop, ended as: {_codes(flight['codes'])}"


def fault_row(item: Resilience) -> FaultRow:
    recovery = f"{item['recovery_s']:.1f} s" if item["recovery_s"] is not None else "—"
    return FaultRow(
        item["scenario"], item["topology"], item["failed_requests"], _codes(item["error_codes"]), recovery,
        capacity_after(item), item["lost_items"], item["target"], item["met"], item["notes"],
        [stall_text(s) for s in item.get("stalls") or []], in_flight_text(item),
    )  # fmt: skip


def resilience_sentence(item: Resilience) -> str:
    row = fault_row(item)
    text = (
        f"{row.scenario} on {row.topology}: {row.failed_requests} failed requests (codes: {row.codes}), "
        f"recovery {row.recovery}, capacity after {row.capacity_after}, {row.lost_items} lost items; "
        f"target {row.target}: {'met' if row.met else 'NOT met'}."
    )
    extra = [*row.stalls, row.in_flight] if row.in_flight else row.stalls
    return text + (" " + "; ".join(extra) + "." if extra else "")


def resilience_summary(resilience: list[Resilience] | None) -> str:
    if not resilience:
        return ""
    met = sum(1 for r in resilience if r["met"])
    return f"Resilience: {met} of {len(resilience)} fault checks met their target."
