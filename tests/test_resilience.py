"""Faults under load, against real containers: each fault x each topology, short versions.

Gunicorn (the prod profile) must meet every target. Direct `uvicorn --workers` is held to the
same targets except where this version of Uvicorn is known not to:
- a hung event loop is never detected (its supervisor pings workers from a separate thread,
  which still answers);
- a worker shutting down (reload, recycling) resets a connection it had accepted but not yet
  read, so now and then one request answers 502 (measured: 1 of 8 recycling runs). The bundle's
  Gunicorn worker drains those first (backend/servers/draining.py); stock Uvicorn is allowed
  that race, and nothing else: every other part of the target must hold.
"""

import pytest

from loadtest.resilience.faults import FAULTS
from loadtest.resilience.matrix import SERVERS, run_one

pytestmark = pytest.mark.containers

NOT_MET_BY_DESIGN = {("hung-worker", "uvicorn")}
SHUTDOWN_RACE = {("reload", "uvicorn"), ("recycling", "uvicorn")}
RACE_MAX_502 = 3
_DECIDING = ("failed_requests", "error_codes", "in_flight", "notes", "lost_items", "duplicated_items", "integrity")


def met_but_for_the_shutdown_race(fault, result) -> bool:
    """A few 502s and nothing else, with every other part of the target met."""
    only_502 = set(result["error_codes"]) <= {"502"} and result["failed_requests"] <= RACE_MAX_502
    return only_502 and bool(fault.met({**result, "failed_requests": 0, "error_codes": {}}))


@pytest.mark.parametrize("server", list(SERVERS))
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_fault(fault, server, certs, tmp_path):
    result = run_one(fault, server, full_length=False, certs=certs, workdir=tmp_path)
    # The fields that decide first: CI output truncates long assertion messages.
    why = {k: result.get(k) for k in _DECIDING} | {"result": result}
    if (fault.name, server) in SHUTDOWN_RACE:
        assert result["met"] or met_but_for_the_shutdown_race(fault, result), why
    else:
        assert result["met"] is ((fault.name, server) not in NOT_MET_BY_DESIGN), why
    if fault.checks_items:
        assert result["lost_items"] == 0 and result["duplicated_items"] == 0, result
        assert result["integrity"] == "ok", result
        assert result["created"] > 0, result  # the load really wrote during the fault
    assert result["requests"] > 100, result  # there was real load to lose


# One short case on Postgres (make test's budget): a worker killed under load loses and
# duplicates nothing there either, and amcheck finds the table and its indexes sound.
@pytest.mark.parametrize("fault", [f for f in FAULTS if f.name == "kill-worker"], ids=lambda f: f.name)
def test_fault_on_postgres(fault, certs, tmp_path):
    result = run_one(fault, "gunicorn", full_length=False, certs=certs, workdir=tmp_path, store="postgres")
    why = {k: result.get(k) for k in _DECIDING} | {"result": result}
    assert result["met"], why
    assert result["lost_items"] == 0 and result["duplicated_items"] == 0, why
    assert result["integrity"] == "ok", why
    assert result["created"] > 0 and result["requests"] > 100, why
