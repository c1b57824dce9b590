"""The JSON endpoint (TechEmpower's JSON test): framework and server overhead, nothing else."""

from locust import task

from loadtest.generator.scenarios.common import CheckedUser

EXPECTED = {"message": "Hello, World!"}


class JsonUser(CheckedUser):
    @task
    def json(self):
        self.expect("GET", "/api/work/json", 200, lambda r: None if r.json() == EXPECTED else f"body {r.text[:80]}")
