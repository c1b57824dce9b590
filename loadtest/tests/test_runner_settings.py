import pytest

from loadtest.runner.settings import QUICK_DEFAULTS, LoadtestSettings

KNOBS = ["QUICK", "TOPOLOGIES", "SCENARIOS", "USERS", "DURATION", "WARMUP", "REPEAT", "FRACTIONS", "CPUS",
         "WORKERS", "LOCUST_WORKERS", "RESILIENCE", "REPORTS_DIR", "LOADTEST_PROJECT"]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for knob in KNOBS:  # `make loadtest` exports the knobs it was given: none of them leak in
        monkeypatch.delenv(knob, raising=False)


def test_quick_is_the_smoke_matrix(monkeypatch):
    monkeypatch.setenv("QUICK", "1")
    s = LoadtestSettings()
    assert (s.duration, s.repeat, s.warmup, s.fractions) == (4, 2, 2, [])
    assert s.scenarios == ["api-json", "static"]
    assert {k: getattr(s, k) for k in QUICK_DEFAULTS} == QUICK_DEFAULTS


def test_quick_keeps_what_was_set_explicitly(monkeypatch):
    monkeypatch.setenv("QUICK", "1")
    monkeypatch.setenv("REPEAT", "5")
    monkeypatch.setenv("SCENARIOS", "cpu io")
    monkeypatch.setenv("FRACTIONS", "0.5")
    s = LoadtestSettings()
    assert (s.repeat, s.scenarios, s.fractions) == (5, ["cpu", "io"], [0.5])
    assert (s.duration, s.warmup) == (4, 2)  # the rest still from QUICK


def test_without_quick_the_full_matrix():
    s = LoadtestSettings()
    assert (s.quick, s.duration, s.repeat, s.warmup, s.fractions) == (False, 20, 3, 5, [0.5, 0.8])
    assert s.scenarios is None and s.topologies is None  # every one


def test_word_lists_split_on_spaces_or_commas(monkeypatch):
    monkeypatch.setenv("TOPOLOGIES", "nginx-gunicorn, uvicorn gunicorn")
    assert LoadtestSettings().topologies == ["nginx-gunicorn", "uvicorn", "gunicorn"]


def test_fractions_out_of_range_are_refused(monkeypatch):
    monkeypatch.setenv("FRACTIONS", "0.5 2")
    with pytest.raises(ValueError, match="fractions"):
        LoadtestSettings()
