"""Finding and loading the app: APP_MODULE, [tool.fastapi] entrypoint, main:app; one-line errors."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from servers.loading import LoadError, find, load, target
from servers.settings import AppSettings

BACKEND = Path(__file__).resolve().parents[2]


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


@pytest.fixture
def importable(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("proj_")]:
        del sys.modules[name]


def test_app_module_wins_then_the_pyproject_entrypoint_then_main(tmp_path):
    project(tmp_path, {"pyproject.toml": '[tool.fastapi]\nentrypoint = "svc.web:api"\n', "main.py": ""})
    assert target(AppSettings(module="other.mod:app"), tmp_path) == "other.mod:app"
    assert target(AppSettings(), tmp_path) == "svc.web:api"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert target(AppSettings(), tmp_path) == "main:app"


def test_no_app_anywhere_says_how_to_name_one(tmp_path):
    with pytest.raises(LoadError, match="set APP_MODULE=package.module:attr"):
        target(AppSettings(), tmp_path)


def test_an_app_object_a_factory_and_an_asgi_function_are_told_apart(importable):
    project(
        importable,
        {
            "proj_a.py": """
        class App:
            async def __call__(self, scope, receive, send): ...
        app = App()
        def create_app():
            return app
        async def raw(scope, receive, send): ...
        def needs_config(config): ...
    """
        },
    )
    assert find(AppSettings(module="proj_a:app"), importable)[2] is False
    assert find(AppSettings(module="proj_a:create_app"), importable)[2] is True
    assert find(AppSettings(module="proj_a:raw"), importable)[2] is False
    assert find(AppSettings(module="proj_a:needs_config"), importable)[2] is False
    assert find(AppSettings(module="proj_a:needs_config", factory="true"), importable)[2] is True
    loaded = load(AppSettings(module="proj_a:create_app"), importable)
    assert loaded is sys.modules["proj_a"].app


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("proj_missing:app", "no module named 'proj_missing'"),
        ("proj_b:nope", "module 'proj_b' has no attribute 'nope'"),
        ("proj_b:number", "is a int, not an ASGI app"),
        ("proj_c:app", "importing proj_c failed: No module named 'not_installed'"),
        ("proj_d:app", "importing proj_d failed: RuntimeError: boom"),
    ],
)  # fmt: skip
def test_what_was_not_found_is_named_in_one_line(importable, spec, message):
    project(importable, {
        "proj_b.py": "number = 3\n",
        "proj_c.py": "import not_installed\n",
        "proj_d.py": "raise RuntimeError('boom')\n",
    })  # fmt: skip
    with pytest.raises(LoadError) as info:
        find(AppSettings(module=spec), importable)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_start_check_exits_with_one_line(tmp_path):
    project(tmp_path, {"main.py": "application = object()\n"})
    result = subprocess.run(
        [sys.executable, "-m", "servers.loading"], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(BACKEND), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["servers: APP_MODULE=main:app: module 'main' has no attribute 'app'"]
