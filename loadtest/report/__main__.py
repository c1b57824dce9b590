"""``python -m loadtest.report RUN_DIR``: regenerate the report without re-running load."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from loadtest.report.render import write_report
from loadtest.results.schema import SchemaError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.report",
        description="Turn RUN_DIR/results.json into RUN_DIR/report.html and RUN_DIR/report.md.",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory containing results.json")
    args = parser.parse_args(argv)
    try:
        paths = write_report(args.run_dir)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(paths["html"])
    print(paths["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
