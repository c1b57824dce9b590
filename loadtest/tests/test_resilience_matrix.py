"""Resilience rows and load-test runs share one report, so a topology name means one set-up in
both: the bundle behind Nginx, named as the load test's topology files name it."""

import pytest

from loadtest.resilience.matrix import SERVERS, topology_name
from loadtest.runner import topologies

# What the resilience runs use: every server on SQLite (run_all), Gunicorn on Postgres (the tests).
RUNS = [(server, "sqlite") for server in SERVERS] + [("gunicorn", "postgres")]


@pytest.mark.parametrize(("server", "store"), RUNS)
def test_a_resilience_topology_is_the_load_test_topology_of_that_name(server, store):
    t = topologies.discover()[topology_name(server, store)]
    assert (t.proxy, t.server, t.store) == ("nginx", server, store)
