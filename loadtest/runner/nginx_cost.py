"""Nginx's CPU per proxied request, config variant by variant, side by side in one run.

``make nginx-cost``: the load-test topology ``nginx-gunicorn-unix`` (the prod default: TLS to
Nginx, a unix socket to Gunicorn), plus one more Nginx container per variant of the config
(nginx/ copied and edited, bind-mounted over the image's), all on the system under test's CPU
set and all proxying to the same app. wrk, in the generator container on the other CPUs,
drives each one in turn over TLS keep-alive (the JSON endpoint by default); the rounds are
interleaved (each round starts at another variant) so drift on a shared machine falls on
every variant alike. Each run's cost is the Nginx container's cgroup CPU (``cpu.stat``) over
the requests wrk completed; each variant's effect is its ratio to the baseline of the same
round, median over the rounds.

``PERF=1``: afterwards, `perf record -g` on the baseline's worker processes while wrk drives
it, summarised by where the time goes (loadtest/runner/perf_profile.py). Needs root and
Debian's linux-perf.

Writes reports/nginx-cost-<UTC time>/ (results.json, summary.md, wrk's raw output, the
variants' config) and prints the summary. Knobs: ROUNDS (4), DURATION (10 s per run), USERS
(64 connections), VARIANTS (names, space-separated; default all), PERF, PAIRED (a baseline
run before each variant's), NGINX_COST_PATH.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from loadtest.bundle.paths import ROOT, certs_dir
from loadtest.bundle.stack import Stack
from loadtest.runner import cpus, perf_profile, topologies
from loadtest.runner import measure as measure_run
from loadtest.runner.cgroup import Watch, per_request_us
from loadtest.runner.generators import wrk

TOPOLOGY = "nginx-gunicorn-unix"
WHOLE = "*"  # an edit whose `old` is this replaces the whole file


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    # (file under nginx/, old text, new text): old must occur exactly once; WHOLE: the file's text
    edits: tuple[tuple[str, str, str], ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    # False: an upper bound only, it removes something users rely on (the log, the headers...)
    keepable: bool = True


LOG_LINE = "access_log /dev/stdout apibundle_json buffer=64k flush=1s;"
BUFFERS = "proxy_buffer_size 16k;\nproxy_buffers 8 16k;\nproxy_busy_buffers_size 32k;"
VARIANTS: tuple[Variant, ...] = (
    Variant("baseline", "the config as shipped (mounted like every variant)"),
    Variant(
        "log-off",
        "no access log (upper bound of the log's cost)",
        (("conf.d/logging.conf", LOG_LINE, "access_log off;"),),
        keepable=False,
    ),
    Variant(
        "log-unbuffered",
        "the access log written per request (what buffer= saves)",
        (("conf.d/logging.conf", LOG_LINE, "access_log /dev/stdout apibundle_json;"),),
        keepable=False,
    ),
    Variant(
        "log-escape-none",
        "the JSON log without escape=json (its escaping's cost)",
        (("conf.d/logging.conf", "escape=json", "escape=none"),),
        keepable=False,
    ),
    Variant(
        "headers-off",
        "no add_header at all: security headers, X-Request-ID (upper bound)",
        (("snippets/common-headers.conf", WHOLE, ""),),
        keepable=False,
    ),
    Variant(
        "proxy-buffers-4k",
        "proxy buffers of 4k instead of 16k",
        (("conf.d/proxy-defaults.conf", BUFFERS, BUFFERS.replace("16k", "4k").replace("32k", "8k")),),
    ),
    Variant(
        "ssl-buffer-4k",
        "TLS records of at most 4k (ssl_buffer_size; default 16k)",
        (("conf.d/tls.conf", "ssl_session_cache", "ssl_buffer_size 4k;\nssl_session_cache"),),
    ),
    Variant(
        "keepalive-10000",
        "keepalive_requests 10000 instead of 1000 (fewer TLS handshakes)",
        (("conf.d/basics.conf", "keepalive_requests 1000;", "keepalive_requests 10000;"),),
    ),
    Variant(
        "workers-2", "two workers on the one CPU (NGINX_WORKERS=2; default: one per CPU)", env={"NGINX_WORKERS": "2"}
    ),
    Variant(
        "request-id-fixed",
        "no random request id ($request_id replaced by a constant: its generation's cost)",
        (
            ("conf.d/request-id.conf", "default                     $request_id;", 'default "fixed";'),
            ("demo/idempotency.conf", '""       $request_id;', '""       "fixed";'),
        ),
        keepable=False,
    ),
    Variant(
        "pcre-jit",
        "pcre_jit on (the regex maps: CSP, rate-limit keys, request id)",
        (("nginx.conf", "worker_shutdown_timeout 30s;", "worker_shutdown_timeout 30s;\npcre_jit on;"),),
    ),
    Variant(
        "limits-off",
        "no limit_req / limit_conn (and so no rate-limit map lookups; upper bound)",
        (
            ("locations/api.conf", "    include apibundle/snippets/api-rate-limit.conf;\n", ""),
            ("sites/app.conf", "    include apibundle/snippets/conn-limit.conf;\n", ""),
        ),
        keepable=False,
    ),
)


# --- config copies ---------------------------------------------------------------------------


def apply_edits(text: str, edits: list[tuple[str, str]]) -> str:
    """``text`` with each (old, new) replaced; ValueError when ``old`` is not there exactly once
    (a variant that silently matched nothing would measure the baseline)."""
    for old, new in edits:
        if old == WHOLE:
            text = new
            continue
        if text.count(old) != 1:
            raise ValueError(f"{old[:60]!r} occurs {text.count(old)} times, not once")
        text = text.replace(old, new)
    return text


def write_config(variant: Variant, dest: Path) -> Path:
    """nginx/'s config, with the variant's edits, at ``dest`` (nginx.conf and apibundle/)."""
    src = ROOT / "nginx"
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "apibundle").mkdir(parents=True)
    shutil.copy(src / "nginx.conf", dest / "nginx.conf")
    for part in ("conf.d", "snippets", "locations", "demo", "sites"):
        shutil.copytree(src / part, dest / "apibundle" / part)
    by_file: dict[str, list[tuple[str, str]]] = {}
    for file, old, new in variant.edits:
        by_file.setdefault(file, []).append((old, new))
    for file, edits in by_file.items():
        path = dest / file if file == "nginx.conf" else dest / "apibundle" / file
        path.write_text(apply_edits(path.read_text(), edits))
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)  # read by the container's uid 10001
    return dest


def service(variant: Variant) -> str:
    return f"nginx-{variant.name}"


def override(variants: list[Variant], config_root: Path) -> dict:
    """A compose file adding one Nginx per variant to the topology, each with its config."""
    services = {}
    for v in variants:
        conf = config_root / v.name
        services[service(v)] = {
            "extends": {"file": str(topologies.COMPOSE_DIR / "sut.yml"), "service": "nginx"},
            "environment": {"APP_UPSTREAM": "unix", "SERVER_NAME": f"{service(v)} localhost", **v.env},
            "volumes": [
                "appsock:/run/app:ro",
                f"{conf / 'nginx.conf'}:/etc/nginx/nginx.conf:ro",
                f"{conf / 'apibundle'}:/etc/nginx/apibundle:ro",
            ],
            "depends_on": {"app": {"condition": "service_healthy"}},
        }
    return {"services": services}


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Settings:
    rounds: int = int(os.environ.get("ROUNDS", "4"))
    duration: int = int(os.environ.get("DURATION", "10"))
    connections: int = int(os.environ.get("USERS", "64"))
    path: str = os.environ.get("NGINX_COST_PATH", "/api/work/json")
    names: tuple[str, ...] = tuple(os.environ.get("VARIANTS", "").split())
    perf: bool = os.environ.get("PERF", "") in ("1", "true", "yes")
    # PAIRED=1: a baseline run right before each variant's, which it is compared with (twice the
    # runs; without: one baseline per round, up to a whole round away from some variants)
    paired: bool = os.environ.get("PAIRED", "") in ("1", "true", "yes")


def measure(stack: Stack, variant: Variant, s: Settings, cpu_plan: cpus.CpuPlan, raw: Path, seconds: int) -> dict:
    """One wrk run against the variant's Nginx: requests/s and Nginx's (and the app's) CPU µs
    per request, from their cgroup counters over the window wrk loaded (runner/measure.py's
    run_wrk, as every measured run)."""
    name = measure_run.container_name(stack.project, "wrk")
    target = f"https://{service(variant)}:8443"
    containers = {"nginx": stack.container_id(service(variant)), "app": stack.container_id("app"), "generator": name}
    watch = Watch(containers, cpus=cpu_plan.sut)
    spec = wrk.WrkSpec(target, (s.path,), s.connections, seconds, len(cpu_plan.generator))
    try:
        run = measure_run.run_wrk(stack, spec, name, raw, watch)
    except RuntimeError as exc:
        if "resolve" not in str(exc):
            raise
        # Docker's embedded DNS sometimes times out on a loaded 2-core machine before wrk starts:
        # nothing was measured yet, so the run is made again, once, and says so.
        print(f"{variant.name}: {str(exc).splitlines()[-1]}; running it again", file=sys.stderr)
        name, watch = f"{name}-again", Watch({**containers, "generator": f"{name}-again"}, cpus=cpu_plan.sut)
        run = measure_run.run_wrk(stack, spec, name, raw, watch)
    fields, (t0, t1) = run.fields, run.window
    out = {"rps": fields["rps"], "requests": fields["requests"], "failures": fields["failures"]}
    for label in ("nginx", "app"):
        out[f"{label}_us"] = per_request_us(watch.usage(label, t0, t1)["cpu_ns"], fields["requests"])
    out["cpuset"] = watch.cpuset_busy(t0, t1)
    return out


def worker_pids(cid: str) -> list[int]:
    """Host pids of the container's Nginx worker processes."""
    out = subprocess.run(["docker", "top", cid, "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return [int(line.split()[0]) for line in out.stdout.splitlines()[1:] if "worker process" in line]


def profile(stack: Stack, variant: Variant, s: Settings, cpu_plan: cpus.CpuPlan, out_dir: Path) -> dict:
    """`perf record -g` on the variant's workers while wrk drives it; its summary."""
    pids = worker_pids(stack.container_id(service(variant)))
    data = out_dir / "perf.data"
    seconds = s.duration + 4
    result: dict = {}
    load = threading.Thread(
        target=lambda: result.update(measure(stack, variant, s, cpu_plan, out_dir / "raw" / "perf-wrk.txt", seconds))
    )
    load.start()
    time.sleep(3)  # wrk's container is up and loading
    subprocess.run(
        ["perf", "record", "-g", "-F", "999", "-o", str(data), "-p", ",".join(map(str, pids)),
         "--", "sleep", str(s.duration - 2)],
        check=True, capture_output=True,
    )  # fmt: skip
    load.join()
    script = subprocess.run(["perf", "script", "-i", str(data)], capture_output=True, text=True, check=True).stdout
    samples = perf_profile.parse_script(script)
    groups = perf_profile.summarise(samples)
    return {
        "samples": len(samples),
        "groups": groups,
        "rollup": perf_profile.rollup(groups),
        "top": perf_profile.top_symbols(samples),
        "run_under_perf": result,
    }


def ratios(runs: dict[str, list[dict]], key: str = "nginx_us") -> dict[str, dict]:
    """Per variant: median µs and its ratio to the same round's baseline, or with PAIRED to the
    baseline run just before it (median, min, max)."""
    base = runs["baseline"]
    out = {}
    for name, rs in runs.items():
        values = [r[key] for r in rs if r.get(key)]
        pairs = [(r, r.get("baseline") or b) for r, b in zip(rs, base, strict=False)]
        if any("baseline" in r for r in rs):  # PAIRED: each run against the baseline just before it
            pairs = [(r, r["baseline"]) for r in rs]
        paired = [r[key] / b[key] for r, b in pairs if r.get(key) and b.get(key)]
        out[name] = {
            "median_us": round(statistics.median(values), 1) if values else None,
            "ratio": round(statistics.median(paired), 3) if paired else None,
            "ratio_min": round(min(paired), 3) if paired else None,
            "ratio_max": round(max(paired), 3) if paired else None,
            "rps": round(statistics.median([r["rps"] for r in rs]), 0),
        }
    return out


def summary_md(doc: dict) -> str:
    lines = [
        f"# Nginx CPU per proxied request, by config variant ({doc['started']})",
        "",
        f"{doc['topology']}, {doc['path']} over TLS keep-alive, wrk {doc['connections']} connections, "
        f"{doc['rounds']} interleaved rounds of {doc['duration_s']} s; {doc['cpus']} CPUs "
        f"(system under test: {doc['sut_cpuset']}, generator: {doc['generator_cpuset']}).",
        "Ratio: the variant's Nginx µs per request over the same round's baseline (median; min-max over rounds).",
        "",
        "| variant | what | Nginx µs/req | ratio (min-max) | app µs/req | req/s | keepable |",
        "|---|---|---|---|---|---|---|",
    ]
    app = doc["app"]
    for v in doc["variants"]:
        r = doc["nginx"][v["name"]]
        lines.append(
            f"| `{v['name']}` | {v['what']} | {r['median_us']} | {r['ratio']} ({r['ratio_min']}-{r['ratio_max']}) | "
            f"{app[v['name']]['median_us']} | {r['rps']:.0f} | {'yes' if v['keepable'] else 'upper bound only'} |"
        )
    if "profile" in doc:
        p = doc["profile"]
        lines += ["", f"## Profile of the baseline's workers ({p['samples']} samples, perf record -g)", ""]
        lines += ["| group | share |", "|---|---|"]
        lines += [f"| {k} | {100 * v:.1f}% |" for k, v in p["groups"].items()]
        lines += ["", "| leaf function | DSO | share |", "|---|---|---|"]
        lines += [f"| `{sym}` | {dso} | {100 * sh:.1f}% |" for sym, dso, sh in p["top"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    s = Settings()
    if s.perf and shutil.which("perf") is None:  # known before any container starts
        raise SystemExit("nginx-cost: PERF=1 needs perf on the host (Debian: apt-get install linux-perf), and root")
    variants = [v for v in VARIANTS if not s.names or v.name in s.names or v.name == "baseline"]
    started = datetime.now(UTC)
    run_dir = ROOT / "reports" / f"nginx-cost-{started.strftime('%Y%m%dT%H%M%SZ')}"
    config_root = run_dir / "config"
    for v in variants:
        write_config(v, config_root / v.name)
    (run_dir / "compose").mkdir(parents=True)
    override_file = run_dir / "compose" / "variants.yml"
    override_file.write_text(yaml.safe_dump(override(variants, config_root), sort_keys=False))
    cpu_plan = cpus.plan(None)
    project = f"apibundle-nginxcost-{uuid.uuid4().hex[:6]}"
    env = {
        "SUT_CPUSET": cpu_plan.sut_cpuset, "GENERATOR_CPUSET": cpu_plan.generator_cpuset,
        "WORKERS": str(len(cpu_plan.sut)),
        "RUN_DIR": str(run_dir), "RUN_UID": str(os.getuid()), "RUN_GID": str(os.getgid()),
        "CERTS_DIR": os.environ.get("CERTS_DIR", str(certs_dir() / "live")),
    }  # fmt: skip
    topology = topologies.load(topologies.TOPOLOGY_DIR / f"{TOPOLOGY}.yml")
    stack = Stack(
        ROOT, project, [topologies.GENERATOR, topology.file, override_file], env, run_dir / "compose" / "stack.env"
    )
    runs: dict[str, list[dict]] = {v.name: [] for v in variants}
    doc: dict = {
        "started": started.isoformat(timespec="seconds"), "topology": TOPOLOGY, "path": s.path,
        "connections": s.connections, "rounds": s.rounds, "duration_s": s.duration, "cpus": os.cpu_count(),
        "sut_cpuset": cpu_plan.sut_cpuset, "generator_cpuset": cpu_plan.generator_cpuset,
        "variants": [
            {"name": v.name, "what": v.what, "keepable": v.keepable, "edits": v.edits, "env": v.env}
            for v in variants
        ],
    }  # fmt: skip
    print(f"starting {project} with {len(variants)} Nginx variants; results in {run_dir}", file=sys.stderr)
    stack.start()
    try:
        raw = run_dir / "raw"
        for v in variants:  # warm-up: connections, caches, the app's first requests
            measure(stack, v, s, cpu_plan, raw / f"warmup-{v.name}.txt", 2)
        for r in range(s.rounds):
            order = variants[r % len(variants) :] + variants[: r % len(variants)]
            for v in order:
                base = None
                if s.paired and v.name != "baseline":
                    base = measure(stack, variants[0], s, cpu_plan, raw / f"r{r + 1}-baseline-{v.name}.txt", s.duration)
                    runs["baseline"].append(base)
                run = measure(stack, v, s, cpu_plan, raw / f"r{r + 1}-{v.name}.txt", s.duration)
                if base is not None:
                    run["baseline"] = {k: base[k] for k in ("nginx_us", "app_us")}
                runs[v.name].append(run)
                print(
                    f"round {r + 1}/{s.rounds} {v.name:<18} {run['rps']:>8.0f} req/s"
                    f"  nginx {run['nginx_us']} µs  app {run['app_us']} µs",
                    file=sys.stderr,
                )
        doc["runs"], doc["nginx"], doc["app"] = runs, ratios(runs), ratios(runs, "app_us")
        if s.perf:
            doc["profile"] = profile(stack, variants[0], s, cpu_plan, run_dir)
    finally:
        stack.stop()
    (run_dir / "results.json").write_text(json.dumps(doc, indent=2, default=str))
    text = summary_md(doc)
    (run_dir / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
