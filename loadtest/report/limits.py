"""What limited a measurement: the load generator, latency, or the number of repetitions.

Thresholds live here and only here:

* **generator-bound**: the generator was saturated, or the run reached more than
  ``GENERATOR_SHARE`` (70%) of the generator's calibrated ceiling (headroom below 1/0.7):
  the server's figure is a lower bound, never a verdict;
* **latency-bound**: app, Nginx and generator were all below ``BUSY_MAX`` (85%) of their CPU
  sets, the SUT's CPU set itself (its /proc/stat time, kernel work charged to no container
  included) was below ``BUSY_MAX`` too, and no container spent ``THROTTLED_MAX`` (5%) of the
  run throttled by its CPU quota: no resource was saturated, so a closed loop measured round
  trips, not capacity;
* **cpu-set-bound**: every container was below ``BUSY_MAX`` but the SUT's CPU set was not
  (or a quota throttled a container): the CPUs were full all the same, of time no container
  was charged for (softirqs, the bridge, conntrack) or in quota bursts.

CPU figures come from cgroup ``cpu.stat`` deltas (``cpu_us_per_request``, ``cpu_busy``) where
the run has them, else from the ``docker stats`` averages of older results.
"""

from loadtest.results.schema import Run

GENERATOR_SHARE = 0.70
HEADROOM_MIN = 1 / GENERATOR_SHARE
BUSY_MAX = 0.85
THROTTLED_MAX = 0.05  # share of the run a container may spend throttled by its CPU quota
IDLE_CPU_MAX_PCT = 2.0  # % of one core while idle
ROLES = ("app", "nginx", "generator")

GENERATOR_BOUND = "generator-bound"
LATENCY_BOUND = "latency-bound"
CPU_SET_BOUND = "cpu-set-bound"


def tool(run: Run) -> str:
    return run.get("tool") or run["generator"].get("tool") or "locust"


def headroom(run: Run) -> float | None:
    """Calibrated ceiling / achieved RPS (None without a calibration)."""
    gen = run["generator"]
    if gen.get("headroom") is not None:
        return float(gen["headroom"])
    ceiling = gen.get("ceiling_rps")
    return ceiling / run["rps"] if ceiling and run["rps"] else None


def generator_bound(run: Run) -> bool:
    room = headroom(run)
    return bool(run["generator"]["saturated"]) or (room is not None and room < HEADROOM_MIN)


def generator_reason(run: Run) -> str:
    room = headroom(run)
    if room is not None and room < HEADROOM_MIN:
        return f"{tool(run)} at {1 / room:.0%} of its calibrated ceiling (headroom ×{room:.2f})"
    return f"{tool(run)} saturated"


def busy(run: Run) -> dict[str, float]:
    return {role: float(v) for role, v in (run.get("cpu_busy") or {}).items() if v is not None}


def containers_idle(run: Run) -> bool:
    """Every measured container (app and generator at least) below BUSY_MAX of its CPU set."""
    shares = busy(run)
    if "app" not in shares or "generator" not in shares or generator_bound(run):
        return False
    return all(v < BUSY_MAX for v in shares.values())


def throttled_share(run: Run) -> dict[str, float]:
    """Per container, the share of the run's window it spent throttled by its CPU quota."""
    window = run.get("window_s") or run["duration_s"]
    return {s: t["ms"] / 1000 / window for s, t in (run.get("throttled") or {}).items() if window and t.get("ms")}


def cpu_set_full(run: Run) -> bool:
    """The SUT's CPUs had no idle time to speak of, whoever spent it, or a quota throttled."""
    cpuset = run.get("sut_cpuset") or {}
    full = cpuset.get("busy") is not None and cpuset["busy"] >= BUSY_MAX
    return full or any(v >= THROTTLED_MAX for v in throttled_share(run).values())


def latency_bound(run: Run) -> bool:
    """No resource saturated: every container below BUSY_MAX, and the SUT's CPU set had idle time."""
    return containers_idle(run) and not cpu_set_full(run)


def cpu_set_note(run: Run) -> str:
    """The SUT CPU set's busy share, the kernel share charged to no container, throttling."""
    cpuset, parts = run.get("sut_cpuset") or {}, []
    if cpuset.get("busy") is not None:
        parts.append(
            f"SUT CPU set {cpuset['busy']:.0%} busy, {cpuset.get('unattributed', 0):.0%} charged to no container"
        )
    parts += [f"{s} throttled {v:.0%} of the run" for s, v in throttled_share(run).items() if v >= 0.005]
    return "; ".join(parts)


def likely_cause(run: Run, users: int | None) -> str:
    """Why a closed loop stayed below every CPU's capacity, from Little's law (users = rps × latency)."""
    shares = ", ".join(f"{role} {share:.0%}" for role, share in busy(run).items())
    if note := cpu_set_note(run):
        shares += f"; {note}"
    avg_ms = run["latency_ms"]["avg"]
    if users and avg_ms > 0:
        loop = users / (avg_ms / 1000)
        if run["rps"] and abs(loop / run["rps"] - 1) < 0.25:
            return (
                f"no CPU saturated ({shares}): {users} users × {avg_ms:.1f} ms per round trip allow "
                f"≈ {loop:,.0f} req/s; the time goes to waiting (network hops, the endpoint's own waits), "
                f"so more users, not more CPU, would raise it"
            )
    return f"no CPU saturated ({shares}): time spent outside the measured CPUs (kernel, network, waits)"


def us_per_request(run: Run, role: str) -> float | None:
    value = (run.get("cpu_us_per_request") or {}).get(role)
    return float(value) if value is not None else None


def container_role(service: str) -> str:
    """Classify a compose service as "nginx", "generator" or "app"."""
    name = service.lower()
    if "nginx" in name:
        return "nginx"
    if "locust" in name or "generator" in name or "loadgen" in name or "wrk" in name:
        return "generator"
    return "app"


def cpu_pct(run: Run, role: str) -> float | None:
    """% of one core: cgroup µs/request × RPS where present, else the docker-stats average."""
    us = us_per_request(run, role)
    if us is not None:
        return us * run["rps"] / 10_000
    if role == "generator":
        return run["generator"]["cpu_pct_avg"]
    values = [c["cpu_pct_avg"] for name, c in run["containers"].items() if container_role(name) == role]
    return sum(values) if values else None


def mem_mb(run: Run, role: str) -> float | None:
    values = [c["mem_mb_avg"] for name, c in run["containers"].items() if container_role(name) == role]
    return sum(values) if values else None


def cpu_source(run: Run) -> str:
    return "cgroup" if run.get("cpu_us_per_request") else "docker stats"


def run_labels(run: Run) -> list[str]:
    """Every limit that applies to one run (empty: a clean measurement)."""
    labels = []
    if generator_bound(run):
        labels.append(f"{GENERATOR_BOUND} ({generator_reason(run)})")
    if run["mode"] == "capacity" and latency_bound(run):
        labels.append(LATENCY_BOUND)
    elif run["mode"] == "capacity" and containers_idle(run):
        labels.append(f"{CPU_SET_BOUND} ({cpu_set_note(run)})")
    return labels
