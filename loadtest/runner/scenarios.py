"""Scenario ids -> the Locust file and user class that run them."""

from dataclasses import dataclass

from loadtest.runner.topologies import REFERENCE, Topology


@dataclass(frozen=True)
class Scenario:
    name: str
    locustfile: str  # module file inside the generator image
    user_class: str
    needs_nginx: bool = False
    description: str = ""
    # Static files never reach the app server: measuring them once, on the reference, is enough.
    reference_only: bool = False


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("api-json", "api_json.py", "JsonUser", description="JSON endpoint (TechEmpower JSON)"),
        Scenario(
            "static",
            "static.py",
            "StaticUser",
            needs_nginx=True,
            reference_only=True,
            description="page + assets from Nginx",
        ),
        Scenario("api-read", "api_crud.py", "ReadUser", description="list and detail reads"),
        Scenario("api-write", "api_crud.py", "WriteUser", description="creates"),
        Scenario("api-mixed", "api_crud.py", "MixedUser", description="weighted reads, writes and JSON"),
        Scenario("cpu", "workloads.py", "CpuUser", description="CPU-bound (2,000 SHA-256 rounds)"),
        Scenario("io", "workloads.py", "IoUser", description="awaited 50 ms I/O wait"),
        Scenario("blocking", "workloads.py", "BlockingUser", description="sync endpoint blocking 50 ms"),
    )
}


def applies(scenario: Scenario, topology: Topology) -> bool:
    if scenario.needs_nginx and not topology.nginx:
        return False
    if scenario.reference_only and topology.name != REFERENCE:
        return False
    return topology.scenarios is None or scenario.name in topology.scenarios


def select(names: list[str] | None) -> list[Scenario]:
    names = names or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    return [SCENARIOS[n] for n in dict.fromkeys(names)]
