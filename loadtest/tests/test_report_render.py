import json
import re

from loadtest.report import write_report
from loadtest.report.render import build, render_html
from loadtest.tests.test_report_consistency import PREFIX, edit_csv


def test_write_report_outputs(run_dir):
    paths = write_report(run_dir)
    assert paths["html"] == run_dir / "report.html"
    assert paths["markdown"] == run_dir / "report.md"
    assert (run_dir / "charts" / "throughput.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_is_self_contained_with_tables_and_images(run_dir):
    html = write_report(run_dir)["html"].read_text()
    assert html.count('src="data:image/png;base64,') == 5
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(link|script)\b", html)
    assert "<title>Load test report — 20261121T130000Z</title>" in html
    assert "numbers checked against raw Locust CSVs: 48 runs, all match" in html
    # summary comes before the tables
    assert html.index('id="summary"') < html.index('id="overhead"') < html.index('id="results"')
    # per-scenario row: gunicorn on api-json
    assert re.search(
        r'<td class="n">3</td><td class="t" title="[^"]+">gunicorn</td><td class="n">3</td>\s*'
        r'<td class="n">1,000.0</td><td class="n">10.0</td>\s*<td class="n">990.0–1,010.0</td>',
        html,
    )
    # overhead table
    assert re.search(r"Proxy tax \(Nginx in front\)</td><td><code>[^<]+</code></td><td class=\"n\">85.0%</td>", html)
    assert '<td class="n">10.6×</td>' in html
    # significance and saturation
    assert "not compared: load generator saturated (nginx-granian)" in html
    assert '<td class="n">−15.0%</td>' in html
    # environment manifest
    for text in ("Example CPU @ 3.0GHz (8 CPUs)", "generator: <code>5-7</code>", "uvicorn 0.38.0",
                 "container to container on a Docker bridge network", "locust -f loadtest/scenarios/api.py",
                 "0123456789abcdef0123456789abcdef01234567", "How to read this"):  # fmt: skip
        assert text in html
    # resilience table
    assert "<td>worker not replaced</td>" in html


def test_html_escapes_untrusted_text(run_dir, results):
    results["topologies"]["gunicorn"]["description"] = "<script>alert(1)</script>"
    html = render_html(build(run_dir, results, with_charts=False))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_has_the_tables(run_dir):
    md = write_report(run_dir)["markdown"].read_text()
    assert "| Check | Formula | Measured | Target | Status | Caveat |" in md
    assert (
        "| 3 | gunicorn | 3 | 1,000.0 | 10.0 | 990.0–1,010.0 | 90.0 | 190.0 | 280.0 | 0 | 95.0 | — | 40.0 | no |  |"
        in md
    )
    assert "| — | nginx-granian | 3 | 1,500.0 |" in md
    assert (
        "| Middleware cost | `1 − RPS(gunicorn, api-json) / RPS(gunicorn-nomw, api-json)` | 4.8% | <= 10% | met |  |"
        in md
    )
    assert (
        "| worker-kill | nginx-uvicorn | 40 | 502×40 | — | 75% | 0 | recovery <= 5 s | not met "
        "| worker not replaced |" in md
    )
    assert "![Median RPS per topology, one panel per scenario](charts/throughput.png)" in md
    # every table row has the same number of cells as its header
    for block in re.findall(r"((?:^\|.*\|\n)+)", md, flags=re.MULTILINE):
        lines = block.strip().splitlines()
        counts = {len(re.split(r"(?<!\\)\|", line)) for line in lines}
        assert len(counts) == 1, lines[0]


def test_markdown_escapes_pipes(run_dir, results):
    results["topologies"]["gunicorn"]["description"] = "a | b"
    (run_dir / "results.json").write_text(json.dumps(results))
    md = write_report(run_dir)["markdown"].read_text()
    assert "| gunicorn | a \\| b |" in md


def test_report_lists_csv_mismatches(run_dir):
    edit_csv(run_dir, PREFIX, "Failure Count", "7")
    html = write_report(run_dir)["html"].read_text()
    assert "48 runs, 1 mismatch(es)" in html
    assert "gunicorn/api-json/capacity-r1: failures 0 != CSV Failure Count 7" in html
