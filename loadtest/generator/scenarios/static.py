"""Static browsing: the page and its assets, served by Nginx (topologies with Nginx only)."""

import re

from locust import task

from loadtest.generator.scenarios.common import CheckedUser

ASSET = re.compile(r'(?:href|src)="(/assets/[^"]+)"')


class StaticUser(CheckedUser):
    def on_start(self):
        page = self.client.get("/")
        self.assets = ASSET.findall(page.text) or []

    @task
    def browse(self):
        self.expect("GET", "/", 200, lambda r: None if "<html" in r.text.lower() else "not the page")
        for asset in self.assets:
            self.expect("GET", asset, 200, name="/assets/*")
