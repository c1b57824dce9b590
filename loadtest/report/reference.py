"""The reference report: a real default run stored under docs/reference/, and README's answer
table made from it, so the figures README quotes cannot drift from a report anyone can read.

``python -m loadtest.report.reference RUN [SECOND_RUN]`` (``make reference RUN=... [RUN2=...]``)
stores RUN as docs/reference/ (results.json, manifest.json, report.md, charts/, and the Locust
stats CSVs the report checks its figures against) and
SECOND_RUN, the run that checks it, as docs/reference/second-run/ (the same files), then
rewrites the table between the answer-table markers in README and in the docs site's home page.
With ``--check`` it writes nothing and exits 1 if a table is not the one the stored results give.
``make report RUN=docs/reference`` regenerates the stored reports and the table from the stored
results, without new load.
"""

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from loadtest.bundle.paths import ROOT
from loadtest.report import sequential as seq
from loadtest.report.recommend import pct
from loadtest.report.render import write_report
from loadtest.results.schema import Results, SchemaError, load

REFERENCE = ROOT / "docs" / "reference"
SECOND = "second-run"
README = ROOT / "README.md"
DOCS_HOME = ROOT / "docs" / "index.md"  # the docs site's home page shows the same table, its links relative to docs/
START, END = "<!-- answer-table:start -->", "<!-- answer-table:end -->"

# What each component buys, beside what it costs: the part of the answer no load test measures.
BUYS = {
    ("nginx-gunicorn", "nginx-uvicorn"): (
        "worker supervision: only Gunicorn kills a hung worker (after `SERVER_TIMEOUT`), and its draining "
        "worker reloads with no failed request ([resilience](docs/resilience.md))"
    ),
    ("gunicorn", "uvicorn"): "the same supervision, without Nginx in front",
    ("nginx-gunicorn-unix", "gunicorn"): (
        "TLS (HTTP/2, HTTP/3), the static site, rate, body and connection limits, security headers, "
        "failover between replicas ([security](docs/security.md))"
    ),
    ("nginx-gunicorn", "gunicorn"): "the same edge over TCP, which replicas and a remote app need",
    ("nginx-gunicorn-unix", "nginx-gunicorn"): (
        "the socket is the one-host default; TCP is what replicas (`APP_REPLICAS` > 1) or an app on another "
        "host need ([configuration](docs/configuration.md#when-the-app-moves))"
    ),
    ("nginx-gunicorn-asgi", "nginx-gunicorn"): "nothing over UvicornWorker here; it needs Gunicorn ≥ 24",
    ("nginx-granian", "nginx-gunicorn"): (
        "the fault tests (hung worker, reloads, restarts) cover Gunicorn and `uvicorn --workers`, not Granian"
    ),
}
NGINX_TAX = ("nginx-gunicorn-unix", "gunicorn")  # the row that also shows the throughput kept per core


def _verdict(entry: dict) -> str:
    verdict = entry["verdict"]
    if verdict == seq.A_BETTER:
        return f"`{entry['a']}` costs less"
    if verdict == seq.B_BETTER:
        return f"`{entry['b']}` costs less"
    if verdict == seq.EQUIVALENT:
        return f"equal within ±{entry['threshold']:.0%}"
    rounds = f" in {entry['looks'][-1]['round']} rounds" if entry["looks"] else ""
    return f"not decided{rounds} ({entry['stopped']})"


def _effect(entry: dict) -> str:
    if not entry["looks"]:
        return "no look done"
    last = entry["looks"][-1]
    ci = "" if last["ci_low"] != last["ci_low"] else f" ({pct(last['ci_low'])}..{pct(last['ci_high'])})"
    text = f"{pct(last['effect'])}{ci}"
    if (entry["a"], entry["b"]) == NGINX_TAX and last["effect"] > -1:
        text += f", {1 / (1 + last['effect']):.0%} of direct's throughput per core"
    return text


def _cell(entry: dict | None) -> str:
    if entry is None:
        return "not measured"
    return f"{entry['scenario']}: **{_verdict(entry)}**, {_effect(entry)}"


def _by_question(results: Results) -> dict[tuple[str, str, str], dict]:
    return {(e["a"], e["b"], e["scenario"]): e for e in results.get("sequential") or []}


def agreement(first: Results, second: Results) -> tuple[list[str], list[str]]:
    """(comparisons both runs decided alike, comparisons both decided differently)."""
    theirs = _by_question(second)
    same, differ = [], []
    for key, mine in _by_question(first).items():
        other = theirs.get(key)
        if other is None or mine["verdict"] not in seq.DECIDED or other["verdict"] not in seq.DECIDED:
            continue
        (same if mine["verdict"] == other["verdict"] else differ).append(f"{key[0]} vs {key[1]}, {key[2]}")
    return same, differ


