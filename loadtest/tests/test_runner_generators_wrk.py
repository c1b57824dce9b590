"""wrk runs: the Lua script's JSON line, parsed into results.json's terms; the command line."""

import subprocess

import pytest

from loadtest.runner.generators import wrk

WRK_STDOUT = """Running 3s test @ https://nginx:8443
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.15ms    1.62ms  32.29ms   88.31%
  293837 requests in 3.01s, 28.86MB read
Requests/sec:  97551.20
Transfer/sec:      9.58MB
{"wrk": 1, "requests": 293837, "bytes": 30263931, "duration_s": 3.012131, "rps": 97551.20, \
"errors": {"connect": 0, "read": 2, "write": 0, "status": 5, "timeout": 1}, "failures": 8, \
"latency_ms": {"p50": 0.282, "p90": 3.578, "p95": 4.293, "p99": 7.550, "max": 32.285, "avg": 1.150}}
"""


def test_parse_takes_the_json_line():
    report = wrk.parse(WRK_STDOUT)
    assert report["requests"] == 293837 and report["duration_s"] == pytest.approx(3.012131)


def test_parse_without_a_json_line_says_so():
    with pytest.raises(ValueError, match="no wrk JSON line"):
        wrk.parse("Running 3s test\nunable to connect to nginx:8443 Connection refused\n")


def test_parse_rejects_an_incomplete_report():
    with pytest.raises(ValueError, match="latency_ms"):
        wrk.parse('{"wrk": 1, "requests": 1, "duration_s": 1, "rps": 1, "errors": {}}')


def test_to_run_counts_every_error_kind_and_keeps_only_nonzero_ones():
    run = wrk.to_run(wrk.parse(WRK_STDOUT))
    assert run["requests"] == 293837 and run["rps"] == 97551.2
    assert run["failures"] == 8
    assert run["errors"] == {"wrk read": 2, "wrk status": 5, "wrk timeout": 1}
    assert run["latency_ms"] == {"p50": 0.282, "p90": 3.578, "p95": 4.293, "p99": 7.55, "max": 32.285, "avg": 1.15}
    assert run["history"] == []


def test_static_paths_are_the_page_and_its_assets():
    html = '<link href="/assets/app.1.css" rel="stylesheet"><script src="/assets/app.2.js"></script>'
    assert wrk.static_paths(html) == ("/", "/assets/app.1.css", "/assets/app.2.js")


def test_paths_for_the_static_scenario_come_from_the_shipped_page():
    paths = wrk.paths_for("static")
    assert paths[0] == "/" and len(paths) >= 2 and all(p.startswith("/assets/") for p in paths[1:])
    assert wrk.paths_for("api-json") == ("/api/work/json",)
    assert wrk.paths_for("api-write") is None  # a user flow: Locust only


def test_command_line_pins_connections_threads_duration_and_script():
    spec = wrk.WrkSpec("https://nginx:8443", ("/", "/a.css"), connections=64, duration=5, threads=2)
    args = wrk.compose_args(spec, "p-wrk-1")
    assert args[:9] == [
        "--profile",
        "generator",
        "run",
        "--rm",
        "--no-deps",
        "--name",
        "p-wrk-1",
        "--entrypoint",
        "wrk",
    ]
    assert args[9] == "locust"
    rest = args[10:]
    assert rest[rest.index("-t") + 1] == "2" and rest[rest.index("-c") + 1] == "64"
    assert rest[rest.index("-d") + 1] == "5s" and rest[rest.index("-s") + 1] == wrk.SCRIPT
    assert rest[-4:] == ["https://nginx:8443", "--", "/", "/a.css"]


def test_never_fewer_connections_than_threads():
    args = wrk.WrkSpec("http://app:8000", ("/",), connections=1, duration=1, threads=4).args()
    assert args[args.index("-c") + 1] == "4"


def test_run_keeps_the_raw_output_and_fails_loudly(tmp_path):
    def compose(*args, check, timeout):
        return subprocess.CompletedProcess(args, 0, WRK_STDOUT, "")

    spec = wrk.WrkSpec("https://nginx:8443", ("/",), 64, 3)
    fields, report = wrk.run(compose, spec, "n", tmp_path / "raw" / "wrk-capacity-r1.txt")
    assert fields["rps"] == 97551.2 and report["bytes"] == 30263931
    assert "Requests/sec" in (tmp_path / "raw" / "wrk-capacity-r1.txt").read_text()

    def broken(*args, check, timeout):
        return subprocess.CompletedProcess(args, 1, "", "unable to connect")

    with pytest.raises(RuntimeError, match="unable to connect"):
        wrk.run(broken, spec, "n", tmp_path / "x.txt")
