"""Names, labels and order of topologies and scenarios, as results.json states them.

Labels come from ``topologies[name].label`` and ``scenarios[name].label`` (the runner copies
them from the topology files and the scenario catalogue); a name without one is its own label.
Scenarios are ordered as ``scenarios`` lists them, topologies (and their colours) by order of
appearance in ``topologies``, then in ``runs``.
"""

from dataclasses import dataclass, field

from loadtest.results.schema import Results


@dataclass(frozen=True)
class Catalogue:
    topology_labels: dict[str, str] = field(default_factory=dict)
    scenario_labels: dict[str, str] = field(default_factory=dict)
    topology_order: tuple[str, ...] = ()
    scenario_order: tuple[str, ...] = ()

    @classmethod
    def of(cls, results: Results) -> "Catalogue":
        topologies = results.get("topologies", {})
        scenarios = results.get("scenarios") or {}
        runs = results.get("runs", [])
        order = list(topologies)
        order += [t for t in dict.fromkeys(r["topology"] for r in runs) if t not in topologies]
        scenario_order = list(scenarios)
        scenario_order += [s for s in dict.fromkeys(r["scenario"] for r in runs) if s not in scenarios]
        return cls(
            {name: t.get("label") or name for name, t in topologies.items()},
            {name: (s or {}).get("label") or name for name, s in scenarios.items()},
            tuple(order),
            tuple(scenario_order),
        )

    def topology_label(self, name: str) -> str:
        return self.topology_labels.get(name, name)

    def scenario_label(self, name: str) -> str:
        return self.scenario_labels.get(name, name)

    def scenario_key(self, name: str) -> tuple[int, str]:
        order = self.scenario_order
        return (order.index(name) if name in order else len(order), name)

    def colour_index(self, topology: str) -> int:
        order = self.topology_order
        return order.index(topology) if topology in order else len(order) + sum(map(ord, topology))
