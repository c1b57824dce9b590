import pytest

from loadtest.report.compare import analyze
from loadtest.report.overhead import INCONCLUSIVE, INFO, MET, NOT_MEASURED, NOT_MET, overheads


def by_name(results):
    return {item.name.split(" (")[0]: item for item in overheads(analyze(results))}


def test_ratios_and_targets(results):
    items = by_name(results)
    assert items["Proxy tax"].measured == pytest.approx(850 / 1000)
    assert items["Proxy tax"].status == NOT_MET
    assert items["Proxy tax"].shown == "85.0%"
    assert items["Middleware cost"].measured == pytest.approx(1 - 1000 / 1050)
    assert items["Middleware cost"].status == MET
    assert items["Middleware cost"].shown == "4.8%"
    assert items["Static vs API"].measured == pytest.approx(9000 / 850)
    assert items["Static vs API"].status == MET
    assert items["Static vs API"].shown == "10.6×"
    assert items["Framework cost"].measured == pytest.approx(0.5)
    assert items["Framework cost"].status == INFO
    assert all(item.bound == "exact" and not item.caveat for item in items.values())


def test_missing_topology_is_not_measured(results):
    results["runs"] = [r for r in results["runs"] if r["topology"] not in ("gunicorn-nomw", "gunicorn-raw")]
    items = by_name(results)
    assert items["Middleware cost"].status == NOT_MEASURED
    assert items["Middleware cost"].measured is None
    assert "gunicorn-nomw api-json" in items["Middleware cost"].caveat
    assert items["Framework cost"].status == NOT_MEASURED
    assert items["Proxy tax"].status == NOT_MET  # unaffected


def test_saturated_numerator_gives_a_lower_bound(results):
    for run in results["runs"]:
        if run["scenario"] == "static" and run["topology"] == "nginx-gunicorn":
            run["generator"]["saturated"] = True
    static = by_name(results)["Static vs API"]
    assert static.bound == "lower bound"
    assert static.shown == "≥ 10.6×"
    assert static.status == MET  # a lower bound above the target still meets it
    assert "lower bound" in static.caveat and "nginx-gunicorn" in static.caveat


def test_saturated_denominator_gives_an_upper_bound(results):
    for run in results["runs"]:
        if run["scenario"] == "api-json" and run["topology"] == "gunicorn":
            run["generator"]["saturated"] = True
    tax = by_name(results)["Proxy tax"]
    assert tax.bound == "upper bound"
    assert tax.status == NOT_MET  # an upper bound below the target cannot meet it
    cost = by_name(results)["Middleware cost"]  # 1 - gunicorn/nomw with gunicorn a lower bound
    assert cost.bound == "upper bound" and cost.status == MET


def test_lower_bound_below_target_is_inconclusive(results):
    for run in results["runs"]:
        if run["scenario"] == "api-json" and run["topology"] == "nginx-gunicorn":
            run["generator"]["saturated"] = True
    assert by_name(results)["Proxy tax"].status == INCONCLUSIVE
