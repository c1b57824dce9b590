import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest.report import render
from loadtest.report.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_charts(monkeypatch):
    """The CLI's own behaviour does not need matplotlib: charts are tested in test_report_render."""
    build = render.build
    monkeypatch.setattr(render, "build", lambda run_dir, results=None: build(run_dir, results, with_charts=False))


def test_cli_writes_report_and_prints_paths(run_dir, capsys):
    assert main([str(run_dir)]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(run_dir / "report.html"), str(run_dir / "report.md")]


def test_cli_missing_results_json_exits_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "loadtest.report", str(tmp_path)], check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"error: {tmp_path / 'results.json'}: no such file (run the load test first, or pass the run directory)\n"
    )
    assert not (tmp_path / "report.html").exists()


def test_cli_invalid_json_exits_2(tmp_path, capsys):
    (tmp_path / "results.json").write_text("{not json")
    assert main([str(tmp_path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_cli_missing_key_names_the_key(run_dir, results, capsys):
    del results["runs"][3]["latency_ms"]["p99"]
    (run_dir / "results.json").write_text(json.dumps(results))
    assert main([str(run_dir)]) == 2
    assert "missing required key 'runs[3].latency_ms.p99'" in capsys.readouterr().err


def test_cli_wrong_schema_version_exits_2(run_dir, results, capsys):
    results["schema_version"] = 3
    (run_dir / "results.json").write_text(json.dumps(results))
    assert main([str(run_dir)]) == 2
    assert "schema_version 3 is not supported" in capsys.readouterr().err


def test_resilience_is_optional(run_dir, results):
    del results["resilience"]
    (run_dir / "results.json").write_text(json.dumps(results))
    assert main([str(run_dir)]) == 0
    assert "Resilience" not in (run_dir / "report.md").read_text()


def test_resilience_only_run_has_no_cards(run_dir, results):
    results["runs"] = []
    (run_dir / "results.json").write_text(json.dumps(results))
    assert main([str(run_dir)]) == 0
    md = (run_dir / "report.md").read_text()
    assert "## Answers" not in md and "## Resilience" in md
