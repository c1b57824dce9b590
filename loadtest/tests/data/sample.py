"""A fixed, hand-checkable sample run (results.json schema_version 2) plus the matching raw files.

Every number is derived from the per-repetition RPS below, so tests can assert on
hand-computed values.  ``build_results()`` is the full run (5 repetitions, so a test can
decide: 5 vs 5 gives a smallest attainable p of 0.008); ``build_results(quick=True)`` is the
quick run (the first 2 repetitions of everything, ``settings.quick``: every comparison indicative).

Locust, capacity (medians):

* api-json: gunicorn 1000, nginx-gunicorn 850, gunicorn-nomw 1050, gunicorn-raw 2000,
  uvicorn 990 (+1.0%), nginx-uvicorn 850, nginx-uvicorn-1 400 (5 failures in r2),
  nginx-granian 1500 (generator saturated in every run), nginx-gunicorn-asgi 800.
  nginx-uvicorn and nginx-uvicorn-1 are latency-bound (app 50%, nginx 30%, generator 40% busy).
* static: nginx-gunicorn 3000: generator-bound (Locust https ceiling 3300: headroom ×1.1).
* cpu: gunicorn 200 vs uvicorn 180 (+11.1%), nginx-gunicorn 195, nginx-uvicorn 176.

wrk, capacity: api-json gunicorn 4400 (headroom ×6.8), nginx-gunicorn 2600 (×7.7),
nginx-gunicorn-split 4500 (Nginx on its own CPU set: 102% retained); static nginx-gunicorn 13000
(×1.54): static vs API = 13000 / 2600 = 5.0× with wrk.  Proxy tax with wrk: 2600 / 4400 = 59%.

CPU per request (cgroup): app 220 µs direct, 300 µs behind Nginx; Nginx 180 µs; Locust 400 µs,
wrk 30 µs.  Fixed rate, api-json at 0.5: gunicorn and nginx-gunicorn both offered 425 req/s.

``python -m loadtest.tests.data.sample DIR [--quick]`` writes the sample run directory to DIR.
"""

import csv
import json
import sys
from pathlib import Path

USERS = 100
DURATION_S = 30
REPEAT = 5
WINDOW_OFFSETS = [-0.002, -0.001, 0.0, 0.0, 0.001, 0.002]  # one per 5-s window, 5 points each
SPREAD = [0, 10, -10, 5, -5]  # per repetition, in req/s (scaled for small medians)


def _reps(median: float) -> list[float]:
    scale = max(median / 1000, 0.2)
    return [median + s * scale for s in SPREAD]


LOCUST = {
    "static": {"nginx-gunicorn": 3000},
    "api-json": {
        "gunicorn": 1000, "nginx-gunicorn": 850, "gunicorn-nomw": 1050, "gunicorn-raw": 2000, "uvicorn": 990,
        "nginx-uvicorn": 850, "nginx-uvicorn-1": 400, "nginx-granian": 1500, "nginx-gunicorn-asgi": 800,
    },
    "cpu": {"gunicorn": 200, "uvicorn": 180, "nginx-gunicorn": 195, "nginx-uvicorn": 176},
}  # fmt: skip
WRK = {
    "static": {"nginx-gunicorn": 13000},
    "api-json": {"gunicorn": 4400, "nginx-gunicorn": 2600, "nginx-gunicorn-split": 4500},
}
SATURATED = {("api-json", "nginx-granian")}
LATENCY_BOUND = {"nginx-uvicorn", "nginx-uvicorn-1"}  # in api-json
FAILURES = {("api-json", "nginx-uvicorn-1", 2): 5}
FIXED = {"gunicorn": (425.0, 10.0), "nginx-gunicorn": (425.0, 12.5)}  # target rps, avg latency ms
CALIBRATION = {"locust/https": 3300.0, "locust/http": 5000.0, "wrk/https": 20000.0, "wrk/http": 30000.0}
US = {"app-direct": 220.0, "app-proxied": 300.0, "nginx": 180.0, "locust": 400.0, "wrk": 30.0}

TOPOLOGIES = {  # name: (server, proxy, workers, label or None)
    "nginx-uvicorn-1": ("uvicorn", "nginx", 1, "Nginx → one Uvicorn process"),
    "nginx-uvicorn": ("uvicorn", "nginx", 4, "Nginx → uvicorn --workers"),
    "nginx-gunicorn": ("gunicorn", "nginx", 4, "Nginx → Gunicorn + UvicornWorker"),
    "uvicorn": ("uvicorn", "none", 4, "uvicorn --workers"),
    "gunicorn": ("gunicorn", "none", 4, "Gunicorn + UvicornWorker"),
    "nginx-gunicorn-asgi": ("gunicorn-asgi", "nginx", 4, "Nginx → Gunicorn -k asgi"),
    "nginx-granian": ("granian", "nginx", 4, "Nginx → Granian"),
    "gunicorn-nomw": ("gunicorn", "none", 4, "Gunicorn without the middleware"),
    "gunicorn-raw": ("gunicorn", "none", 4, None),  # no label: the report falls back to the name
    "nginx-gunicorn-split": ("gunicorn", "nginx", 4, "Nginx on its own CPU → Gunicorn"),
}
SCENARIOS = {
    "static": {"label": "Static files", "description": "page and assets via Nginx"},
    "api-json": {"label": "JSON endpoint", "description": "GET /api/work/json"},
    "cpu": {"description": "GET /api/work/cpu"},  # no label: falls back to the name
}


