"""Topologies are compose fragments under compose/loadtest/topologies/; each describes itself in an
``x-topology`` block (label, description, target, server, worker, proxy, store, upstream), so adding a topology is
adding a file. Each runs as its own compose project with the generator (generator.yml)."""

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from loadtest.bundle.paths import ROOT
from loadtest.runner.settings import parse_duration

COMPOSE_DIR = ROOT / "compose" / "loadtest"
GENERATOR = COMPOSE_DIR / "generator.yml"
TOPOLOGY_DIR = COMPOSE_DIR / "topologies"
# Measured first: fixed-rate runs offer every topology a fraction of this one's capacity.
REFERENCE = "nginx-gunicorn"
SUT = COMPOSE_DIR / "sut.yml"  # the services every topology extends


def probe_interval_s(sut: Path = SUT) -> float:
    """How often Docker runs the app's healthcheck (sut.yml): each probe is an exec in the app
    container (~20 ms of CPU on 2 cores), so idle CPU is measured over whole intervals."""
    interval = (yaml.safe_load(sut.read_text())["services"]["app"].get("healthcheck") or {}).get("interval", "30s")
    try:
        return float(parse_duration(str(interval)))
    except ValueError:
        raise ValueError(f"{sut}: healthcheck interval {interval!r} is not a compose duration such as 2s") from None


def idle_window_s(seconds: float, probe_interval: float | None = None) -> float:
    """At least ``seconds``, in whole healthcheck intervals: a window of whole intervals holds the
    same number of probes wherever it starts (a 3 s window on a 2 s probe holds one or two, and
    the figure swings between them: 0.85% and 1.54% of a core in back-to-back windows)."""
    interval = probe_interval or probe_interval_s()
    return max(1, math.ceil(seconds / interval - 1e-9)) * interval


@dataclass(frozen=True)
class Topology:
    name: str
    file: Path
    label: str  # short, for tables and charts
    description: str
    target: str
    server: str
    worker: str
    proxy: str
    scenarios: tuple[str, ...] | None = None  # None: every scenario that fits
    minimal: bool = False
    workers: int | None = None  # a fixed worker count (WEB_CONCURRENCY) instead of the run's N
    store: str = "sqlite"  # postgres: the topology runs the bundle's Postgres, measured as its own service
    upstream: str | None = None  # how Nginx reaches the app: tcp or unix; None without Nginx
    command: str = "gunicorn"  # the launcher's server command (python -m servers <command>)
    nginx_own_cpu: bool = False  # Nginx on the generator's CPU set, not the app's (x-topology nginx_cpus: generator)
    compare_image: bool = False  # runs the app's comparison image (APP_IMAGE-compare: Granian, servers.compare)

    def app_image(self, app_image: str | None, tag: str | None) -> str:
        """The app image this topology runs, as its compose file names it."""
        return f"{app_image or 'apibundle/backend'}{'-compare' if self.compare_image else ''}:{tag or 'latest'}"

    @property
    def nginx(self) -> bool:
        return self.proxy == "nginx"

    @property
    def services(self) -> list[str]:
        services = ["app", "nginx"] if self.nginx else ["app"]
        return [*services, "postgres"] if self.store == "postgres" else services


def load(file: Path) -> Topology:
    doc = yaml.safe_load(file.read_text())
    meta = doc.get("x-topology")
    if not meta:
        raise ValueError(f"{file}: no x-topology block")
    app = doc.get("services", {}).get("app", {})
    return Topology(
        name=file.stem,
        file=file,
        label=meta["label"],
        description=meta["description"],
        target=meta["target"],
        server=meta["server"],
        worker=meta["worker"],
        proxy=meta["proxy"],
        scenarios=tuple(meta["scenarios"]) if meta.get("scenarios") else None,
        minimal=meta.get("verify") == "minimal",
        workers=_fixed_workers(app),
        store=meta.get("store", "sqlite"),
        upstream=meta.get("upstream", "tcp") if meta["proxy"] == "nginx" else None,
        command=_command(app),
        nginx_own_cpu=meta.get("nginx_cpus") == "generator",
        compare_image="-compare" in str(app.get("image", "")),
    )


def _command(app: dict) -> str:
    """The app service's command: the launcher's server (the image's default is gunicorn)."""
    command = app.get("command") or ["gunicorn"]
    return command[0] if isinstance(command, list) else str(command).split()[0]


def _fixed_workers(app: dict) -> int | None:
    env = app.get("environment") or {}
    value = env.get("WEB_CONCURRENCY") if isinstance(env, dict) else None
    return int(value) if value else None


def discover(directory: Path = TOPOLOGY_DIR) -> dict[str, Topology]:
    return {t.name: t for t in map(load, sorted(directory.glob("*.yml")))}


def select(names: list[str] | None, available: dict[str, Topology]) -> list[Topology]:
    """The named topologies (all when None), reference first; unknown names are an error."""
    names = names or list(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise SystemExit(f"unknown topology {', '.join(unknown)}; known: {', '.join(available)}")
    return sorted((available[n] for n in dict.fromkeys(names)), key=lambda t: t.name != REFERENCE)


def describe(t: Topology, workers: int, app_cpus: str, generator_cpus: str | None = None) -> dict:
    """results.json's ``topologies[name]`` for a run with ``workers`` workers on ``app_cpus``;
    ``nginx_cpus`` where Nginx has the generator's CPU set (``generator_cpus``) instead."""
    doc = {
        "label": t.label, "description": t.description, "server": t.server, "worker": t.worker, "proxy": t.proxy,
        "workers": t.workers or workers, "app_cpus": app_cpus, "tls": t.target.startswith("https"),
        "store": t.store, "upstream": t.upstream,
    }  # fmt: skip
    if t.nginx_own_cpu and generator_cpus:
        doc["nginx_cpus"] = generator_cpus
    return doc
