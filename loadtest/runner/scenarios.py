"""The scenario catalogue: id -> the Locust file and user class that run it, and how the report
names it. Its order is the report's order. A new scenario is a module in loadtest/generator/scenarios/
and one entry here."""

from dataclasses import dataclass

from loadtest.runner.topologies import REFERENCE, Topology


@dataclass(frozen=True)
class Scenario:
    name: str
    locustfile: str  # module file inside the generator image
    user_class: str
    label: str  # short, for tables and charts
    description: str
    needs_nginx: bool = False
    # Static files never reach the app server: measuring them once, on the reference, is enough.
    reference_only: bool = False
    # wrk's arguments after `--` when not its paths for this scenario (generators/wrk.py): a
    # user app's request list, "@/out/wrk-requests.txt" (runner/app.py). None: wrk.paths_for.
    wrk_input: str | None = None
    # Reads items the verifier seeds: a visit that does not verify seeds them again (a stack
    # comes up with an empty store every time).
    needs_seed: bool = False


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "static",
            "static.py",
            "StaticUser",
            "Static files (page + assets via Nginx)",
            "page + assets from Nginx",
            needs_nginx=True,
            reference_only=True,
        ),
        Scenario("api-read", "api_crud.py", "ReadUser", "API read", "list and detail reads", needs_seed=True),
        Scenario("api-write", "api_crud.py", "WriteUser", "API write", "creates"),
        Scenario(
            "api-mixed",
            "api_crud.py",
            "MixedUser",
            "API mixed read/write",
            "weighted reads, writes and JSON",
            needs_seed=True,
        ),
        Scenario("api-json", "api_json.py", "JsonUser", "JSON endpoint", "JSON endpoint (TechEmpower JSON)"),
        Scenario("cpu", "workloads.py", "CpuUser", "CPU-bound endpoint", "CPU-bound (2,000 SHA-256 rounds)"),
        Scenario("io", "workloads.py", "IoUser", "Async I/O endpoint", "awaited 50 ms I/O wait"),
        Scenario("blocking", "workloads.py", "BlockingUser", "Blocking I/O endpoint", "sync endpoint blocking 50 ms"),
    )
}


def catalogue() -> dict[str, dict[str, str]]:
    """results.json's ``scenarios``: every known scenario, in catalogue order."""
    return {s.name: {"label": s.label, "description": s.description} for s in SCENARIOS.values()}


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
