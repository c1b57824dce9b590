"""Load-test harness: runner, scenarios and report generator."""
