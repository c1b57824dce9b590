"""The overhead ratios, each with an explicit target, measured with the generator that had most headroom.

Where a topology and scenario were measured by two tools (Locust and wrk), a ratio uses the
tool whose runs had the most headroom below its calibrated ceiling (the lower of the two
sides), and says which tool and what headroom.

A side whose runs were all generator-bound only gives a lower bound of the server's capacity.
A ratio with such a side in the numerator is then a lower bound, in the denominator an upper
bound; the status only claims what the bound allows.

The proxy tax is stated three ways: throughput retained with Nginx and the app on the same
CPU budget, throughput retained with Nginx on its own CPU set (a topology whose
``nginx_cpus`` differs from its ``app_cpus``), and Nginx's CPU per request as a share of the
app's.  Where a target is not met, the measured component costs say what stood in the way.
"""

from dataclasses import dataclass, field

from loadtest.report import stats
from loadtest.report.compare import ScenarioResult, TopologyRow, label_of
from loadtest.report.goals import NGINX_SHARE_MAX
from loadtest.report.questions import (
    DIRECT,
    NO_METRICS,
    NO_MIDDLEWARE,
    PROXIED,
    PROXIED_PROD,
    RAW_ASGI,
    STATIC_SCENARIO,
    api_scenario,
)
from loadtest.results.schema import Results

MET, NOT_MET, NOT_MEASURED, INCONCLUSIVE, INFO = "met", "not met", "not measured", "inconclusive", "informational"
INDICATIVE = "indicative"  # QUICK: the figure only, never met / not met

PROXY_EQUAL, PROXY_OWN, PROXY_CPU = (
    "Proxy tax, equal CPU budget", "Proxy tax, Nginx on its own CPU", "Nginx CPU per request, share of the app's",
)  # fmt: skip
MIDDLEWARE, STATIC, FRAMEWORK = "Middleware cost", "Static vs API", "Framework cost (share of the raw ASGI ceiling)"
METRICS = "Metrics cost"


@dataclass
class Overhead:
    name: str
    formula: str
    target: str  # human-readable, e.g. ">= 80%"
    measured: float | None
    status: str
    bound: str = "exact"  # "exact", "lower bound", "upper bound" or "unknown"
    caveat: str = ""
    as_percent: bool = True
    tool: str | None = None
    headroom: float | None = None
    label: str = stats.NOT_ENOUGH
    comparison: stats.Comparison | None = None
    rows: tuple[TopologyRow, ...] = ()
    limits: list[str] = field(default_factory=list)
    obstacle: str = ""  # what stood in the way of a target that was not met

    @property
    def shown(self) -> str:
        if self.measured is None:
            return "—"
        value = f"{self.measured:.1%}" if self.as_percent else f"{self.measured:.1f}×"
        prefix = {"lower bound": "≥ ", "upper bound": "≤ ", "unknown": "~"}.get(self.bound, "")
        return prefix + value

    @property
    def measured_with(self) -> str:
        if not self.tool:
            return ""
        room = f", headroom ×{self.headroom:.1f}" if self.headroom else ", headroom not calibrated"
        return f"{self.tool}{room}"


def _capacity(scenarios: list[ScenarioResult], scenario: str) -> dict[tuple[str, str], TopologyRow]:
    for result in scenarios:
        if result.scenario == scenario and result.mode == "capacity":
            return {(row.topology, row.tool): row for row in result.rows if row.rps}
    return {}


def _pick(*sides: tuple[dict[tuple[str, str], TopologyRow], str]) -> tuple[TopologyRow | None, ...]:
    """The rows for (scenario rows, topology) sides, all with the tool that had most headroom."""
    tools = set.intersection(*({tool for (t, tool) in rows if t == name} for rows, name in sides)) if sides else set()
    if not tools:
        return tuple(rows.get((name, "locust")) for rows, name in sides)

    def room(tool: str) -> tuple[float, bool]:
        values = [rows[(name, tool)].headroom for rows, name in sides]
        return (min(v if v is not None else 0.0 for v in values), tool != "locust")

    best = max(sorted(tools), key=room)
    return tuple(rows[(name, best)] for rows, name in sides)


def _bound(num_low: bool, den_low: bool, invert: bool = False) -> str:
    if num_low and den_low:
        return "unknown"
    if num_low or den_low:
        return "lower bound" if num_low != invert else "upper bound"
    return "exact"


