"""`make loadtest`: ``python -m loadtest.runner`` (knobs from the environment, see settings.py).

For each topology, nothing else running: up -> healthy -> verify -> per scenario: warm-up
(discarded), REPEAT capacity runs, fixed-rate runs -> down. Then results.json and the report.
"""

import json
import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from loadtest.runner import cpus, generator, manifest, scenarios, topologies
from loadtest.runner.compose import ROOT, Project, build_images
from loadtest.runner.generator import RunSpec
from loadtest.runner.settings import LoadtestSettings

MEASUREMENT_PATH = (
    "Locust in a container on the same Docker bridge network as the system under test "
    "(container to container); no port published on the host is in the measured path"
)
SCHEMA_VERSION = 1
console = Console(stderr=True)


def _plan(topos, scens, s: LoadtestSettings) -> list[tuple]:
    """(topology, scenario) pairs in run order, with the number of runs each costs."""
    runs_per = (1 if s.warmup else 0) + s.repeat + len(s.fractions)
    return [(t, sc, runs_per) for t in topos for sc in scens if scenarios.applies(sc, t)]


def _resilience(run_dir: Path) -> list[dict]:
    """The fault runs (loadtest/resilience), long versions, on fresh copies of the bundle."""
    import tempfile

    from loadtest.resilience.matrix import run_all

    certs = Path(os.environ.get("CERTS_DIR", ROOT / "certs" / "live")).parent
    with tempfile.TemporaryDirectory() as work:
        return run_all(True, certs, Path(work), progress=lambda m: console.print(m))


def main() -> int:
    s = LoadtestSettings()
    topos = topologies.select(s.topologies, topologies.discover())
    scens = scenarios.select(s.scenarios)
    plan = cpus.plan(s.cpus)
    workers = s.workers or len(plan.sut)
    locust_workers = s.locust_workers or len(plan.generator)
    if plan.shared:
        console.print("[yellow]not enough CPUs to separate generator and system under test: runs will be flagged")

    console.print("building images (cached when unchanged)")
    build_images()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    reports = Path(s.reports_dir) if Path(s.reports_dir).is_absolute() else ROOT / s.reports_dir
    run_dir = reports / run_id
    (run_dir / "raw").mkdir(parents=True)
    env = {
        "SUT_CPUSET": plan.sut_cpuset, "GENERATOR_CPUSET": plan.generator_cpuset, "WORKERS": str(workers),
        "RUN_DIR": str(run_dir), "RUN_UID": str(os.getuid()), "RUN_GID": str(os.getgid()),
        "CERTS_DIR": os.environ.get("CERTS_DIR", str(ROOT / "certs" / "live")),
    }  # fmt: skip
    settings_doc = {
        "users": s.users, "duration_s": s.duration, "warmup_s": s.warmup, "repeat": s.repeat,
        "fractions": s.fractions, "workers": workers, "app_cpus": plan.sut_cpuset, "sut_cpus": len(plan.sut),
        "locust_workers": locust_workers, "quick": s.quick, "cpus_shared": plan.shared,
    }  # fmt: skip
    cpusets = {"app": plan.sut_cpuset, "nginx": plan.sut_cpuset, "generator": plan.generator_cpuset}
    results = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "manifest": manifest.collect(settings_doc, cpusets, MEASUREMENT_PATH),
        "topologies": {},
        "runs": [],
        "verification": {},
    }
    work = _plan(topos, scens, s)
    total = sum(n for *_, n in work)
    reference_capacity: dict[str, float] = {}
    commands: list[str] = []

    def spec(sc, mode, rep, duration, fraction=None, target=None) -> RunSpec:
        return RunSpec(sc, mode, rep, s.users, duration, locust_workers, len(plan.generator), fraction, target)

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn()]  # fmt: skip
    failed = False
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("starting", total=total)
        for topology in topos:
            mine = [sc for t, sc, _ in work if t is topology]
            if not mine:
                continue
            results["topologies"][topology.name] = {
                "description": topology.description, "server": topology.server, "worker": topology.worker,
                "proxy": topology.proxy, "workers": topology.workers or workers,
                "app_cpus": plan.sut_cpuset, "tls": topology.target.startswith("https"),
            }  # fmt: skip
            project = Project(topology, env, name=s.loadtest_project)
            project.down()  # nothing from an earlier, interrupted run
            try:
                progress.update(task, description=f"[bold]{topology.name}[/]: starting")
                project.up()
                verdict = project.verify(seed=50)
                results["verification"][topology.name] = verdict
                if not verdict["ok"]:
                    console.print(f"[red]{topology.name} failed verification, not measured:", *verdict["checks"], sep="\n  ")
                    failed = True
                    progress.advance(task, sum(n for t, _, n in work if t is topology))
                    continue
                for sc in mine:
                    label = f"[bold]{topology.name}[/] {sc.name}"
                    if s.warmup:
                        progress.update(task, description=f"{label} warm-up")
                        generator.run(project, spec(sc, "warmup", 1, s.warmup), run_dir / "raw")
                        progress.advance(task)
                    capacity = []
                    for rep in range(1, s.repeat + 1):
                        progress.update(task, description=f"{label} capacity {rep}/{s.repeat}")
                        run = generator.run(project, spec(sc, "capacity", rep, s.duration), run_dir / "raw")
                        results["runs"].append(run)
                        capacity.append(run["rps"])
                        progress.advance(task)
                    own = statistics.median(capacity)
                    if topology.name == topologies.REFERENCE:
                        reference_capacity[sc.name] = own
                    base = reference_capacity.get(sc.name, own)
                    for fraction in s.fractions:
                        progress.update(task, description=f"{label} fixed rate {fraction:.0%}")
                        run = generator.run(project, spec(sc, "fixed-rate", 1, s.duration, fraction, fraction * base), run_dir / "raw")
                        results["runs"].append(run)
                        progress.advance(task)
            except RuntimeError as exc:
                console.print(f"[red]{topology.name}: {exc}")
                failed = True
            finally:
                project.down()
                commands.extend(c for c in project.commands if c not in commands)

    if s.resilience if s.resilience is not None else not s.quick:
        results["resilience"] = _resilience(run_dir)
    results["manifest"]["commands"] = [" ".join(["make", "loadtest", *sys.argv[1:]])] + commands
    (run_dir / "results.json").write_text(json.dumps(results, indent=1))
    latest = reports / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(run_id)

    from loadtest.report import write_report

    paths = write_report(run_dir)
    console.print(f"[green]report:[/] {paths['html']}  (https://localhost:{os.environ.get('HTTPS_PORT', '8443')}/reports/{run_id}/report.html)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
