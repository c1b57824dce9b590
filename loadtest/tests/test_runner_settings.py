import pytest

from loadtest.runner.settings import DEFAULT_PLAN, DEFAULT_TOPOLOGIES, QUICK_DEFAULTS, LoadtestSettings, parse_duration


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for knob in LoadtestSettings.model_fields:  # `make loadtest` exports the knobs it was given
        monkeypatch.delenv(knob.upper(), raising=False)


def test_quick_is_a_smoke_matrix(monkeypatch):
    monkeypatch.setenv("QUICK", "1")
    s = LoadtestSettings()
    assert {k: getattr(s, k) for k in QUICK_DEFAULTS} == QUICK_DEFAULTS
    assert s.scenarios == ["api-json", "static"] and s.fractions == []  # JSON + static, no fixed-rate runs
    full = LoadtestSettings(quick=False)
    assert s.duration < full.duration and s.repeat <= full.repeat


def test_quick_keeps_what_was_set_explicitly(monkeypatch):
    monkeypatch.setenv("QUICK", "1")
    monkeypatch.setenv("REPEAT", "7")
    monkeypatch.setenv("SCENARIOS", "cpu io")
    monkeypatch.setenv("FRACTIONS", "0.5")
    s = LoadtestSettings()
    assert (s.repeat, s.scenarios, s.fractions) == (7, ["cpu", "io"], [0.5])
    assert s.duration == QUICK_DEFAULTS["duration"]  # the rest still from QUICK


def test_full_runs_the_whole_matrix_with_every_knob_at_its_own_default(monkeypatch):
    monkeypatch.setenv("FULL", "1")
    s = LoadtestSettings()
    assert s.quick is False and s.full and not s.adaptive
    keys = set(QUICK_DEFAULTS) | set(DEFAULT_PLAN)
    assert {k: getattr(s, k) for k in keys} == {k: LoadtestSettings.model_fields[k].default for k in keys}
    assert s.scenarios is None and s.topologies is None  # every one
    assert s.repeat == 5 and s.fractions == [0.5, 0.8]


def test_the_default_plan_asks_the_questions_within_a_budget():
    s = LoadtestSettings()
    assert s.adaptive and s.plan_name == "default" and s.budget == 30 * 60
    assert s.topologies == DEFAULT_TOPOLOGIES and s.scenarios == ["api-json", "api-read"]
    assert s.fractions == [0.5]  # one fixed-rate point
    assert s.resilience is False  # faults only when asked
    assert not s.given("repeat")


def test_the_default_plan_keeps_what_was_set_explicitly(monkeypatch):
    monkeypatch.setenv("REPEAT", "4")
    monkeypatch.setenv("TOPOLOGIES", "gunicorn uvicorn")
    monkeypatch.setenv("BUDGET", "1h30m")
    monkeypatch.setenv("RESILIENCE", "1")
    s = LoadtestSettings()
    assert (s.repeat, s.topologies, s.budget, s.resilience) == (4, ["gunicorn", "uvicorn"], 5400, True)
    assert s.given("repeat") and s.duration == DEFAULT_PLAN["duration"]


def test_quick_and_full_exclude_each_other(monkeypatch):
    monkeypatch.setenv("QUICK", "1")
    monkeypatch.setenv("FULL", "1")
    with pytest.raises(ValueError, match="exclude"):
        LoadtestSettings()


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("45m", 2700), ("600", 600)]
)
def test_budget_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "30x", "0m", "m"])
def test_budget_durations_refused(text):
    with pytest.raises(ValueError, match="BUDGET"):
        parse_duration(text)


def test_word_lists_split_on_spaces_or_commas(monkeypatch):
    monkeypatch.setenv("TOPOLOGIES", "nginx-gunicorn, uvicorn gunicorn")
    assert LoadtestSettings().topologies == ["nginx-gunicorn", "uvicorn", "gunicorn"]


def test_fractions_out_of_range_are_refused(monkeypatch):
    monkeypatch.setenv("FRACTIONS", "0.5 2")
    with pytest.raises(ValueError, match="fractions"):
        LoadtestSettings()