def _status(value: float, op: str, target: float, bound: str) -> str:
    meets = value >= target if op == ">=" else value <= target
    if bound == "exact":
        return MET if meets else NOT_MET
    # A lower bound that meets ">=" still meets it; an upper bound that meets "<=" still meets it.
    if (bound == "lower bound" and op == ">=") or (bound == "upper bound" and op == "<="):
        return MET if meets else INCONCLUSIVE
    if (bound == "lower bound" and op == "<=") or (bound == "upper bound" and op == ">="):
        return NOT_MET if not meets else INCONCLUSIVE
    return INCONCLUSIVE


def _caveat(bound: str, bounded: list[str]) -> str:
    if bound == "exact":
        return ""
    who = ", ".join(bounded)
    if bound == "unknown":
        return f"generator-bound on both sides ({who}): ratio undetermined"
    return f"generator-bound ({who}): measured RPS is a lower bound, so the ratio is a {bound}"


def _ratio(name, formula, target_text, op, target, num, den, *, quick, one_minus=False, as_percent=True, info=False):
    """num/den (or 1 - num/den) of median RPS from two rows; missing rows give "not measured"."""
    text, sides = formula
    if num is None or den is None:
        missing = " and ".join(label for label, row in sides if row is None)
        return Overhead(name, text, target_text, None, NOT_MEASURED, caveat=f"missing: {missing}",
                        as_percent=as_percent)  # fmt: skip
    n_low, d_low = not num.compared, not den.compared
    value = 1 - num.rps.median / den.rps.median if one_minus else num.rps.median / den.rps.median
    bound = _bound(n_low, d_low, invert=one_minus)
    bounded = [row.key for row, low in ((num, n_low), (den, d_low)) if low]
    status = INFO if info else _status(value, op, target, bound)
    rooms = [r.headroom for r in (num, den) if r.headroom is not None]
    comparison = stats.compare(
        [r["rps"] for r in (num.compared or num.runs)], [r["rps"] for r in (den.compared or den.runs)], quick=quick
    )
    label, notes = label_of(comparison, (num, den), "capacity")
    return Overhead(
        name, text, target_text, value, status, bound, _caveat(bound, bounded), as_percent,
        tool=num.tool, headroom=min(rooms) if rooms else None, label=label, comparison=comparison,
        rows=(num, den), limits=notes,
    )  # fmt: skip


def _us(row: TopologyRow | None, attr: str) -> str:
    value = getattr(row, attr, None) if row else None
    return f"{value:,.0f} µs" if value is not None else "not measured"


def _proxy_obstacle(ng: TopologyRow | None, g: TopologyRow | None) -> str:
    """Component costs: why an equal CPU budget keeps less than the target."""
    if not ng or ng.us_app is None or ng.us_nginx is None:
        return "no per-component CPU figures (cpu_us_per_request) for this run"
    text = f"per request, Nginx costs {_us(ng, 'us_nginx')} and the app {_us(ng, 'us_app')} behind Nginx"
    if g and g.us_app:
        expected = g.us_app / (ng.us_app + ng.us_nginx)
        text += (
            f" vs {_us(g, 'us_app')} direct: on one shared budget that predicts {expected:.0%} retained "
            f"(direct µs / (app + Nginx µs))"
        )
    return text


def _own_cpu_topology(results: Results | None, api: dict) -> str | None:
    """A proxied Gunicorn topology whose Nginx has its own CPU set (``nginx_cpus`` set, not ``app_cpus``)."""
    topologies = (results or {}).get("topologies", {})
    for name, t in topologies.items():
        own = t.get("nginx_cpus")
        if own and own != t.get("app_cpus") and t.get("proxy") == "nginx" and t.get("server") == "gunicorn":
            if any(key[0] == name for key in api):
                return name
    return None


def _cpu_share(ng: TopologyRow | None, proxied: str, api: str) -> Overhead:
    formula = f"µs/request(nginx) / µs/request(app), {proxied} {api}"
    target = f"<= {NGINX_SHARE_MAX:.0%}"
    if not ng or ng.us_app is None or ng.us_nginx is None:
        return Overhead(PROXY_CPU, formula, target, None, NOT_MEASURED,
                        caveat=f"missing: cpu_us_per_request for {proxied} {api}")  # fmt: skip
    value = ng.us_nginx / ng.us_app
    item = Overhead(
        PROXY_CPU, formula, target, value, MET if value <= NGINX_SHARE_MAX else NOT_MET,
        tool=ng.tool, headroom=ng.headroom, label=stats.DECIDED, rows=(ng,),
    )  # fmt: skip
    if item.status == NOT_MET:
        item.obstacle = f"Nginx {_us(ng, 'us_nginx')} vs app {_us(ng, 'us_app')} per proxied request"
    return item


