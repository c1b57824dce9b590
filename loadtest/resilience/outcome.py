"""What a fault did to the clients: failures, their codes, recovery time, capacity after."""

from collections import Counter
from collections.abc import Sequence

from loadtest.resilience.load import Outcome

STALL_S = 2.0  # a request this slow counts as disrupted even if it succeeded


def _rate(outcomes: Sequence[Outcome], start: float, end: float) -> float:
    done = sum(1 for o in outcomes if o.ok and start <= o.t1 < end)
    return done / (end - start) if end > start else 0.0


def summarize(outcomes: Sequence[Outcome], fault_at: float, fault_end: float, window_s: float = 3.0) -> dict:
    """Read the records of one fault run.

    ``fault_at`` is when the fault was injected, ``fault_end`` when the injecting action
    returned (e.g. a restart command). Recovery ends with the last failed or stalled request.
    """
    failed = [o for o in outcomes if not o.ok]
    stalled = [o for o in outcomes if o.ok and o.t1 - o.t0 > STALL_S]
    disrupted = [o.t1 for o in failed + stalled if o.t1 >= fault_at]
    recovered_at = max(disrupted, default=fault_at)
    end = max((o.t1 for o in outcomes), default=fault_end)
    before = _rate(outcomes, max(fault_at - window_s, min(o.t0 for o in outcomes)), fault_at)
    after_start = max(recovered_at, fault_end)
    after = _rate(outcomes, after_start, min(end, after_start + window_s))
    return {
        "requests": len(outcomes),
        "failed_requests": len(failed),
        "failed_gets": sum(1 for o in failed if o.kind != "create"),
        "failed_creates": sum(1 for o in failed if o.kind == "create"),
        "stalled_requests": len(stalled),
        "error_codes": dict(Counter(o.code for o in failed)),
        "recovery_s": round(recovered_at - fault_at, 2) if disrupted else 0.0,
        "rps_before": round(before, 1),
        "rps_after": round(after, 1),
        "capacity_after_pct": round(100 * after / before, 1) if before else None,
    }
