"""Loaded before a user's own locustfile (``-f user_locustfile.py,/srv/app-locust/theirs.py``),
defining no User class: it makes the user's classes fit the harness without editing them.

* TLS: the topologies serve the bundle's own certificate; the generator measures, it does not
  check trust (the container tests do), so both Locust clients skip verification.
* Fixed-rate runs (TARGET_RPS_PER_USER > 0) pace every User class at that many task runs per
  second, in place of its own wait_time (a task that makes several requests counts once).
"""

import os

from locust import FastHttpUser, constant_throughput, events
from locust.clients import HttpSession  # locust first: gevent patches ssl before urllib3
from urllib3 import disable_warnings
from urllib3.exceptions import InsecureRequestWarning

_RATE = float(os.environ.get("TARGET_RPS_PER_USER", "0") or 0)

FastHttpUser.insecure = True  # subclasses that set it themselves keep their own

_session_init = HttpSession.__init__


def _unverified_session_init(self, *args, **kwargs):
    _session_init(self, *args, **kwargs)
    self.verify = False


HttpSession.__init__ = _unverified_session_init
disable_warnings(InsecureRequestWarning)


@events.init.add_listener
def _pace(environment, **_kw):
    if _RATE <= 0:
        return
    for user_class in environment.user_classes:
        user_class.wait_time = constant_throughput(_RATE)
