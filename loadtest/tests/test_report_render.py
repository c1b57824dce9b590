import json
import re

import pytest

from loadtest.report.render import build, render_html, render_markdown
from loadtest.tests.data.csv_edit import PREFIX, edit_csv
from loadtest.tests.data.sample import write_run_dir


@pytest.fixture(scope="module")
def html(written) -> str:
    return written["html"].read_text()


@pytest.fixture(scope="module")
def md(written) -> str:
    return written["markdown"].read_text()


def test_write_report_outputs(written):
    assert written["html"].name == "report.html" and written["markdown"].name == "report.md"
    assert (written["html"].parent / "charts" / "throughput.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_leads_with_the_cards(html):
    assert html.index('id="answers"') < html.index('id="summary"') < html.index('id="overhead"')
    assert html.index('id="overhead"') < html.index('id="results"') < html.index('id="charts"')
    cards = re.findall(r'<article class="card" id="card-([a-z]+)">', html)
    assert cards == ["gunicorn", "nginx", "workers", "alternatives", "middleware", "static"]
    assert html.count('<img class="card-chart" src="data:image/png;base64,') == 6
    assert '<span class="badge latency-bound">latency-bound</span>' in html
    assert '<span class="badge decided">decided</span>' in html


def test_html_is_self_contained(html):
    assert html.count('src="data:image/png;base64,') == 6 + 5
    assert "http://" not in html.replace("http://nginx/calibrate", "")
    assert "https://" not in html.replace("https://nginx/calibrate", "")
    assert not re.search(r"<(link|script)\b", html)
    assert "<title>Load test report — 20261121T130000Z</title>" in html
    assert "numbers checked against raw Locust CSVs: 80 runs (20 wrk runs have no Locust CSV), all match" in html


def test_html_tables(html):
    # per-scenario row: gunicorn on api-json, Locust, with cgroup CPU per request and headroom
    assert re.search(
        r'<td class="n">3</td><td class="t" title="Gunicorn \+ UvicornWorker">gunicorn</td><td>locust</td>'
        r'<td class="n">5</td>\s*<td class="n">1,000.0</td><td class="n">10.0</td>\s*<td class="n">990.0–1,010.0</td>',
        html,
    )
    assert '<td class="n">×5.00</td>' in html
    assert re.search(r"Proxy tax, equal CPU budget</td><td><code>[^<]+</code></td><td class=\"n\">59.1%</td>", html)
    assert '<td class="n">5.0×</td>' in html
    assert "<td>wrk/https</td><td>wrk</td><td>https</td>" in html  # calibration table
    assert '<td class="bad">app 3.1%</td>' in html  # idle CPU above 2% of a core
    for text in ("Example CPU @ 3.0GHz (8 CPUs)", "generator: <code>5-7</code>", "uvicorn 0.38.0",
                 "container to container on a Docker bridge network", "locust -f loadtest/generator/scenarios/api.py",
                 "How to read this", "repetitions interleaved across topologies (5 rounds)"):  # fmt: skip
        assert text in html


def test_html_resilience(html):
    assert "<td>worker not replaced</td>" in html
    assert "<td>baseline disturbed</td>" in html
    assert "worker 31 stalled 12.5 s from t=4.0 s: worker recycled mid-request" in html
    assert "12 request(s) in flight at the stop, ended as: 200×12" in html
    assert "<td>99% of 410 req/s before</td>" in html


def test_markdown_tables(md):
    assert md.index("## Answers") < md.index("## Comparisons per scenario") < md.index("## Overhead against targets")
    assert "### Do I need Nginx?\n\n**decided** — Proxy tax, equal CPU budget: 59.1%" in md
    assert "![api-json: req/s (locust)" in md and "(charts/card-gunicorn.png)" in md
    assert (
        "| 3 | gunicorn | locust | 5 | 1,000.0 | 10.0 | 990.0–1,010.0 | 90.0 | 190.0 | 280.0 | 0 | 220 | — | 400 |"
        in md
    )
    assert "| — | nginx-granian | locust | 5 | 1,500.0 |" in md
    assert "| recycling | nginx-uvicorn | 0 | none | 17.5 s | baseline disturbed |" in md
    assert "![Median RPS per topology, one panel per scenario](charts/throughput.png)" in md
    for block in re.findall(r"((?:^\|.*\|\n)+)", md, flags=re.MULTILINE):  # every row has its header's cell count
        lines = block.strip().splitlines()
        assert len({len(re.split(r"(?<!\\)\|", line)) for line in lines}) == 1, lines[0]


def test_quick_report_says_indicative(tmp_path, quick_results):
    report = build(write_run_dir(tmp_path / "quick", quick_results), with_charts=False)
    html = render_html(report)
    assert "Every figure is indicative" in html
    assert '<span class="badge indicative">indicative</span>' in html
    assert "no measurable difference" not in html.split('id="summary"')[0]


def test_v1_results_render(tmp_path, results):
    """A results.json from before schema 2: no tool, calibration, cgroup CPU, labels or scenarios."""
    results["schema_version"] = 1
    del results["scenarios"], results["calibration"]
    results["runs"] = [r for r in results["runs"] if r["tool"] == "locust"]
    for run in results["runs"]:
        for key in ("tool", "cpu_us_per_request", "cpu_busy"):
            del run[key]
        for key in ("tool", "ceiling_rps", "headroom"):
            del run["generator"][key]
    for t in results["topologies"].values():
        for key in ("label", "idle_cpu_pct", "upstream", "nginx_cpus"):
            t.pop(key, None)
    md = render_markdown(build(write_run_dir(tmp_path / "v1", results), with_charts=False))
    assert "No generator calibration in this run" in md
    assert "Proxy tax, equal CPU budget: 85.0%" in md
    assert "Nginx CPU per request, share of the app's: not measured" in md


def test_html_escapes_untrusted_text(run_dir, results):
    results["topologies"]["gunicorn"]["description"] = "<script>alert(1)</script>"
    html = render_html(build(run_dir, results, with_charts=False))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_escapes_pipes(run_dir, results):
    results["topologies"]["gunicorn"]["description"] = "a | b"
    (run_dir / "results.json").write_text(json.dumps(results))
    md = render_markdown(build(run_dir, with_charts=False))
    assert "| gunicorn | Gunicorn + UvicornWorker | a \\| b |" in md


def test_report_lists_csv_mismatches(run_dir):
    edit_csv(run_dir, PREFIX, "Failure Count", "7")
    html = render_html(build(run_dir, with_charts=False))
    assert "1 mismatch(es)" in html
    assert "gunicorn/api-json/capacity-r1: failures 0 != CSV Failure Count 7" in html


def test_every_run_is_listed_with_its_limits(html, md):
    assert html.index('id="runs"') > html.index('id="charts"')
    assert "| nginx-uvicorn | api-json | capacity | locust | 1 |" in md and "| latency-bound |" in md
    assert "generator-bound (locust saturated)" in md


def test_costs_against_the_goals_in_both_formats(html, md):
    section = md[md.index("## Cost per request against the goals") : md.index("## Load generators")]
    assert (
        "| Nginx CPU per request, share of the app's | `µs(nginx) / µs(app), nginx-gunicorn api-json` | 60.0% |"
        in section
    )
    assert "| ≤ 25% | ✗ |" in section and "| ✓ |" in section
    assert "**Capacity model** (a model, not a measurement)" in section
    assert "| nginx-gunicorn | 300 | 180 | 2,083 |" in section
    assert html.index('id="overhead"') < html.index('id="costs"') < html.index('id="generators"')
    assert '<td class="bad">✗</td>' in html and "Modelled req/s per core" in html


def test_idle_cpu_says_it_holds_whole_probe_intervals(tmp_path, results):
    results.setdefault("settings", {}).update(idle_s=4.0, probe_interval_s=2.0)
    report = build(write_run_dir(tmp_path / "probe", results), with_charts=False)
    said = "over 4 s, whole intervals of Docker's healthcheck, which runs a probe in each container every 2 s"
    assert said in render_markdown(report) and said in render_html(report)
    del results["settings"]["probe_interval_s"]  # a run from before: the window is not claimed
    assert "whole intervals" not in render_markdown(build(write_run_dir(tmp_path / "old", results), with_charts=False))