def _minutes(results: Results) -> str:
    timing = results.get("timing") or {}
    return f"{timing['took_s'] / 60:.0f} min" if timing.get("took_s") else "? min"


def _run_line(name: str, results: Results) -> str:
    m = results["manifest"]
    return f"{name}: {results['created_at']}, commit {m['git_commit']}, {m['cpu_count']} CPUs, took {_minutes(results)}"


def answer_table(first: Results, second: Results | None) -> str:
    """README's answer: per question, each run's verdict and effect with its CI, and what it buys."""
    mine, theirs = _by_question(first), _by_question(second) if second else {}
    questions: dict[tuple[str, str], list[str]] = {}
    for a, b, scenario in mine:
        questions.setdefault((a, b), []).append(scenario)
    text = {(e["a"], e["b"]): e["question"] for e in first.get("sequential") or []}
    lines = [
        "| question | measured as | run 1: verdict, effect (CI) | run 2: verdict, effect (CI) | what it buys |",
        "|---|---|---|---|---|",
    ]
    for (a, b), scenarios in questions.items():
        run1 = "<br>".join(_cell(mine[(a, b, s)]) for s in scenarios)
        run2 = "<br>".join(_cell(theirs.get((a, b, s))) for s in scenarios) if second else "not run"
        lines.append(f"| {text[(a, b)]} | `{a}` vs `{b}` | {run1} | {run2} | {BUYS.get((a, b), '')} |")
    lines.append("")
    lines.append(f"{_run_line('Run 1', first)}; " + (_run_line("run 2", second) if second else "no second run") + ".")
    if second:
        same, differ = agreement(first, second)
        if differ:
            lines.append(f"The runs disagree on {len(differ)} verdict(s) both decided: {'; '.join(differ)}.")
        else:
            lines.append(f"The two runs agree on every verdict both decided ({len(same)}).")
    return "\n".join(lines)


def _results(run: Path) -> Results:
    return load(run / "results.json")


def _load_second(reference: Path) -> Results | None:
    path = reference / SECOND / "results.json"
    return load(path) if path.exists() else None


def readme_with_table(readme: str, table: str) -> str:
    head, sep, rest = readme.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SchemaError(f"the page has no {START} ... {END} block for the answer table")
    return f"{head}{START}\n{table}\n{END}{tail}"


def expected_pages(reference: Path = REFERENCE, pages: Sequence[Path] = (README, DOCS_HOME)) -> dict[Path, str]:
    """README and the docs home page as they should read with the stored reference's table."""
    table = answer_table(_results(reference), _load_second(reference))
    out = {}
    for page in pages:
        own = table if page.parent == reference.parent.parent else table.replace("](docs/", "](")
        out[page] = readme_with_table(page.read_text(), own)
    return out


def _copy_run(run: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if run.resolve() != dest.resolve():
        shutil.copy2(run / "results.json", dest / "results.json")
        for stats in run.glob("raw/**/*_stats.csv"):  # what the report checks its Locust figures against
            (dest / stats.relative_to(run)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(stats, dest / stats.relative_to(run))
    write_report(dest)  # report.md and charts/, made anew from the stored results
    # The same again with the charts inlined: not stored (the docs site renders report.md).
    (dest / "report.html").unlink()


def store(run: Path, second: Path | None, reference: Path = REFERENCE) -> None:
    """Replace docs/reference/ with RUN (and SECOND_RUN), then write the manifest on its own."""
    first = _results(run)  # refuses an invalid run before anything is replaced
    if second is not None:
        _results(second)
    if reference.exists():
        shutil.rmtree(reference)
    _copy_run(run, reference)
    (reference / "manifest.json").write_text(json.dumps(first["manifest"], indent=2, ensure_ascii=False) + "\n")
    if second is not None:
        _copy_run(second, reference / SECOND)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.report.reference", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, nargs="?", help="a default run to store as the reference")
    parser.add_argument("second", type=Path, nargs="?", help="the run that checks it (stored beside it)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if README's table is stale")
    args = parser.parse_args(argv)
    try:
        if args.run is not None and not args.check and args.run.resolve() != REFERENCE.resolve():
            store(args.run, args.second)
        elif not args.check:  # the stored results again: reports and table made anew
            _copy_run(REFERENCE, REFERENCE)
            if (REFERENCE / SECOND / "results.json").exists():
                _copy_run(REFERENCE / SECOND, REFERENCE / SECOND)
        expected = expected_pages()
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [page for page, text in expected.items() if page.read_text() != text]
    if args.check:
        for page in stale:
            print(f"{page.relative_to(ROOT)}: stale answer table: make report RUN=docs/reference")
        return 1 if stale else 0
    for page in stale:
        page.write_text(expected[page])
    print(f"{REFERENCE.relative_to(ROOT)}: stored; the answer table rewritten in {len(stale)} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
