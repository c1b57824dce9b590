"""CPU from cumulative cgroup counters: reading them (v1, v2) and the window arithmetic."""

import pytest

from loadtest.runner import cgroup, cost

CID = "abc123"


def test_value_at_interpolates_and_clamps():
    series = [(10.0, 0), (11.0, 1000), (13.0, 5000)]
    assert cgroup.value_at(series, 10.5) == 500
    assert cgroup.value_at(series, 12.0) == 3000
    assert cgroup.value_at(series, 9.0) == 0  # before the first sample
    assert cgroup.value_at(series, 20.0) == 5000  # after the last
    assert cgroup.value_at([], 1.0) is None


def test_delta_over_a_window():
    series = [(0.0, 0), (1.0, 2_000_000), (2.0, 4_000_000)]
    assert cgroup.delta_ns(series, 0.5, 1.5) == pytest.approx(2_000_000)
    assert cgroup.delta_ns([], 0, 1) is None


def test_per_request_and_busy_share():
    # 0.5 s of CPU for 2,000 requests = 250 µs each; over 2 s on 1 CPU = 25 % busy.
    assert cgroup.per_request_us(0.5e9, 2000) == 250.0
    assert cgroup.busy_share(0.5e9, 2.0, 1) == 0.25
    assert cgroup.busy_share(3e9, 1.0, 2) == 1.5  # over 1: more than the set (shares, throttling)
    assert cgroup.per_request_us(1e9, 0) is None and cgroup.per_request_us(None, 10) is None
    assert cgroup.busy_share(None, 1, 1) is None and cgroup.busy_share(1, 0, 1) is None


def test_percent_series_per_second():
    series = [(0.0, 0), (1.0, 500_000_000), (2.0, 1_500_000_000)]
    assert cgroup.percent_series(series, 0.0, 2.0) == pytest.approx([50.0, 100.0])
    assert cgroup.percent_series(series, 0.0, 0.2) == []  # under half a step


@pytest.mark.parametrize("cpuset,n", [("0", 1), ("1,3", 2), ("0-3,6", 5), ("", 0)])
def test_cpuset_size(cpuset, n):
    assert cgroup.cpuset_size(cpuset) == n


def test_cpu_stat_v2():
    assert cgroup.parse_cpu_stat("usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n") == 1_234_000
    with pytest.raises(ValueError):
        cgroup.parse_cpu_stat("user_usec 1\n")


def test_reads_cgroup_v1(tmp_path):
    (tmp_path / "cpuacct" / "docker" / CID).mkdir(parents=True)
    (tmp_path / "cpuacct" / "docker" / CID / "cpuacct.usage").write_text("987654321\n")
    mem = tmp_path / "memory" / "docker" / CID
    mem.mkdir(parents=True)
    (mem / "memory.usage_in_bytes").write_text(str(100 * 2**20))
    (mem / "memory.stat").write_text(f"cache 5\ntotal_inactive_file {20 * 2**20}\n")
    assert cgroup.cpu_ns(CID, tmp_path) == 987654321
    assert cgroup.source(CID, tmp_path) == "cgroup v1 cpuacct.usage"
    assert cgroup._mem_bytes(CID, tmp_path) == 80 * 2**20


@pytest.mark.parametrize("scope", ["system.slice/docker-abc123.scope", "docker/abc123"])
def test_reads_cgroup_v2(tmp_path, scope):
    d = tmp_path / scope
    d.mkdir(parents=True)
    (d / "cpu.stat").write_text("usage_usec 42\nuser_usec 40\n")
    (d / "memory.current").write_text("1000")
    (d / "memory.stat").write_text("anon 900\ninactive_file 100\n")
    assert cgroup.cpu_ns(CID, tmp_path) == 42_000
    assert cgroup._mem_bytes(CID, tmp_path) == 900


def test_watch_samples_until_the_name_resolves(tmp_path):
    d = tmp_path / "cpuacct" / "docker" / CID
    d.mkdir(parents=True)
    ids = iter([None, CID, CID])
    watch = cgroup.Watch({"generator": "proj-wrk-1"}, root=tmp_path, resolve=lambda ref: next(ids))
    (d / "cpuacct.usage").write_text("1000000000")
    watch.sample()  # not there yet
    assert watch.series["generator"].cpu == []
    watch.sample()
    (d / "cpuacct.usage").write_text("3000000000")
    watch.sample()
    (t0, _), (t1, _) = watch.series["generator"].cpu
    assert watch.span("generator") == (t0, t1)
    assert watch.usage("generator", t0, t1)["cpu_ns"] == 2e9


class _FakeWatch:
    """Three services, each burning a known CPU rate over [0, 10] s."""

    def __init__(self, rates_ns_per_s: dict[str, float]):
        self.series = {
            k: cgroup.Series(cpu=[(float(t), int(r * t)) for t in range(11)]) for k, r in rates_ns_per_s.items()
        }

    cpus = [0]

    def usage(self, label, t0, t1):
        s = self.series[label]
        return {"cpu_ns": cgroup.delta_ns(s.cpu, t0, t1), "samples": 3, "cpu_pct_avg": 0.0}

    def cpuset_busy(self, t0, t1):
        return None  # no /proc/stat readings

    def throttled(self, label, t0, t1):
        return None


