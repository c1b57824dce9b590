"""What a fault did to the clients: failures, their codes, recovery time, capacity after against
an undisturbed baseline, and the stalls (when, how long, on which worker)."""

from collections import Counter
from collections.abc import Sequence

from loadtest.resilience.load import Outcome

STALL_S = 2.0  # a request this slow counts as disrupted even if it succeeded


def _rate(outcomes: Sequence[Outcome], start: float, end: float) -> float:
    done = sum(1 for o in outcomes if o.ok and start <= o.t1 < end)
    return done / (end - start) if end > start else 0.0


def _slow(o: Outcome) -> bool:
    return o.t1 - o.t0 > STALL_S


def stalls(outcomes: Sequence[Outcome], fault_at: float, fault_end: float) -> list[dict]:
    """Requests slower than STALL_S (answered or not) whose times overlap, as one stall each:
    start relative to the fault (negative: before it), duration, the worker when every answer in
    it that names one names the same, and the cause as far as the clients can tell: what they
    saw, when, and whether that worker answered anything afterwards."""
    episodes: list[list[Outcome]] = []
    for o in sorted(filter(_slow, outcomes), key=lambda o: o.t0):
        if episodes and o.t0 <= max(e.t1 for e in episodes[-1]):
            episodes[-1].append(o)
        else:
            episodes.append([o])
    out = []
    for episode in episodes:
        start, end = episode[0].t0, max(o.t1 for o in episode)
        pids = {o.worker_pid for o in episode if o.worker_pid is not None}
        pid = pids.pop() if len(pids) == 1 else None
        failed = Counter(o.code for o in episode if not o.ok)
        cause = f"{len(episode)} request{'s' * (len(episode) > 1)} over {STALL_S:g} s"
        if failed:
            cause += f" ({', '.join(f'{code}×{n}' for code, n in failed.items())})"
        cause += (
            " before the fault" if end < fault_at else " after the fault" if start > fault_end else " during the fault"
        )
        if pid is not None:
            later = any(o.worker_pid == pid and o.t0 > end for o in outcomes)
            cause += f"; worker {pid} {'kept serving' if later else 'answered nothing after it'}"
        out.append({"worker_pid": pid, "start_s": round(start - fault_at, 2), "duration_s": round(end - start, 2),
                    "cause": cause})  # fmt: skip
    return out


def summarize(outcomes: Sequence[Outcome], fault_at: float, fault_end: float, window_s: float = 3.0) -> dict:
    """Read the records of one fault run.

    ``fault_at`` is when the fault was injected, ``fault_end`` when the injecting action
    returned (e.g. a restart command). Recovery ends with the last failed or stalled request.
    The baseline is the throughput in the ``window_s`` before the fault; if a request slower than
    STALL_S overlaps that window, the baseline is disturbed and no capacity ratio is given against it.
    """
    failed = [o for o in outcomes if not o.ok]
    stalled = [o for o in outcomes if o.ok and o.t1 - o.t0 > STALL_S]
    disrupted = [o.t1 for o in failed + stalled if o.t1 >= fault_at]
    recovered_at = max(disrupted, default=fault_at)
    end = max((o.t1 for o in outcomes), default=fault_end)
    baseline_start = max(fault_at - window_s, min((o.t0 for o in outcomes), default=fault_at))
    baseline = _rate(outcomes, baseline_start, fault_at)
    disturbed = any(_slow(o) and o.t0 < fault_at and o.t1 > baseline_start for o in outcomes)
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
        "baseline_rps": round(baseline, 1),
        "baseline_disturbed": disturbed,
        "rps_after": round(after, 1),
        "capacity_after_pct": round(100 * after / baseline, 1) if baseline and not disturbed else None,
        "stalls": stalls(outcomes, fault_at, fault_end),
    }
