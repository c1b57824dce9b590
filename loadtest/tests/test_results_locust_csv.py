from pathlib import Path

from loadtest.results.locust_csv import read_history

HEADER = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,Total Request Count,Total Failure Count\n"


def history(tmp_path: Path, *rows: str) -> list[dict]:
    path = tmp_path / "run_stats_history.csv"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows))
    return read_history(path)


def test_throughput_per_second_from_the_cumulative_counts(tmp_path):
    points = history(
        tmp_path,
        "100,16,,Aggregated,0.0,0.0,N/A,N/A,0,0",  # spawning: nothing counted yet
        "101,16,,Aggregated,0.0,0.0,5,9,250,0",
        "102,16,GET,/api/work/json,0.0,0.0,5,9,240,0",  # per-endpoint rows are not the total
        "102,16,,Aggregated,0.0,0.0,6,10,550,2",
        "104,16,,Aggregated,0.0,0.0,7,12,950,2",  # a second with no row: averaged over 2 s
    )
    assert points == [
        {"t": 1, "rps": 250.0, "failures_per_s": 0.0, "p50": 5.0, "p95": 9.0, "users": 16},
        {"t": 2, "rps": 300.0, "failures_per_s": 2.0, "p50": 6.0, "p95": 10.0, "users": 16},
        {"t": 4, "rps": 200.0, "failures_per_s": 0.0, "p50": 7.0, "p95": 12.0, "users": 16},
    ]


def test_the_drop_at_reset_stats_is_skipped(tmp_path):
    points = history(
        tmp_path,
        "200,8,,Aggregated,0.0,0.0,5,9,400,1",  # spawn phase, then --reset-stats zeroes the counts
        "201,8,,Aggregated,0.0,0.0,5,9,90,0",
        "202,8,,Aggregated,0.0,0.0,5,9,190,0",
    )
    assert [(p["t"], p["rps"]) for p in points] == [(1, 100.0)]


def test_rows_in_the_same_second_and_empty_files_give_nothing(tmp_path):
    assert history(tmp_path) == []
    assert history(tmp_path, "300,4,,Aggregated,0.0,0.0,5,9,10,0", "300,4,,Aggregated,0.0,0.0,5,9,20,0") == []