def test_component_costs_per_request_and_busy():
    # 1,000 req/s; app 0.25 CPU-s/s -> 250 µs/req, 25 % of 1 CPU; generator 0.8 of 2 CPUs -> 40 %.
    watch = _FakeWatch({"app": 0.25e9, "generator": 0.8e9})
    out = cost.component_costs(watch, ["app"], (2.0, 6.0), 1000.0, {"app": 1, "generator": 2})
    assert out["cpu_us_per_request"] == {"app": 250.0, "nginx": None, "generator": 800.0}
    assert out["cpu_busy"] == {"app": 0.25, "generator": 0.4}
    assert out["window_s"] == 4.0


def test_headroom():
    assert cost.headroom(10_000, 5_000) == 2.0
    assert cost.headroom(None, 5_000) is None and cost.headroom(10_000, 0) is None


def test_locust_window_is_the_steady_part_of_the_history():
    assert cost.locust_window([100, 101, 102, 103, 104], 98.5, 105.2) == (101.0, 104.0)
    assert cost.locust_window([100, 101], 98.5, 103.0) == (100.5, 101.5)  # under a second: mid-seconds
    assert cost.locust_window([100], 98.5, 102.0) == (98.5, 102.0)  # one row: the whole command
    assert cost.locust_window([], 1.0, 2.0) == (1.0, 2.0)


def test_wrk_window_starts_when_the_generator_does():
    assert cost.wrk_window((10.2, 15.9), 5.0, 9.0, 16.5) == (10.2, 15.2)
    assert cost.wrk_window(None, 5.0, 9.0, 16.5) == (11.5, 16.5)


PROC_STAT = """cpu  900 0 300 2000 10 0 40 0 0 0
cpu0 500 0 200 300 0 0 30 0 0 0
cpu1 400 0 100 1700 10 0 10 0 0 0
intr 12345
"""


def test_proc_stat_sums_the_cpu_set_only():
    assert cgroup.parse_proc_stat(PROC_STAT, [0]) == {
        "user": 500, "nice": 0, "system": 200, "idle": 300, "iowait": 0, "irq": 0, "softirq": 30, "steal": 0,
    }  # fmt: skip
    assert cgroup.parse_proc_stat(PROC_STAT, [0, 1])["idle"] == 2000


def test_cpuset_shares_count_kernel_time_as_busy():
    before = dict.fromkeys(cgroup.STAT_FIELDS, 0)
    after = {**before, "user": 40, "system": 20, "softirq": 25, "irq": 5, "idle": 10}
    assert cgroup.cpuset_shares(before, after) == {
        "user": 0.4,
        "system": 0.2,
        "softirq": 0.3,
        "steal": 0.0,
        "busy": 0.9,
    }
    assert cgroup.cpuset_shares(before, before) is None


def test_throttling_from_cpu_stat_v1_and_v2():
    assert cgroup.parse_throttling("nr_periods 10\nnr_throttled 3\nthrottled_time 4500000\n") == (3, 4500)
    assert cgroup.parse_throttling("usage_usec 1\nnr_periods 10\nnr_throttled 2\nthrottled_usec 700\n") == (2, 700)
    assert cgroup.parse_throttling("usage_usec 1\n") is None  # no quota controller


def test_watch_reads_the_cpu_set_and_throttling_and_charges_the_rest_to_no_container(tmp_path):
    """App charged 0.5 of the set's CPU; the set was 0.9 busy (softirq...): 0.4 unattributed."""
    acct, quota = tmp_path / "cpuacct" / "docker" / CID, tmp_path / "cpu" / "docker" / CID
    acct.mkdir(parents=True)
    quota.mkdir(parents=True)
    stat = tmp_path / "stat"
    watch = cgroup.Watch({"app": CID, "generator": "g"}, root=tmp_path, resolve=lambda ref: CID if ref == CID else None,
                         cpus=[0], proc_stat=stat)  # fmt: skip
    for cpu_ns, (user, softirq, idle), (periods, throttled_ns) in [
        (0, (0, 0, 0), (0, 0)),
        (1_000_000_000, (60, 30, 10), (4, 100_000_000)),
    ]:
        (acct / "cpuacct.usage").write_text(str(cpu_ns))
        (quota / "cpu.stat").write_text(f"nr_periods 20\nnr_throttled {periods}\nthrottled_time {throttled_ns}\n")
        stat.write_text(f"cpu  1 1 1 1 1 1 1 1\ncpu0 {user} 0 0 {idle} 0 0 {softirq} 0 0 0\n")
        watch.sample()
    (t0, _), (t1, _) = watch.series["app"].cpu
    busy = watch.cpuset_busy(t0, t1)
    assert busy["busy"] == 0.9 and busy["softirq"] == 0.3
    assert watch.throttled("app", t0, t1) == {"periods": 4, "ms": 100.0}
    # Over a known window: the app charged 1 CPU-s in 2 s (0.5 of the set), the set 0.9 busy.
    watch.series["app"].cpu = [(0.0, 0), (2.0, 1_000_000_000)]
    watch.series["app"].throttled = [(0.0, 0, 0), (2.0, 4, 100_000)]
    zero = dict.fromkeys(cgroup.STAT_FIELDS, 0)
    watch.cpuset = [(0.0, zero), (2.0, {**zero, "user": 60, "softirq": 30, "idle": 10})]
    out = cost.component_costs(watch, ["app"], (0.0, 2.0), 100.0, {"app": 1, "generator": 1})
    assert out["cpu_busy"]["app"] == 0.5 and out["sut_cpuset"]["unattributed"] == 0.4
    assert out["throttled"] == {"app": {"periods": 4, "ms": 100.0}}
