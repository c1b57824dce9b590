"""Report generator: ``python -m loadtest.report RUN_DIR`` turns results.json into report.html and report.md.

Modules, in the order the report uses them: ``catalogue`` (labels and order from results.json),
``questions`` (the topology pairs each question compares), ``limits`` (generator-bound,
latency-bound, CPU per request), ``stats`` (repetitions, the smallest attainable p, verdicts),
``compare`` (rows per topology and tool, pairs), ``overhead`` (proxy tax three ways, middleware,
static vs API), ``cards`` (one answer card per question), ``resources`` (generator ceilings,
idle CPU), ``fault_rows`` (resilience rows), ``recommend`` (sentences), ``charts``, ``consistency``
(raw Locust CSVs), ``render`` (templates), ``run_folder`` (results.json and the report in a run's folder).
"""

from loadtest.report.consistency import check_against_csv
from loadtest.report.render import write_report
from loadtest.results.schema import SchemaError, load

__all__ = ["SchemaError", "check_against_csv", "load", "write_report"]
