"""Which app to serve, and loading it: ``APP_MODULE=package.module:attr``.

Unset, the project says: ``[tool.fastapi] entrypoint`` in its pyproject.toml (as FastAPI's own
CLI reads it), else ``main:app`` when the project has a main.py. The project is the server's
working directory (the image's /srv/app). ``attr`` is an app, or a factory that returns one
(APP_FACTORY: auto tells them apart, see ``_is_factory``).

Every mistake is one line that names what was not found: ``python -m servers.loading`` checks
the target in a throw-away process before the server starts (servers/__main__.py), so a wrong
name fails the container's start instead of every worker's boot in a loop.
"""

import importlib
import inspect
import sys
import tomllib
from pathlib import Path

from servers.settings import AppSettings


class LoadError(Exception):
    """The app cannot be loaded; the message is one line for the operator."""


def target(settings: AppSettings, project: Path) -> str:
    if settings.module:
        return settings.module
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        try:
            entry = tomllib.loads(pyproject.read_text()).get("tool", {}).get("fastapi", {}).get("entrypoint")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LoadError(f"{pyproject}: not valid TOML ({exc})") from None
        if entry:
            if not isinstance(entry, str) or ":" not in entry:
                raise LoadError(f"{pyproject}: [tool.fastapi] entrypoint = {entry!r} is not 'module:attr'")
            return entry
    if (project / "main.py").is_file():
        return "main:app"
    raise LoadError(
        f"no app to serve in {project}: set APP_MODULE=package.module:attr, or [tool.fastapi] entrypoint"
        " in the project's pyproject.toml"
    )


def _import(module: str, spec: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise LoadError(
                f"APP_MODULE={spec}: no module named {exc.name!r} (sys.path: {':'.join(sys.path[:3])}...)"
            ) from None
        raise LoadError(f"APP_MODULE={spec}: importing {module} failed: {exc}") from None
    except Exception as exc:  # the app's own import-time error: its type and message, one line
        raise LoadError(f"APP_MODULE={spec}: importing {module} failed: {type(exc).__name__}: {exc}") from None


def _is_factory(obj) -> bool:
    """A plain function or method taking no required argument is a factory; an instance
    (FastAPI, Starlette: callable objects) or an ``async def app(scope, receive, send)`` is an app."""
    if not (inspect.isfunction(obj) or inspect.ismethod(obj)) or inspect.iscoroutinefunction(obj):
        return False
    required = [
        p for p in inspect.signature(obj).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]  # fmt: skip
    return not required


def find(settings: AppSettings, project: Path):
    """(spec, the attribute, whether it is a factory) without calling it."""
    spec = target(settings, project)
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise LoadError(f"APP_MODULE={spec!r} is not 'package.module:attr'")
    found = _import(module, spec)
    obj = found
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise LoadError(f"APP_MODULE={spec}: module {module!r} has no attribute {attr!r}") from None
    factory = _is_factory(obj) if settings.factory == "auto" else settings.factory == "true"
    if not callable(obj):
        raise LoadError(f"APP_MODULE={spec}: {attr} is a {type(obj).__name__}, not an ASGI app or a factory")
    return spec, obj, factory


def load(settings: AppSettings, project: Path):
    """The ASGI app (the factory's result when it is one)."""
    spec, obj, factory = find(settings, project)
    if not factory:
        return obj
    app = obj()
    if not callable(app):
        raise LoadError(f"APP_MODULE={spec}: the factory returned a {type(app).__name__}, not an ASGI app")
    return app


def project_dir() -> Path:
    return Path.cwd()


def project_on_path() -> Path:
    """The project folder, importable first (as `python -m` would have it)."""
    project = project_dir()
    if str(project) not in sys.path:
        sys.path.insert(0, str(project))
    return project


def main() -> int:
    """Check that the app can be found (imports it; calls no factory). Exit 1 with one line if not."""
    try:
        spec, _, factory = find(AppSettings(), project_on_path())
    except LoadError as exc:
        print(f"servers: {exc}", file=sys.stderr)
        return 1
    print(f"app: {spec} ({'factory' if factory else 'app'})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
