"""A fixed, hand-checkable sample run: results.json plus the matching Locust stats CSVs.

Every number is derived from the per-repetition RPS below, so tests can assert on
hand-computed values:

* api-json medians: gunicorn 1000, nginx-gunicorn 850, gunicorn-nomw 1050, gunicorn-raw 2000,
  uvicorn 990 (+1.0%: below the 3% practical threshold), nginx-uvicorn 850 (identical),
  nginx-uvicorn-1 400 (5 failures in r2), nginx-granian 1500 (generator saturated in all runs).
* static: nginx-gunicorn 9000, nginx-uvicorn 8800 (generator saturated).
* cpu: gunicorn 200 vs uvicorn 180 (+11.1%), nginx-gunicorn 195, nginx-uvicorn 176.
* fixed-rate api-json at 0.5: gunicorn and nginx-gunicorn both offered 425 req/s.

History windows (5 s) deviate from the repetition's RPS by the same offsets in every run,
and the offsets sum to zero, so the mean of the history equals the repetition's RPS.

``python -m loadtest.tests.data.sample DIR`` writes the sample run directory to DIR.
"""

import csv
import json
import sys
from pathlib import Path

USERS = 100
DURATION_S = 30
WINDOW_OFFSETS = [-0.002, -0.001, 0.0, 0.0, 0.001, 0.002]  # one per 5-s window, 5 points each

CAPACITY = {
    "api-json": {
        "gunicorn": [1000, 1010, 990],
        "nginx-gunicorn": [850, 860, 840],
        "gunicorn-nomw": [1050, 1060, 1040],
        "gunicorn-raw": [2000, 2020, 1980],
        "uvicorn": [990, 1000, 980],
        "nginx-uvicorn": [850, 855, 845],
        "nginx-uvicorn-1": [400, 405, 395],
        "nginx-granian": [1500, 1510, 1490],
    },
    "static": {"nginx-gunicorn": [9000, 9100, 8900], "nginx-uvicorn": [8800, 8850, 8750]},
    "cpu": {
        "gunicorn": [200, 202, 198],
        "uvicorn": [180, 182, 178],
        "nginx-gunicorn": [195, 197, 193],
        "nginx-uvicorn": [176, 178, 174],
    },
}
SATURATED = {("api-json", "nginx-granian"), ("static", "nginx-uvicorn")}
FAILURES = {("api-json", "nginx-uvicorn-1", 2): 5}
FIXED = {"gunicorn": (425.0, 10.0), "nginx-gunicorn": (425.0, 12.5)}  # target rps, avg latency ms

TOPOLOGIES = {
    "nginx-uvicorn-1": ("uvicorn", "nginx", 1),
    "nginx-uvicorn": ("uvicorn", "nginx", 4),
    "nginx-gunicorn": ("gunicorn", "nginx", 4),
    "uvicorn": ("uvicorn", "none", 4),
    "gunicorn": ("gunicorn", "none", 4),
    "nginx-granian": ("granian", "nginx", 4),
    "gunicorn-nomw": ("gunicorn", "none", 4),
    "gunicorn-raw": ("gunicorn", "none", 4),
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


def make_run(topology, scenario, rep, rps, mode="capacity", fraction=None, target=None, avg=None) -> dict:
    saturated = (scenario, topology) in SATURATED
    failures = FAILURES.get((scenario, topology, rep), 0)
    avg = avg if avg is not None else USERS / rps * 1000
    lat = latency(avg)
    containers = {"app": {"cpu_pct_avg": 95.0, "cpu_pct_max": 100.0, "mem_mb_avg": 180.0, "mem_mb_max": 190.0}}
    if topology.startswith("nginx-"):
        containers["nginx"] = {"cpu_pct_avg": 20.0, "cpu_pct_max": 30.0, "mem_mb_avg": 12.0, "mem_mb_max": 14.0}
    tag = f"{mode}-{fraction:g}" if fraction else mode
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
        },
        "history": history(rps, lat["p50"], lat["p95"], failures),
        "csv_prefix": f"raw/{topology}/{scenario}/{tag}-r{rep}",
    }


def build_results() -> dict:
    runs = [
        make_run(topology, scenario, rep, rps)
        for scenario, by_topology in CAPACITY.items()
        for topology, values in by_topology.items()
        for rep, rps in enumerate(values, start=1)
    ]
    for topology, (target, avg) in FIXED.items():
        for rep in (1, 2, 3):
            runs.append(make_run(topology, "api-json", rep, target, "fixed-rate", 0.5, target, avg + rep * 0.1))
    return {
        "schema_version": 1,
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
            "settings": {
                "users": USERS,
                "duration_s": DURATION_S,
                "warmup_s": 10,
                "repeat": 3,
                "workers": 4,
                "app_cpus": "0-3",
                "locust_workers": 2,
                "quick": False,
            },
            "cpusets": {"app": "0-3", "nginx": "4", "generator": "5-7"},
            "commands": ["make loadtest", "locust -f loadtest/scenarios/api.py --headless -u 100 -r 50 -t 40s"],
        },
        "topologies": {
            tid: {
                "description": f"{proxy} -> {server} x{workers}",
                "server": server,
                "proxy": proxy,
                "workers": workers,
                "app_cpus": "0-3",
                "tls": False,
            }
            for tid, (server, proxy, workers) in TOPOLOGIES.items()
        },
        "runs": runs,
        "verification": {tid: {"ok": True, "checks": ["health 200", "workers running"]} for tid in TOPOLOGIES},
        "resilience": [
            {
                "scenario": "worker-kill",
                "topology": "nginx-gunicorn",
                "failed_requests": 3,
                "error_codes": {"502": 3},
                "recovery_s": 1.2,
                "capacity_after_pct": 99.0,
                "lost_items": 0,
                "target": "recovery <= 5 s",
                "met": True,
                "notes": "master respawned the worker",
            },
            {
                "scenario": "worker-kill",
                "topology": "nginx-uvicorn",
                "failed_requests": 40,
                "error_codes": {"502": 40},
                "recovery_s": None,
                "capacity_after_pct": 75.0,
                "lost_items": 0,
                "target": "recovery <= 5 s",
                "met": False,
                "notes": "worker not replaced",
            },
        ],
    }


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
        with open(f"{prefix}_stats.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(STATS_HEADER)
            writer.writerow(stats_row(run, "GET", f"/api/{run['scenario']}"))
            writer.writerow(stats_row(run, "", "Aggregated"))
        with open(f"{prefix}_failures.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["Method", "Name", "Error", "Occurrences"]])
    return path


if __name__ == "__main__":
    print(write_run_dir(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/report-sample")))
