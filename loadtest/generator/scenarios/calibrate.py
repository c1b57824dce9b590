"""Generator calibration: the cheapest request Nginx can answer (204, no body), so what Locust
reaches here is its own ceiling on this network and CPU set (compose/loadtest/calibration.conf)."""

from locust import task

from loadtest.generator.scenarios.common import CheckedUser


class CalibrateUser(CheckedUser):
    @task
    def calibrate(self):
        self.expect("GET", "/calibrate", 204)
