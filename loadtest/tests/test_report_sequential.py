"""The default plan's question cards, method section and timing line."""

from loadtest.report import sequential as seq
from loadtest.report.render import build, render_html, render_markdown
from loadtest.results.schema import validate
from loadtest.tests.data.sample import build_default_results


def test_default_results_validate_and_feed_one_card_per_question(tmp_path):
    results = validate(build_default_results())
    report = build(tmp_path, results, with_charts=False)
    nginx, gunicorn = report.cards[0], report.cards[1]
    assert nginx.question.startswith("Do I need Nginx?") and nginx.label == "decided"
    assert "decided: Gunicorn + UvicornWorker costs less than Nginx → Gunicorn + UvicornWorker" in nginx.verdict
    assert "1 of 2 planned looks, rounds 2..2" in nginx.verdict and nginx.number.startswith("+118")
    assert gunicorn.label == seq.NOT_DECIDED and "not decided within budget (planned looks done)" in gunicorn.verdict
    assert "2 of 2 planned looks" in gunicorn.verdict
    assert any(line.startswith("api-json, RPS") for line in nginx.details)  # RPS second, not deciding


def test_method_and_timing_are_in_both_reports(tmp_path):
    report = build(tmp_path, validate(build_default_results()), with_charts=False)
    for text in (render_markdown(report, chart_dir=None), render_html(report)):
        assert "Bonferroni split of α across the planned looks" in text
        assert "took 23.0 min, planned 25.0 min" in text and "round 4 would not fit" in text
