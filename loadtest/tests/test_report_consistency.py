from loadtest.report.consistency import check_against_csv
from loadtest.tests.data.csv_edit import PREFIX, edit_csv


def test_matching_data_passes(run_dir):
    check = check_against_csv(run_dir)
    assert check.ok
    assert check.checked == 80 and check.skipped == 20  # wrk runs have no Locust CSV
    assert (
        check.summary == "numbers checked against raw Locust CSVs: 80 runs (20 wrk runs have no Locust CSV), all match"
    )


def test_altered_request_count_is_a_mismatch(run_dir):
    edit_csv(run_dir, PREFIX, "Request Count", "29999")
    check = check_against_csv(run_dir)
    assert not check.ok
    assert check.mismatches == ["gunicorn/api-json/capacity-r1: requests 30000 != CSV Request Count 29999"]
    assert (
        check.summary
        == "numbers checked against raw Locust CSVs: 80 runs (20 wrk runs have no Locust CSV), 1 mismatch(es)"
    )


def test_altered_percentile_and_rps_are_mismatches(run_dir):
    edit_csv(run_dir, PREFIX, "99%", "330")  # results.json says 280.0 ms
    edit_csv(run_dir, PREFIX, "Requests/s", "950.0")
    mismatches = check_against_csv(run_dir).mismatches
    assert "gunicorn/api-json/capacity-r1: latency p99 280.0 ms != CSV 99% 330 ms" in mismatches
    assert "gunicorn/api-json/capacity-r1: rps 1000.0 != CSV Requests/s 950.0" in mismatches


def test_rounding_is_tolerated(run_dir):
    edit_csv(run_dir, PREFIX, "99%", "281")  # Locust rounds percentiles
    edit_csv(run_dir, PREFIX, "Requests/s", "1000.004")
    assert check_against_csv(run_dir).ok


def test_missing_csv_is_reported(run_dir):
    (run_dir / f"{PREFIX}_stats.csv").unlink()
    check = check_against_csv(run_dir)
    assert check.checked == 79
    assert len(check.missing) == 1 and check.missing[0].startswith("gunicorn/api-json/capacity-r1:")
    assert "1 CSV(s) missing or unreadable" in check.summary
