"""In the generator container: ``python -m loadtest.generator.appscenario fetch URL OUT`` saves the app's
OpenAPI document (through the topology's target) to OUT; one line on stderr and exit 1 if not."""

import argparse
import json
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path

_TLS = ssl._create_unverified_context()  # the bundle's own certificate; trust is not what is measured


def fetch(url: str, out: Path) -> str | None:
    """Save the document at ``url`` to ``out``; the problem as one line, or None."""
    try:
        with urllib.request.urlopen(url, timeout=30, context=_TLS) as r:
            body = r.read()
    except urllib.error.HTTPError as exc:
        return f"no OpenAPI document at {url}: it answered {exc.code}"
    except (OSError, ValueError) as exc:
        return f"no OpenAPI document at {url}: {exc}"
    try:
        json.loads(body)
    except ValueError:
        return f"{url} did not answer JSON (is it the OpenAPI document?)"
    out.write_bytes(body)
    return None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("url")
    f.add_argument("out", type=Path)
    a = p.parse_args()
    problem = fetch(a.url, a.out)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
