"""The overhead section: ratios of median capacity RPS, each with an explicit target.

A run whose load generator was saturated only gives a lower bound of the server's
capacity.  A ratio with such a run in the numerator is then a lower bound, in the
denominator an upper bound; the verdict says so and only claims what the bound allows.
"""

from dataclasses import dataclass

from loadtest.report.compare import ScenarioResult, TopologyRow

MET, NOT_MET, NOT_MEASURED, INCONCLUSIVE, INFO = "met", "not met", "not measured", "inconclusive", "informational"


@dataclass
class Overhead:
    name: str
    formula: str
    target: str  # human-readable, e.g. ">= 90%"
    measured: float | None
    status: str
    bound: str = "exact"  # "exact", "lower bound", "upper bound" or "unknown"
    caveat: str = ""
    as_percent: bool = True

    @property
    def shown(self) -> str:
        if self.measured is None:
            return "—"
        value = f"{self.measured:.1%}" if self.as_percent else f"{self.measured:.1f}×"
        prefix = {"lower bound": "≥ ", "upper bound": "≤ ", "unknown": "~"}.get(self.bound, "")
        return prefix + value


def _capacity_rows(scenarios: list[ScenarioResult], scenario: str) -> dict[str, TopologyRow]:
    for result in scenarios:
        if result.scenario == scenario and result.mode == "capacity":
            return {row.topology: row for row in result.rows if row.rps}
    return {}


def _rps(row: TopologyRow) -> tuple[float, bool]:
    """Median RPS and whether it is only a lower bound (no unsaturated run)."""
    return row.rps.median, not row.compared


def _bound(num_low: bool, den_low: bool, invert: bool = False) -> str:
    if num_low and den_low:
        return "unknown"
    if num_low or den_low:
        lower = num_low != invert
        return "lower bound" if lower else "upper bound"
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


def _caveat(bound: str, saturated: list[str]) -> str:
    if bound == "exact":
        return ""
    who = ", ".join(saturated)
    if bound == "unknown":
        return f"load generator saturated on both sides ({who}): ratio undetermined"
    return f"load generator saturated ({who}): measured RPS is a lower bound, so the ratio is a {bound}"


def _ratio(name, formula, target_text, op, target, num, den, *, one_minus=False, as_percent=True, info=False):
    """num/den (or 1 - num/den) from two rows; missing rows give "not measured"."""
    if num is None or den is None:
        missing = " and ".join(label for label, row in formula[1] if row is None)
        return Overhead(name, formula[0], target_text, None, NOT_MEASURED, caveat=f"missing: {missing}",
                        as_percent=as_percent)  # fmt: skip
    (n, n_low), (d, d_low) = _rps(num), _rps(den)
    value = 1 - n / d if one_minus else n / d
    bound = _bound(n_low, d_low, invert=one_minus)
    saturated = [row.topology for row, low in ((num, n_low), (den, d_low)) if low]
    status = INFO if info else _status(value, op, target, bound)
    return Overhead(name, formula[0], target_text, value, status, bound, _caveat(bound, saturated), as_percent)


def _static_row(static: dict[str, TopologyRow]) -> tuple[str, TopologyRow | None]:
    if "nginx-gunicorn" in static:
        return "nginx-gunicorn", static["nginx-gunicorn"]
    nginx = sorted(t for t in static if t.startswith("nginx-"))
    return (nginx[0], static[nginx[0]]) if nginx else ("nginx-*", None)


def overheads(scenarios: list[ScenarioResult]) -> list[Overhead]:
    api = _capacity_rows(scenarios, "api-json")
    static = _capacity_rows(scenarios, "static")
    ng, g, nomw, raw = (api.get(t) for t in ("nginx-gunicorn", "gunicorn", "gunicorn-nomw", "gunicorn-raw"))
    static_name, static_row = _static_row(static)
    return [
        _ratio(
            "Proxy tax (Nginx in front)",
            ("RPS(nginx-gunicorn, api-json) / RPS(gunicorn, api-json)",
             [("nginx-gunicorn api-json", ng), ("gunicorn api-json", g)]),
            ">= 90%", ">=", 0.90, ng, g,
        ),
        _ratio(
            "Middleware cost",
            ("1 − RPS(gunicorn, api-json) / RPS(gunicorn-nomw, api-json)",
             [("gunicorn api-json", g), ("gunicorn-nomw api-json", nomw)]),
            "<= 10%", "<=", 0.10, g, nomw, one_minus=True,
        ),
        _ratio(
            "Static vs API",
            (f"RPS({static_name}, static) / RPS(nginx-gunicorn, api-json)",
             [(f"{static_name} static", static_row), ("nginx-gunicorn api-json", ng)]),
            ">= 5×", ">=", 5.0, static_row, ng, as_percent=False,
        ),
        _ratio(
            "Framework cost (share of the raw ASGI ceiling)",
            ("RPS(gunicorn, api-json) / RPS(gunicorn-raw, api-json)",
             [("gunicorn api-json", g), ("gunicorn-raw api-json", raw)]),
            "informational", "", 0.0, g, raw, info=True,
        ),
    ]  # fmt: skip
