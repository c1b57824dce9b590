"""A user app's load-test scenario as one list of requests (``make loadtest APP_DIR=...``).

Sources, in order of precedence (``sources.resolve``): the user's own locustfile (LOCUSTFILE,
used as it is: no request list), a declarative list in the project (``APP_DIR/loadtest.toml``,
``loadtest.yaml`` or ``loadtest.yml``: ``declared``), else the app's OpenAPI document
(``openapi``: every GET operation that needs no input the document cannot give). Whatever the
source, the run fixes the list once, in the run folder as ``requests.json`` (``model``), and
Locust (loadtest/generator/scenarios/request_list.py), wrk (``wrk``: loadtest/generator/wrk/report.lua's input) and
the verifier all read that one file.

Runs inside the generator image too (stdlib only; YAML is read on the host, with PyYAML).
Bad input raises :class:`ScenarioError`, whose message is one line naming the problem.
"""

from loadtest.generator.appscenario.model import Request, ScenarioError

__all__ = ["Request", "ScenarioError"]
