"""Workload shapes: CPU-bound, awaited I/O, and the blocking-sync-endpoint pitfall."""

from locust import task

from loadtest.generator.scenarios.common import CheckedUser


class CpuUser(CheckedUser):
    @task
    def cpu(self):
        self.expect(
            "GET",
            "/api/work/cpu?iterations=2000",
            200,
            lambda r: None if len(r.json()["digest"]) == 64 else "no digest",
            name="/api/work/cpu",
        )


class IoUser(CheckedUser):
    @task
    def io(self):
        self.expect(
            "GET",
            "/api/work/io?ms=50",
            200,
            lambda r: None if r.json() == {"waited_ms": 50} else "wrong wait",
            name="/api/work/io",
        )


class BlockingUser(CheckedUser):
    """Each request holds one threadpool thread for 50 ms: past 40 in flight per worker, requests queue."""

    @task
    def blocking(self):
        self.expect(
            "GET",
            "/api/work/blocking?ms=50",
            200,
            lambda r: None if r.json() == {"waited_ms": 50} else "wrong wait",
            name="/api/work/blocking",
        )
