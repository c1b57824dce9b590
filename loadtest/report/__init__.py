"""Report generator: ``python -m loadtest.report RUN_DIR`` turns results.json into report.html and report.md."""

from loadtest.report.consistency import check_against_csv
from loadtest.report.render import write_report
from loadtest.results.schema import SchemaError, load

__all__ = ["SchemaError", "check_against_csv", "load", "write_report"]
