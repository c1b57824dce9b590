"""The items API: reads (list, detail), writes (create), and a weighted mix of both."""

import random

from locust import task

from loadtest.generator.scenarios.common import CheckedUser

SEEDED = 50  # the runner's verifier creates this many items before any measurement


def _page(r):
    body = r.json()
    return None if isinstance(body.get("items"), list) and body["items"] else "empty page"


def _item(r):
    return None if isinstance(r.json().get("id"), int) else "no id"


class ReadUser(CheckedUser):
    @task(1)
    def list_items(self):
        self.expect("GET", "/api/items?limit=20", 200, _page, name="/api/items")

    @task(3)
    def get_item(self):
        self.expect("GET", f"/api/items/{random.randint(1, SEEDED)}", 200, _item, name="/api/items/{id}")


class WriteUser(CheckedUser):
    @task
    def create(self):
        self.expect("POST", "/api/items", 201, _item, json={"name": "load", "description": "written by locust"})


class MixedUser(CheckedUser):
    """What an API usually sees: mostly reads, some writes, some cheap calls."""

    @task(5)
    def get_item(self):
        self.expect("GET", f"/api/items/{random.randint(1, SEEDED)}", 200, _item, name="/api/items/{id}")

    @task(2)
    def list_items(self):
        self.expect("GET", "/api/items?limit=20", 200, _page, name="/api/items")

    @task(2)
    def json(self):
        self.expect("GET", "/api/work/json", 200, name="/api/work/json")

    @task(1)
    def create(self):
        self.expect("POST", "/api/items", 201, _item, json={"name": "mixed"})
