"""The app-server versions the server layer supports, and what needs a newer one."""

from importlib import metadata

import pytest

from servers import compat


@pytest.fixture
def installed(monkeypatch):
    versions: dict[str, str] = {}

    def version(package: str) -> str:
        if package not in versions:
            raise metadata.PackageNotFoundError(package)
        return versions[package]

    monkeypatch.setattr(compat.metadata, "version", version)
    return versions


def test_the_oldest_and_newest_supported_versions_pass(installed):
    installed.update({"gunicorn": "23.0.0", "uvicorn": "0.30.0", "uvicorn-worker": "0.2.0"})
    assert compat.problems(["gunicorn==23.0.0", "uvicorn[standard]==0.30.0"]) == []
    installed.update({"gunicorn": "27.0.1", "uvicorn": "0.54.0"})
    assert compat.problems([]) == []


def test_a_pin_outside_the_range_is_one_line_naming_package_pin_and_range(installed):
    installed.update({"gunicorn": "22.0.0", "uvicorn": "0.29.0"})
    found = compat.problems(["fastapi==0.115.0", "gunicorn==22.0.0  # old", "Uvicorn[standard]~=0.29.0"])
    assert found == [
        "gunicorn 22.0.0 (the project pins 'gunicorn==22.0.0  # old') is outside the range the bundle supports:"
        " gunicorn>=23,<28",
        "uvicorn 0.29.0 (the project pins 'Uvicorn[standard]~=0.29.0') is outside the range the bundle supports:"
        " uvicorn>=0.30,<1",
    ]


def test_the_build_step_exits_1_with_those_lines(installed, tmp_path, capsys):
    installed.update({"gunicorn": "22.0.0"})
    req = tmp_path / "requirements.txt"
    req.write_text("gunicorn==22.0.0\n")
    assert compat.main([str(req)]) == 1
    assert capsys.readouterr().err.startswith("servers: gunicorn 22.0.0 (the project pins 'gunicorn==22.0.0')")


def test_a_feature_that_needs_a_newer_server_is_refused_at_start_in_one_line(installed):
    installed.update({"gunicorn": "23.0.0", "uvicorn": "0.30.0"})
    assert compat.unavailable("gunicorn") is None
    assert compat.unavailable("gunicorn-asgi") == (
        "Gunicorn's own ASGI worker (-k asgi) needs gunicorn >= 24; this image has 23.0.0"
        " (pinned by the app's requirements?)"
    )
    assert compat.unavailable("granian") == "Granian needs granian, which is not installed in this image"


def test_a_hashed_lock_names_the_pin_without_its_continuation(installed):
    installed.update({"gunicorn": "22.0.0"})
    lock = ["gunicorn==22.0.0 \\", "    --hash=sha256:" + "0" * 64]
    assert compat.pins(lock) == {"gunicorn": "gunicorn==22.0.0"}


def test_the_load_test_learns_which_servers_an_image_cannot_run(installed, capsys):
    """``--unavailable``: one ``server: why`` line per server command the image cannot run,
    nothing for the ones it runs, exit 0 (the load test leaves those topologies out)."""
    installed.update({"gunicorn": "23.0.0", "uvicorn": "0.30.0"})
    assert compat.main(["--unavailable", "gunicorn", "gunicorn-asgi", "uvicorn", "granian", "apache"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["gunicorn-asgi", "granian", "apache"]
    assert lines[0] == f"gunicorn-asgi: {compat.unavailable('gunicorn-asgi')}"
