import pytest

from loadtest.runner.settings import QUICK_DEFAULTS, LoadtestSettings


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


def test_without_quick_every_knob_has_its_own_default():
    s = LoadtestSettings()
    assert s.quick is False
    assert {k: getattr(s, k) for k in QUICK_DEFAULTS} == {
        k: LoadtestSettings.model_fields[k].default for k in QUICK_DEFAULTS
    }
    assert s.scenarios is None and s.topologies is None  # every one


def test_word_lists_split_on_spaces_or_commas(monkeypatch):
    monkeypatch.setenv("TOPOLOGIES", "nginx-gunicorn, uvicorn gunicorn")
    assert LoadtestSettings().topologies == ["nginx-gunicorn", "uvicorn", "gunicorn"]


def test_fractions_out_of_range_are_refused(monkeypatch):
    monkeypatch.setenv("FRACTIONS", "0.5 2")
    with pytest.raises(ValueError, match="fractions"):
        LoadtestSettings()
