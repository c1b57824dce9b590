"""A run's folder: results.json and the report beside it; reports/latest only when asked (the
load test's, which the next run plans from), never the resilience runs'."""

import json
import time

from loadtest.report import run_folder


def test_a_run_folder_holds_results_and_report_and_latest_points_to_the_load_test(tmp_path, quick_results):
    reports = tmp_path / "reports"
    load_test = run_folder.new_run_dir(reports)
    paths = run_folder.write(load_test, quick_results, latest=True)
    assert json.loads((load_test / "results.json").read_text()) == quick_results
    assert paths["html"].parent == load_test and paths["html"].exists() and paths["markdown"].exists()
    assert (reports / "latest").resolve() == load_test.resolve()

    time.sleep(1)  # the folder is named by the second
    faults = run_folder.new_run_dir(reports)
    run_folder.write(faults, quick_results)
    assert faults != load_test and (reports / "latest").resolve() == load_test.resolve()
