"""What a measured window cost each component, from cumulative cgroup CPU counters
(cgroup.Watch): CPU µs per completed request and busy share of each CPU set, plus the
generator's headroom against its calibrated ceiling. Whether that headroom makes a run
generator-bound is the report's call (loadtest/report/limits.py holds the threshold)."""

from loadtest.runner.cgroup import Watch, busy_share, per_request_us

SERVICES = ("app", "nginx", "generator")
SATURATION = 0.90  # generator CPU above this share of its CPU set: its numbers are a floor
# Nginx on the generator's CPU set (x-topology nginx_cpus: generator): the generator and Nginx
# together above this share of that set, and the generator may have waited for the CPU.
SHARED_SATURATION = 0.85


def generator_share(gen_pct_max: float, generator_cpus: int, nginx_busy: float | None = None) -> tuple[float, float]:
    """(the generator's CPU set's busy share, its saturation threshold): the generator's peak
    share, plus Nginx's busy share where Nginx runs on the same set (``nginx_busy``)."""
    share = gen_pct_max / (100 * generator_cpus)
    if nginx_busy is None:
        return share, SATURATION
    return share + nginx_busy, SHARED_SATURATION


def headroom(ceiling_rps: float | None, rps: float) -> float | None:
    """How many times the run's throughput the generator could have driven (None if unknown)."""
    if not ceiling_rps or rps <= 0:
        return None
    return round(ceiling_rps / rps, 2)


def locust_window(history_ts: list[int], started: float, ended: float) -> tuple[float, float]:
    """The steady part of a Locust run in host time. Locust's history rows are written once a
    second while the users run, stamped with the whole second (the floor of when they were
    written), so [first + 1, last] lies inside the measured phase. With under a second of that,
    [first + 0.5, last + 0.5] (rows written mid-second on average); with a single row, the whole
    command (an overestimate: it includes start-up and shutdown)."""
    if len(history_ts) >= 2:
        t0, t1 = history_ts[0] + 1.0, float(history_ts[-1])
        if t1 - t0 < 1.0:
            t0, t1 = history_ts[0] + 0.5, history_ts[-1] + 0.5
        t0, t1 = max(t0, started), min(t1, ended)
        if t1 > t0:
            return t0, t1
    return started, ended


def wrk_window(generator_span: tuple[float, float] | None, measured_s: float, started: float, ended: float):
    """wrk loads from the moment its container starts for ``measured_s`` seconds: the window
    starts at the first reading of the generator container's counter (or, without one, ends
    with the command)."""
    if generator_span is not None:
        start = generator_span[0]
        return start, min(start + measured_s, max(ended, start + measured_s))
    return max(started, ended - measured_s), ended


def component_costs(watch: Watch, services: list[str], window: tuple[float, float], rps: float,
                    cpus: dict[str, int], generator_on_sut: bool = False,
                    off_sut: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """cpu_us_per_request / cpu_busy per service, and the per-container stats results.json keeps
    (``containers`` for the system under test, ``generator`` usage separately); with the
    watch's CPU set sampled, ``sut_cpuset``: its time shares (/proc/stat) and ``unattributed``,
    the busy share no container on it was charged for (kernel work: softirqs, the bridge,
    conntrack; ``off_sut``: services on another CPU set, not charged to it); ``throttled``: each
    container's CPU-quota throttling."""
    t0, t1 = window
    seconds = max(t1 - t0, 1e-9)
    requests = rps * seconds
    per_request: dict[str, float | None] = {s: None for s in SERVICES}
    busy: dict[str, float | None] = {}
    usage: dict[str, dict] = {}
    for service in [*services, "generator"]:
        if service not in watch.series:
            continue
        u = watch.usage(service, t0, t1)
        cpu_ns = u.pop("cpu_ns") if u["samples"] else None
        per_request[service] = per_request_us(cpu_ns, requests)
        busy[service] = busy_share(cpu_ns, seconds, cpus.get(service, 1))
        usage[service] = u
    out = {
        "cpu_us_per_request": per_request,
        "cpu_busy": {k: v for k, v in busy.items() if v is not None},
        "usage": usage,
        "window_s": round(seconds, 2),
    }
    cpuset = watch.cpuset_busy(t0, t1)
    if cpuset is not None:
        on_set = [s for s in ([*services, "generator"] if generator_on_sut else services) if s not in off_sut]
        charged = sum(busy[s] * cpus.get(s, 1) / len(watch.cpus) for s in on_set if busy.get(s) is not None)
        out["sut_cpuset"] = {**cpuset, "unattributed": round(max(0.0, cpuset["busy"] - charged), 3)}
    throttled = {s: t for s in [*services, "generator"] if s in watch.series and (t := watch.throttled(s, t0, t1))}
    if throttled:
        out["throttled"] = throttled
    return out
