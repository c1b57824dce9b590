"""Generator ceilings and idle CPU, straight from results.json's v2 fields.

* ``calibration``: each generator's ceiling in req/s against the cheapest target (an Nginx
  location returning 204) on the same network and protocol;
* ``topologies[].idle_cpu_pct``: each service's CPU while idle, before the runs; above
  ``IDLE_CPU_MAX_PCT`` (2% of one core) it is flagged, since it competes with every request.
"""

from dataclasses import dataclass

from loadtest.report.limits import IDLE_CPU_MAX_PCT
from loadtest.results.schema import Results


@dataclass(frozen=True)
class Ceiling:
    name: str
    tool: str
    scheme: str
    target: str
    rps: float
    generator_cpu_pct: float | None
    duration_s: float | None


@dataclass(frozen=True)
class Idle:
    topology: str
    label: str
    upstream: str
    services: dict[str, float]  # service -> % of one core

    @property
    def flagged(self) -> list[str]:
        return [f"{s} {v:.1f}%" for s, v in self.services.items() if v > IDLE_CPU_MAX_PCT]


def ceilings(results: Results) -> list[Ceiling]:
    return [
        Ceiling(name, c["tool"], c["scheme"], c["target"], c["rps"], c.get("generator_cpu_pct"), c.get("duration_s"))
        for name, c in (results.get("calibration") or {}).items()
    ]


def idle(results: Results) -> list[Idle]:
    return [
        Idle(
            name,
            t.get("label") or name,
            t.get("upstream") or ("—" if t["proxy"] == "none" else "not recorded"),
            dict(t["idle_cpu_pct"]),
        )  # fmt: skip
        for name, t in results["topologies"].items()
        if t.get("idle_cpu_pct")
    ]


def idle_notes(results: Results, topologies: set[str]) -> list[str]:
    """Idle CPU above the limit on the given topologies: it competes with every request measured."""
    return [
        f"idle CPU on {row.topology}: {', '.join(row.flagged)} of a core (above {IDLE_CPU_MAX_PCT:g}%)"
        for row in idle(results)
        if row.topology in topologies and row.flagged
    ]
