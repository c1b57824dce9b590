import pytest

from loadtest.runner.sampler import cpu_percent


def stat(total, system, pre_total, pre_system, online=2, percpu=None):
    usage = {"total_usage": total, **({"percpu_usage": percpu} if percpu is not None else {})}
    cpu = {"cpu_usage": usage, "system_cpu_usage": system, **({"online_cpus": online} if online else {})}
    return {"cpu_stats": cpu, "precpu_stats": {"cpu_usage": {"total_usage": pre_total}, "system_cpu_usage": pre_system}}


def test_share_of_the_system_delta_times_the_online_cpus():
    # 1 s of CPU time while the whole machine (2 CPUs) advanced 2 s: one CPU busy = 100 %.
    assert cpu_percent(stat(2_000_000_000, 12_000_000_000, 1_000_000_000, 10_000_000_000)) == pytest.approx(100.0)
    # Both CPUs busy.
    assert cpu_percent(stat(2_000_000_000, 12_000_000_000, 0, 10_000_000_000)) == pytest.approx(200.0)


def test_online_cpus_missing_counts_the_per_cpu_list():
    s = stat(1_500_000_000, 14_000_000_000, 500_000_000, 10_000_000_000, online=0, percpu=[1, 1, 1, 1])
    assert cpu_percent(s) == pytest.approx(100.0)


def test_no_figure_without_a_previous_sample_or_time_passing():
    assert cpu_percent({"cpu_stats": {"cpu_usage": {"total_usage": 5}}, "precpu_stats": {}}) is None
    assert cpu_percent({}) is None
    assert cpu_percent(stat(10, 100, 5, 100)) is None  # no system time passed
    assert cpu_percent(stat(5, 200, 10, 100)) is None  # counter went backwards (container restarted)
