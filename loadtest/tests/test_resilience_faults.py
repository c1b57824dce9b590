"""The one fault runner (resilience/matrix.py run_fault, faults.Fault.run): what a fault
prepares before the load, injects under it and adds after it, in the resilience table's entry;
the Swarm updates are faults of that runner (resilience/swarm_updates.py)."""

import time

from loadtest.report.fault_rows import fault_row
from loadtest.resilience import swarm_updates
from loadtest.resilience.faults import Fault
from loadtest.resilience.load import Outcome
from loadtest.resilience.matrix import HELD_TO_TARGETS, run_fault, targets_met


class _Driver:
    """The load: what the clients saw, one request before and one after the fault."""

    def __init__(self, failed_after: bool):
        self.failed_after = failed_after

    def start(self):
        self.t = time.monotonic()
        return self

    def stop(self):
        now = time.monotonic()
        return [Outcome(self.t, self.t + 0.01, "health", 200),
                Outcome(now, now + 0.01, "health", 502 if self.failed_after else 200)]  # fmt: skip


class _Probe(Fault):
    name, title, target = "probe", "A fault that records its calls", "no failed request"
    lengths = {False: (0, 0), True: (0, 0)}

    def __init__(self, failed_after: bool = False):
        self.calls, self.failed_after = [], failed_after

    def driver(self, stack, full_length):
        self.calls.append("load")
        return _Driver(self.failed_after)

    def prepare(self, stack, full_length):
        self.calls.append("prepare")
        return {"token": 7}

    def inject(self, stack, full_length, token):
        self.calls.append(("inject", token))
        return {"notes": "injected"}

    def afterwards(self, stack, result, token):
        self.calls.append(("afterwards", token, result["requests"]))
        return {"seen_after": True}

    def met(self, r):
        return r["failed_requests"] == 0


def test_a_fault_prepares_before_the_load_and_adds_what_it_saw_after_it():
    fault = _Probe()
    entry = run_fault(fault, object(), False, "nginx-gunicorn")
    assert fault.calls == ["prepare", "load", ("inject", 7), ("afterwards", 7, 2)]
    assert {k: entry[k] for k in ("scenario", "title", "topology", "target", "met", "seen_after", "notes")} == {
        "scenario": "probe", "title": fault.title, "topology": "nginx-gunicorn", "target": fault.target,
        "met": True, "seen_after": True, "notes": "injected",
    }  # fmt: skip
    assert entry["lost_items"] is None  # this fault does not check the store
    row = fault_row(entry)  # the report's fault row reads it
    assert (row.scenario, row.failed_requests, row.met) == ("probe", 0, True)


def test_a_failure_after_the_fault_fails_its_target():
    entry = run_fault(_Probe(failed_after=True), object(), False, "nginx-gunicorn")
    assert entry["failed_requests"] == 1 and entry["error_codes"] == {"502": 1} and not entry["met"]


def _update(state: str, after: str, failed: int = 0, integrity: str = "ok") -> dict:
    return {"update_state": state, "image_before": "app:old", "image_rolled_out": "app:new", "image_after": after,
            "failed_requests": failed, "lost_items": 0, "duplicated_items": 0, "integrity": integrity}  # fmt: skip


def test_swarm_updates_are_faults_met_only_when_swarm_ends_where_it_should():
    rolling, unhealthy = swarm_updates.ROLLING_UPDATE, swarm_updates.UNHEALTHY_UPDATE
    assert swarm_updates.SWARM_FAULTS == [rolling, unhealthy] and all(
        isinstance(f, Fault) for f in (rolling, unhealthy)
    )
    assert rolling.met(_update("completed", "app:new"))
    assert not rolling.met(_update("completed", "app:old"))  # converged, but on the old image
    assert not rolling.met(_update("rollback_completed", "app:old"))
    assert not rolling.met(_update("completed", "app:new", failed=1))
    assert unhealthy.met(_update("rollback_completed", "app:old"))
    assert not unhealthy.met(_update("completed", "app:new"))  # Swarm kept an image whose healthcheck fails
    assert not unhealthy.met(_update("rollback_completed", "app:old", integrity="corrupt"))
    assert (rolling.name, unhealthy.name) == ("swarm-rolling-update", "swarm-unhealthy-update")
    assert swarm_updates.topology("postgres") == "swarm (postgres)"


def test_the_prod_topology_and_swarm_are_held_to_their_targets_uvicorn_is_measured_only():
    def entry(topology, met):
        return {"topology": topology, "met": met}

    assert targets_met([entry(HELD_TO_TARGETS, True), entry("nginx-uvicorn", False), entry("swarm (sqlite)", True)])
    assert not targets_met([entry(HELD_TO_TARGETS, False)])
    assert not targets_met([entry(swarm_updates.topology("postgres"), False)])