def overheads(scenarios: list[ScenarioResult], results: Results | None = None) -> list[Overhead]:
    quick = bool(results and results["manifest"]["settings"].get("quick"))
    api_name = api_scenario(s.scenario for s in scenarios if s.mode == "capacity")  # api-json, or a user app's
    api, static = _capacity(scenarios, api_name), _capacity(scenarios, STATIC_SCENARIO)
    # The prod profile's path (unix socket) where it was measured, else Nginx -> Gunicorn over TCP.
    proxied = PROXIED_PROD if any(t == PROXIED_PROD for t, _ in api) else PROXIED
    ng, g = _pick((api, proxied), (api, DIRECT))
    own_name = _own_cpu_topology(results, api)
    own, g_own = _pick((api, own_name), (api, DIRECT)) if own_name else (None, g)
    g_mw, nomw = _pick((api, DIRECT), (api, NO_MIDDLEWARE))
    g_fw, raw = _pick((api, DIRECT), (api, RAW_ASGI))
    g_met, nomet = _pick((api, DIRECT), (api, NO_METRICS))
    static_name = (
        PROXIED
        if any(t == PROXIED for t, _ in static)
        else next((t for t, _ in sorted(static) if t.startswith("nginx")), "nginx-*")
    )
    static_row, api_row = _pick((static, static_name), (api, proxied))
    items = [
        _ratio(PROXY_EQUAL, (f"RPS({proxied}) / RPS({DIRECT}), {api_name}",
                             [(f"{proxied} {api_name}", ng), (f"{DIRECT} {api_name}", g)]),
               ">= 80%", ">=", 0.80, ng, g, quick=quick),
        _ratio(PROXY_OWN, (f"RPS({own_name or 'Nginx on its own CPU set'}) / RPS({DIRECT}), {api_name}",
                           [("a topology with topologies[].nginx_cpus != app_cpus", own), (DIRECT, g_own)]),
               ">= 100%", ">=", 1.0, own, g_own, quick=quick),
        _cpu_share(ng, proxied, api_name),
        _ratio(MIDDLEWARE, (f"1 − RPS({DIRECT}) / RPS({NO_MIDDLEWARE}), {api_name}",
                            [(f"{DIRECT} {api_name}", g_mw), (f"{NO_MIDDLEWARE} {api_name}", nomw)]),
               "<= 10%", "<=", 0.10, g_mw, nomw, quick=quick, one_minus=True),
        _ratio(STATIC, (f"RPS({static_name}, {STATIC_SCENARIO}) / RPS({proxied}, {api_name})",
                        [(f"{static_name} {STATIC_SCENARIO}", static_row), (f"{proxied} {api_name}", api_row)]),
               ">= 5×", ">=", 5.0, static_row, api_row, quick=quick, as_percent=False),
        _ratio(FRAMEWORK, (f"RPS({DIRECT}) / RPS({RAW_ASGI}), {api_name}",
                           [(f"{DIRECT} {api_name}", g_fw), (f"{RAW_ASGI} {api_name}", raw)]),
               "informational", "", 0.0, g_fw, raw, quick=quick, info=True),
        _ratio(METRICS, (f"1 − RPS({DIRECT}) / RPS({NO_METRICS}), {api_name}",
                         [(f"{DIRECT} {api_name}", g_met), (f"{NO_METRICS} {api_name}", nomet)]),
               "<= 5%", "<=", 0.05, g_met, nomet, quick=quick, one_minus=True),
    ]  # fmt: skip
    for item in items[:2]:
        if item.status in (NOT_MET, INCONCLUSIVE):
            item.obstacle = _proxy_obstacle(item.rows[0] if item.rows else ng, g)
    if items[3].status in (NOT_MET, INCONCLUSIVE) and g_mw and nomw and g_mw.us_app and nomw.us_app:
        items[3].obstacle = f"app {_us(g_mw, 'us_app')} per request with the middleware, {_us(nomw, 'us_app')} without"
    if items[6].status in (NOT_MET, INCONCLUSIVE) and g_met and nomet and g_met.us_app and nomet.us_app:
        items[6].obstacle = f"app {_us(g_met, 'us_app')} per request with metrics, {_us(nomet, 'us_app')} without"
    if quick:  # a smoke run claims no target either way
        for item in items:
            if item.status in (MET, NOT_MET, INCONCLUSIVE):
                item.status, item.label, item.obstacle = INDICATIVE, stats.INDICATIVE, ""
    return items


def by_name(items: list[Overhead]) -> dict[str, Overhead]:
    return {item.name: item for item in items}
