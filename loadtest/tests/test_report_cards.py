from loadtest.report import limits, stats
from loadtest.report.cards import NOT_MEASURED_LABEL, cards
from loadtest.report.compare import analyze
from loadtest.report.overhead import overheads
from loadtest.report.recommend import scenario_advice
from loadtest.report.render import build, render_markdown


def card_map(results, with_charts=False):
    scenarios = analyze(results)
    return {c.id: c for c in cards(scenarios, overheads(scenarios, results), results, with_charts=with_charts)}


def test_one_card_per_question_in_order(results):
    got = card_map(results)
    assert list(got) == ["gunicorn", "nginx", "workers", "alternatives", "middleware", "static"]
    assert [c.question for c in got.values()] == [
        "Do I need Gunicorn?", "Do I need Nginx?", "Do several workers help?",
        "How do Gunicorn's own asgi worker and Granian compare?", "What does the middleware cost?", "Static vs API?",
    ]  # fmt: skip


def test_gunicorn_card_decides_only_what_the_test_can(results):
    card = card_map(results)["gunicorn"]
    assert card.label == stats.DECIDED
    assert card.verdict.startswith("Gunicorn + UvicornWorker vs uvicorn --workers, api-json: no measurable difference")
    assert card.number.startswith("+1.0% (95% CI")
    assert "measured with locust, headroom ×5.0" in card.limits
    assert any(line.startswith("cpu, gunicorn vs uvicorn: RPS +11.1%") for line in card.details)
    assert any("Resilience: 2 of 4 fault checks met" in line for line in card.details)


def test_nginx_card_states_the_proxy_tax_three_ways(results):
    card = card_map(results)["nginx"]
    assert card.verdict == "Proxy tax, equal CPU budget: 59.1% against a target of >= 80%: not met."
    assert card.number == "59.1% (range 57.9%..60.3%)"
    assert "measured with wrk, headroom ×6.8" in card.limits
    assert any(line.startswith("what stood in the way: per request, Nginx costs 180 µs") for line in card.limits)
    text = "\n".join(card.details)
    assert "Proxy tax, Nginx on its own CPU: 102.3% (target >= 100%: met)" in text
    assert "Nginx CPU per request, share of the app's: 60.0% (target <= 25%: not met)" in text
    # both generators side by side
    assert "api-json, nginx-gunicorn vs gunicorn: RPS −15.0%" in text
    assert "api-json, nginx-gunicorn (wrk) vs gunicorn (wrk): RPS −40.9%" in text
    # fixed-rate efficiency: CPU per request and p50/p99 at equal offered load
    assert (
        "api-json at 425 req/s offered: nginx-gunicorn p50 11.5 / p99 35.8 ms (app 300 µs, nginx 180 µs/request)"
        in text
    )


def test_latency_bound_and_generator_bound_cards(results):
    got = card_map(results)
    assert got["workers"].label == limits.LATENCY_BOUND
    assert any("100 users × 117.6 ms per round trip" in line for line in got["workers"].limits)
    alternatives = got["alternatives"]
    assert alternatives.verdict.startswith("Nginx → Gunicorn -k asgi vs Nginx → Gunicorn + UvicornWorker, api-json")
    assert any("[generator-bound]" in line and "nginx-granian" in line for line in alternatives.details)


def test_quick_cards_are_indicative(quick_results):
    got = card_map(quick_results)
    assert got["gunicorn"].label == stats.INDICATIVE
    assert "indicative (quick mode)" in got["gunicorn"].verdict and "no significance claim" in got["gunicorn"].verdict
    assert "no measurable difference" not in " ".join(c.verdict for c in got.values())


def test_three_repetitions_say_too_few(results):
    results["runs"] = [r for r in results["runs"] if r["repetition"] <= 3]
    card = card_map(results)["gunicorn"]
    assert card.label == "too few repetitions"
    assert "too few repetitions to test (smallest attainable p = 0.1)" in card.verdict


def test_missing_pairs_are_not_measured(results):
    results["runs"] = [r for r in results["runs"] if r["topology"] not in ("nginx-uvicorn-1", "gunicorn-nomw")]
    got = card_map(results)
    assert got["workers"].label == NOT_MEASURED_LABEL
    assert got["workers"].verdict == "Not measured: no capacity runs of nginx-uvicorn vs nginx-uvicorn-1 in this run."
    assert got["middleware"].label == NOT_MEASURED_LABEL


def test_scenario_advice_wording(results):
    title, sentences = next(
        scenario_advice(s) for s in analyze(results) if s.scenario == "cpu" and s.mode == "capacity"
    )
    text = " ".join(sentences)
    assert title == "cpu — capacity"
    assert "Ranking by median RPS (locust): gunicorn 200, nginx-gunicorn 195, uvicorn 180, nginx-uvicorn 176" in text
    assert "gunicorn vs uvicorn: significant: RPS +11.1% (95% CI" in text


def test_cards_have_charts(written):
    charts = sorted(p.name for key, p in written.items() if key.startswith("chart:card-"))
    assert charts == [f"card-{c}.png" for c in sorted(["alternatives", "gunicorn", "middleware", "nginx", "static",
                                                         "workers"])]  # fmt: skip
    assert all(p.read_bytes()[:4] == b"\x89PNG" for key, p in written.items() if key.startswith("chart:"))


def test_idle_cpu_above_two_percent_is_a_limit(results):
    results["topologies"]["gunicorn-nomw"]["idle_cpu_pct"]["app"] = 18.0
    got = card_map(results)
    assert "idle CPU on gunicorn-nomw: app 18.0% of a core (above 2%)" in got["middleware"].limits
    assert not any(line.startswith("idle CPU") for line in got["nginx"].limits)


def test_quick_shows_no_met_or_not_met_only_indicative_figures(quick_results, tmp_path):
    cards = card_map(quick_results)
    assert cards["nginx"].verdict.startswith("Proxy tax, equal CPU budget: 59.1%, indicative")
    for card in cards.values():
        assert " met" not in card.verdict and "not met" not in " ".join(card.details)
    markdown = render_markdown(build(tmp_path, quick_results, with_charts=False), chart_dir=None)
    overhead = markdown.split("## Overhead against targets")[1].split("##")[0]
    assert "| met |" not in overhead and "| not met |" not in overhead and "| indicative |" in overhead
