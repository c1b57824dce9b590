"""The load generators the runner drives inside the compose network: Locust (user flows,
fixed-rate runs) and wrk (capacity ceilings). Each returns a run in results.json's terms."""