def latency(avg: float) -> dict[str, float]:
    return {
        "p50": round(avg * 0.9, 1),
        "p90": round(avg * 1.6, 1),
        "p95": round(avg * 1.9, 1),
        "p99": round(avg * 2.8, 1),
        "max": round(avg * 6.0, 1),
        "avg": round(avg, 1),
    }


def history(rps: float, p50: float, p95: float, failures: int) -> list[dict]:
    points = []
    for t in range(DURATION_S):
        offset = WINDOW_OFFSETS[t // 5]
        points.append(
            {
                "t": float(t),
                "rps": rps * (1 + offset),
                "p50": p50 * (1 + offset),
                "p95": p95 * (1 + 10 * offset),
                "users": USERS,
                "failures_per_s": failures / DURATION_S,
            }
        )
    return points


def _cpu(topology: str, scenario: str, tool: str, mode: str) -> tuple[dict, dict]:
    proxied = TOPOLOGIES[topology][1] == "nginx"
    us = {"app": US["app-proxied" if proxied else "app-direct"], "nginx": US["nginx"] if proxied else None,
          "generator": US[tool]}  # fmt: skip
    if scenario == "api-json" and topology in LATENCY_BOUND:
        busy = {"app": 0.5, "nginx": 0.3, "generator": 0.4}
    elif mode == "fixed-rate":
        busy = {"app": 0.45, "nginx": 0.2, "generator": 0.3}
    else:
        busy = {"app": 0.97, "nginx": 0.4, "generator": 0.5}
    if not proxied:
        busy.pop("nginx")
    return us, busy


def make_run(topology, scenario, rep, rps, mode="capacity", fraction=None, target=None, avg=None, tool="locust"):
    saturated = (scenario, topology) in SATURATED
    failures = FAILURES.get((scenario, topology, rep), 0)
    avg = avg if avg is not None else USERS / rps * 1000
    lat = latency(avg)
    containers = {"app": {"cpu_pct_avg": 95.0, "cpu_pct_max": 100.0, "mem_mb_avg": 180.0, "mem_mb_max": 190.0}}
    if topology.startswith("nginx-"):
        containers["nginx"] = {"cpu_pct_avg": 20.0, "cpu_pct_max": 30.0, "mem_mb_avg": 12.0, "mem_mb_max": 14.0}
    tag = f"{mode}-{fraction:g}" if fraction else mode
    scheme = "https" if TOPOLOGIES[topology][1] == "nginx" else "http"
    ceiling = CALIBRATION[f"{tool}/{scheme}"]
    us, busy = _cpu(topology, scenario, tool, mode)
    return {
        "topology": topology,
        "scenario": scenario,
        "mode": mode,
        "load_fraction": fraction,
        "target_rps": target,
        "repetition": rep,
        "requests": int(rps * DURATION_S),
        "failures": failures,
        "rps": float(rps),
        "duration_s": float(DURATION_S),
        "latency_ms": lat,
        "errors": {"502": failures} if failures else {},
        "containers": containers,
        "generator": {
            "cpu_pct_avg": 97.0 if saturated else 40.0,
            "cpu_pct_max": 100.0 if saturated else 55.0,
            "saturated": saturated,
            "warnings": ["CPU usage above 90%!"] if saturated else [],
            "tool": tool,
            "ceiling_rps": ceiling,
            "headroom": round(ceiling / rps, 3),
        },
        "history": history(rps, lat["p50"], lat["p95"], failures) if tool == "locust" else [],
        "csv_prefix": f"raw/{topology}/{scenario}/{'' if tool == 'locust' else 'wrk-'}{tag}-r{rep}",
        "tool": tool,
        "cpu_us_per_request": us,
        "cpu_busy": busy,
    }


def _settings(quick: bool) -> dict:
    return {
        "users": USERS, "duration_s": DURATION_S, "warmup_s": 10, "repeat": 2 if quick else REPEAT, "workers": 4,
        "app_cpus": "0-3", "locust_workers": 2, "quick": quick, "interleaved": True, "rounds": 2 if quick else REPEAT,
    }  # fmt: skip


def _resilience() -> list[dict]:
    """Names as loadtest/resilience/matrix.py writes them (test_report_fault_rows checks)."""
    base = {"lost_items": 0, "target": "recovery <= 5 s", "error_codes": {}, "failed_requests": 0, "stalls": []}
    return [
        {**base, "scenario": "kill-worker", "topology": "nginx-gunicorn", "failed_requests": 3,
         "error_codes": {"502": 3}, "recovery_s": 1.2, "capacity_after_pct": 99.0, "met": True,
         "notes": "master respawned the worker", "baseline_rps": 410.0, "baseline_disturbed": False},
        {**base, "scenario": "kill-worker", "topology": "nginx-uvicorn", "failed_requests": 40,
         "error_codes": {"502": 40}, "recovery_s": None, "capacity_after_pct": 75.0, "met": False,
         "notes": "worker not replaced"},  # a v1-style entry: no v2 fields
        {**base, "scenario": "recycling", "topology": "nginx-uvicorn", "recovery_s": 17.5, "capacity_after_pct": None,
         "met": False, "notes": "18 requests slower than 2 s", "baseline_rps": 22.0, "baseline_disturbed": True,
         "stalls": [{"worker_pid": 31, "start_s": 4.0, "duration_s": 12.5, "cause": "worker recycled mid-request"}]},
        {**base, "scenario": "graceful-stop", "topology": "nginx-gunicorn", "recovery_s": 0.0,
         "capacity_after_pct": None, "met": True, "notes": "stop under load", "baseline_rps": 400.0,
         "baseline_disturbed": False, "in_flight": {"count": 12, "codes": {"200": 12}}},
    ]  # fmt: skip


def build_results(quick: bool = False) -> dict:
    reps = 2 if quick else REPEAT
    runs = [
        make_run(topology, scenario, rep, rps, tool=tool)
        for tool, table in (("locust", LOCUST), ("wrk", WRK))
        for scenario, by_topology in table.items()
        for topology, median in by_topology.items()
        for rep, rps in enumerate(_reps(median)[:reps], start=1)
    ]
    for topology, (target, avg) in FIXED.items():
        for rep in range(1, reps + 1):
            runs.append(make_run(topology, "api-json", rep, target, "fixed-rate", 0.5, target, avg + rep * 0.1))
    return {
        "schema_version": 2,
        "run_id": "20261121T130000Z",
        "created_at": "2026-11-21T13:00:00Z",
        "manifest": {
            "cpu_model": "Example CPU @ 3.0GHz",
            "cpu_count": 8,
            "git_commit": "0123456789abcdef0123456789abcdef01234567",
            "host": {"kernel": "6.8.0", "docker": "27.3.1"},
            "versions": {
                "python": "3.13.1",
                "fastapi": "0.118.0",
                "uvicorn": "0.38.0",
                "gunicorn": "23.0.0",
                "granian": "2.5.0",
                "nginx": "1.29.3",
                "locust": "2.47.0",
            },
            "measurement_path": "container to container on a Docker bridge network; no published ports",
            "settings": _settings(quick),
            "cpusets": {"app": "0-3", "nginx": "4", "generator": "5-7"},
            "commands": [
                "make loadtest",
                "locust -f loadtest/generator/scenarios/api.py --headless -u 100 -r 50 -t 40s",
            ],
        },
        "scenarios": SCENARIOS,
        "topologies": {
            tid: {
                "description": f"{proxy} -> {server} x{workers}",
                "server": server,
                "proxy": proxy,
                "workers": workers,
                "app_cpus": "0-3",
                "tls": proxy == "nginx",
                **({"label": label} if label else {}),
                "idle_cpu_pct": {
                    "app": 3.1 if tid == "gunicorn-raw" else 0.5,
                    **({"nginx": 0.2} if proxy == "nginx" else {}),
                },
                "upstream": "tcp" if proxy == "nginx" else None,
                **({"nginx_cpus": "4"} if tid == "nginx-gunicorn-split" else {}),
            }
            for tid, (server, proxy, workers, label) in TOPOLOGIES.items()
        },  # fmt: skip
        "calibration": {
            name: {
                "tool": name.split("/")[0],
                "scheme": name.split("/")[1],
                "target": f"{name.split('/')[1]}://nginx/calibrate",
                "rps": rps,
                "generator_cpu_pct": 98.0,
                "duration_s": 5.0,
            }
            for name, rps in CALIBRATION.items()
        },  # fmt: skip
        "runs": runs,
        "verification": {tid: {"ok": True, "checks": ["health 200", "workers running"]} for tid in TOPOLOGIES},
        "resilience": _resilience(),
    }


# The default plan (adaptive rounds): two of its comparisons, CPU µs per request per round.
# The proxy tax is decided at the first look (round 2): 480 vs 220 µs, B (direct) cheaper;
# Gunicorn vs uvicorn --workers stays open (±4% noise) through its 2 planned looks.
SEQUENTIAL = [
    ("nginx", "Do I need Nginx? (proxy tax over TCP: replicas, remote app)", "nginx-gunicorn", "gunicorn",
     [480.0, 482.0, 478.0], [220.0, 221.0, 219.0]),
    ("gunicorn", "Do I need Gunicorn? (behind Nginx)", "nginx-gunicorn", "nginx-uvicorn",
     [480.0, 500.0, 470.0], [490.0, 470.0, 495.0]),
]  # fmt: skip


def build_default_results() -> dict:
    """The sample run as the default plan's: ``sequential``, ``plan`` and ``timing`` filled in."""
    from loadtest.report import sequential as seq

    results = build_results()
    alphas = seq.look_alphas(3)
    entries = []
    for key, question, a, b, values_a, values_b in SEQUENTIAL:
        c = seq.run_stream(seq.Comparison(key, question, a, b, "api-json", alphas), values_a, values_b)
        c.stop(seq.STOP_BUDGET)
        entries.append(c.document())
    results["sequential"] = entries
    results["manifest"]["settings"] |= {"plan": "default", "adaptive": True, "budget_s": 1800, "resilience": False}
    results["plan"] = {"name": "default", "topologies": list(TOPOLOGIES), "scenarios": ["api-json"],
                       "max_rounds": 3, "expected_s": 1500.0, "budget_s": 1800, "looks": [2, 3]}  # fmt: skip
    results["timing"] = {"planned_s": 1500.0, "took_s": 1380.0, "reason": "round 4 would not fit in the budget"}
    return results


# A user's app (APP_DIR): the sample's api-json runs stand as its "app" scenario.
APP = {
    "name": "notes-api",
    "commit": "1a2b3c4+dirty",
    "dir": "/work/examples/notes-api",
    "source": "openapi",
    "source_path": None,
    "api_prefix": "/api",
    "image": "apibundle/notes-api",
    "requests": [
        {"method": "GET", "path": "/api/", "weight": 1, "expect": 200, "name": None},
        {"method": "GET", "path": "/api/notes", "weight": 1, "expect": 200, "name": None},
    ],
}


def build_app_results(quick: bool = False) -> dict:
    """The sample run as a user app's: scenarios ``app`` (the api-json runs) and static, plus ``app``."""
    results = build_results(quick)
    runs = [r for r in results["runs"] if r["scenario"] in ("api-json", "static")]
    for run in runs:
        if run["scenario"] == "api-json":
            run["scenario"], run["csv_prefix"] = "app", run["csv_prefix"].replace("/api-json/", "/app/")
    results["runs"] = runs
    results["scenarios"] = {
        "app": {"label": "notes-api", "description": "notes-api: requests from openapi"},
        "static": SCENARIOS["static"],
    }
    results["app"] = json.loads(json.dumps(APP))
    return results


STATS_HEADER = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
]


