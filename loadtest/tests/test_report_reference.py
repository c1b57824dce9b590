"""The reference report under docs/reference/ and README's answer table made from it."""

import copy
import json

import pytest

from loadtest.report import reference
from loadtest.report import sequential as seq
from loadtest.results.schema import SchemaError, load
from loadtest.tests.data.sample import build_default_results, write_run_dir

README = "# title\n\nintro\n\n<!-- answer-table:start -->\nold\n<!-- answer-table:end -->\n\nrest\n"


def test_the_table_has_each_question_with_its_verdict_effect_and_interval():
    table = reference.answer_table(build_default_results(), None)
    rows = [line for line in table.splitlines() if line.startswith("| Do I")]
    assert len(rows) == 2
    nginx, gunicorn = rows
    assert "`nginx-gunicorn` vs `gunicorn`" in nginx and "**`gunicorn` costs less**" in nginx
    assert "+118" in nginx and ".." in nginx  # the effect and its interval
    assert "not decided in 3 rounds (planned looks done)" in gunicorn  # said, not hidden
    assert "worker supervision" in gunicorn  # what the component buys
    assert "Run 1: 2026-11-21T13:00:00Z, commit 0123456789ab" in table and "no second run" in table


def test_the_nginx_tax_row_says_the_throughput_kept_per_core():
    results = build_default_results()
    results["sequential"][0] |= {"a": "nginx-gunicorn-unix", "b": "gunicorn"}
    effect = results["sequential"][0]["looks"][-1]["effect"]
    table = reference.answer_table(results, None)
    assert f"{1 / (1 + effect):.0%} of direct's throughput per core" in table


def test_two_runs_that_agree_are_said_to_agree():
    first = build_default_results()
    table = reference.answer_table(first, copy.deepcopy(first))
    assert "The two runs agree on every verdict both decided (1)." in table


def test_a_verdict_that_flips_between_runs_is_named():
    first = build_default_results()
    second = copy.deepcopy(first)
    decided = next(e for e in second["sequential"] if e["verdict"] in seq.DECIDED)
    decided["verdict"] = seq.A_BETTER if decided["verdict"] != seq.A_BETTER else seq.B_BETTER
    same, differ = reference.agreement(first, second)
    assert same == [] and differ == [f"{decided['a']} vs {decided['b']}, {decided['scenario']}"]
    assert "The runs disagree on 1 verdict(s) both decided" in reference.answer_table(first, second)


def test_store_keeps_both_runs_and_the_readme_table_follows_them(tmp_path):
    run1 = write_run_dir(tmp_path / "r1", build_default_results())
    run2 = write_run_dir(tmp_path / "r2", build_default_results())
    ref, readme, home = tmp_path / "docs" / "reference", tmp_path / "README.md", tmp_path / "docs" / "index.md"
    reference.store(run1, run2, ref)
    readme.write_text(README)
    home.write_text(README)
    stored = {p.name for p in ref.iterdir()}
    assert stored >= {"results.json", "manifest.json", "report.md", "charts", "second-run"}
    assert json.loads((ref / "manifest.json").read_text()) == load(ref / "results.json")["manifest"]
    assert (ref / "second-run" / "report.md").exists() and (ref / "second-run" / "charts").is_dir()
    pages = reference.expected_pages(ref, (readme, home))
    text = pages[readme]
    assert pages[home] == text.replace("](docs/", "](") and "](docs/resilience.md)" in text
    assert text.startswith("# title\n\nintro\n\n<!-- answer-table:start -->\n| question |")
    assert text.endswith("<!-- answer-table:end -->\n\nrest\n")
    assert "old" not in text and "run 2: 2026-11-21T13:00:00Z" in text


def test_an_invalid_run_replaces_nothing(tmp_path):
    run1 = write_run_dir(tmp_path / "r1", build_default_results())
    ref = tmp_path / "reference"
    reference.store(run1, None, ref)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "results.json").write_text("{}")
    with pytest.raises(SchemaError):
        reference.store(broken, None, ref)
    assert (ref / "results.json").exists()


def test_a_readme_without_the_markers_is_a_clear_error():
    with pytest.raises(SchemaError, match="answer-table:start"):
        reference.readme_with_table("# no table here\n", "| t |")


def test_the_reference_is_two_default_runs_on_2_cores_that_agree():
    first = load(reference.REFERENCE / "results.json")
    second = load(reference.REFERENCE / reference.SECOND / "results.json")
    for run in (first, second):
        assert run["manifest"]["settings"]["plan"] == "default" and run["manifest"]["cpu_count"] == 2
        assert run["timing"]["took_s"] <= run["plan"]["budget_s"]  # answered within the 30 min budget
    same, differ = reference.agreement(first, second)
    assert differ == [] and len(same) >= 5


def test_readme_quotes_the_stored_reference_report():
    """README's (and the docs home page's) answer table is exactly the one docs/reference/ gives."""
    for page, text in reference.expected_pages().items():
        assert page.read_text() == text, f"{page}: make report RUN=docs/reference"
