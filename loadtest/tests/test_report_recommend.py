from loadtest.report.compare import analyze
from loadtest.report.overhead import overheads
from loadtest.report.recommend import gunicorn_answer, nginx_answer, overall, scenario_advice


def advice_for(results, name):
    return next(scenario_advice(s) for s in analyze(results) if s.scenario == name and s.mode == "capacity")


def test_cpu_scenario_names_the_winner_with_numbers(results):
    advice = advice_for(results, "cpu")
    text = " ".join(advice.sentences)
    assert advice.title == "CPU-bound endpoint — capacity"
    assert "Ranking by median RPS: gunicorn 200, nginx-gunicorn 195, uvicorn 180, nginx-uvicorn 176 req/s." in text
    assert (
        "Gunicorn + UvicornWorker (no Nginx) delivers 11.1% more RPS than uvicorn --workers (no Nginx) (significant:"
        in text
    )
    assert "5-s windows, n=18 vs 18" in text


def test_small_difference_is_reported_as_none(results):
    text = " ".join(advice_for(results, "api-json").sentences)
    assert (
        "Gunicorn + UvicornWorker (no Nginx) vs uvicorn --workers (no Nginx): no measurable difference in RPS (+1.0%"
        in text
    )
    assert "Nginx → Gunicorn + UvicornWorker vs Nginx → Granian: not compared: load generator saturated" in text


def test_gunicorn_answer_tallies_the_comparisons(results):
    answer = gunicorn_answer(analyze(results))
    assert "5 comparison(s)" in answer
    assert "no measurable RPS difference in 2" in answer
    assert "Gunicorn faster in 2" in answer and "cpu gunicorn vs uvicorn +11.1%" in answer
    assert "1 not compared" in answer
    assert "Where there is a difference, Gunicorn is ahead." in answer


def test_gunicorn_answer_without_any_difference(results):
    results["runs"] = [r for r in results["runs"] if r["scenario"] != "cpu"]
    answer = gunicorn_answer(analyze(results))
    assert "Gunicorn faster" not in answer
    assert "these numbers give no reason to add or drop Gunicorn" in answer


def test_nginx_answer_uses_comparison_and_overhead(results):
    scenarios = analyze(results)
    answer = nginx_answer(scenarios, overheads(scenarios))
    assert "Nginx in front costs 15.0% RPS on api-json (significant: −15.0%, 95% CI" in answer
    assert "Nginx in front costs no measurable RPS on cpu (−2.5%" in answer
    assert "Proxy tax (Nginx in front): 85.0% against a target of >= 90%: not met." in answer
    assert "Static vs API: 10.6× against a target of >= 5×: met." in answer


def test_overall_mentions_resilience_when_present(results):
    scenarios = analyze(results)
    paragraphs = overall(scenarios, overheads(scenarios), results["resilience"])
    resilience = paragraphs[-1]
    assert resilience.startswith("Resilience: 1 of 2 checks met their target.")
    assert "worker-kill on nginx-uvicorn: 40 failed requests (codes: 502×40)" in resilience
    del results["resilience"]
    assert not any(p.startswith("Resilience") for p in overall(scenarios, overheads(scenarios), None))
