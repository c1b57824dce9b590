"""A user app's request list (``make loadtest APP_DIR=...``): the run's requests.json
(loadtest/generator/appscenario), each request a task weighted as declared, its status checked.

The file is REQUESTS_FILE (default /out/requests.json: the run folder, as the generator mounts it).
"""

import os

from loadtest.generator.appscenario import model
from loadtest.generator.scenarios.common import CheckedUser

REQUESTS_FILE = os.environ.get("REQUESTS_FILE", "/out/requests.json")


def _task(r: model.Request):
    kw = {"headers": r.headers} if r.headers else {}
    if r.body is not None:
        kw["json"] = r.body

    def call(user):
        user.expect(r.method, r.path, r.expect, name=r.label, **kw)

    call.__name__ = f"{r.method.lower()} {r.label}"
    return call


def user_class(requests: list[model.Request]) -> type:
    """A CheckedUser whose tasks are the requests, with their weights."""
    tasks = {_task(r): r.weight for r in requests}
    return type("RequestListUser", (CheckedUser,), {"tasks": tasks, "__module__": __name__})


RequestListUser = user_class(model.load(REQUESTS_FILE)) if os.path.exists(REQUESTS_FILE) else None
if RequestListUser is None:  # imported outside a run (a test, the catalogue): no User class
    del RequestListUser