def stats_row(run: dict, type_: str, name: str) -> list:
    lat = run["latency_ms"]
    d = run["duration_s"]
    pct = [
        lat["p50"],
        lat["p50"] * 1.1,
        lat["p50"] * 1.2,
        lat["p90"] * 0.9,
        lat["p90"],
        lat["p95"],
        lat["p99"] * 0.95,
        lat["p99"],
        lat["max"],
        lat["max"],
        lat["max"],
    ]
    return [
        type_,
        name,
        run["requests"],
        run["failures"],
        round(lat["p50"]),
        lat["avg"],
        1,
        round(lat["max"]),
        512,
        run["requests"] / d,
        run["failures"] / d,
        *(round(p) for p in pct),
    ]


def write_run_dir(path: Path, results: dict | None = None) -> Path:
    results = results if results is not None else build_results()
    path.mkdir(parents=True, exist_ok=True)
    (path / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    for run in results["runs"]:
        prefix = path / run["csv_prefix"]
        prefix.parent.mkdir(parents=True, exist_ok=True)
        if run.get("tool") == "wrk":
            prefix.with_name(prefix.name + ".txt").write_text(f"Requests/sec: {run['rps']}\n", encoding="utf-8")
            continue
        with open(f"{prefix}_stats.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(STATS_HEADER)
            writer.writerow(stats_row(run, "GET", f"/api/{run['scenario']}"))
            writer.writerow(stats_row(run, "", "Aggregated"))
        with open(f"{prefix}_failures.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["Method", "Name", "Error", "Occurrences"]])
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--quick"]
    print(write_run_dir(Path(args[0] if args else "/tmp/report-sample"), build_results(quick="--quick" in sys.argv)))
