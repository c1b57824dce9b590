"""A project's dependencies: requirements.txt, else [project].dependencies; one line if neither."""

import pytest

from servers.deps import NoDependencies, main, requirements


def test_requirements_txt_wins(tmp_path):
    (tmp_path / "requirements.txt").write_text("# pins\nfastapi==0.115.12\n\ngunicorn~=23.0\n")
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["flask"]\n')
    assert requirements(tmp_path) == ["fastapi==0.115.12", "gunicorn~=23.0"]


def test_pyproject_dependencies(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["fastapi==0.115.12", "uvicorn[standard]==0.30.0"]\n'
    )
    assert requirements(tmp_path) == ["fastapi==0.115.12", "uvicorn[standard]==0.30.0"]


@pytest.mark.parametrize(
    ("pyproject", "says"),
    [
        (None, "declares no dependencies"),
        ('[tool.fastapi]\nentrypoint = "main:app"\n', "declares no dependencies"),
        ('[project]\ndependencies = "fastapi"\n', "is not a list of requirement strings"),
        ("[project\n", "not valid TOML"),
    ],
)
def test_a_project_without_usable_dependencies_is_one_line(tmp_path, pyproject, says, capsys):
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    with pytest.raises(NoDependencies, match=says):
        requirements(tmp_path)
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1


def test_the_example_projects_declare_theirs():
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parents[3]
    assert "gunicorn==23.0.0" in requirements(root / "examples" / "notes-api")
    assert any(line.startswith("fastapi==") for line in requirements(root / "backend"))
