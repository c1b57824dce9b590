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

    def usage(self, label, t0, t1):
        s = self.series[label]
        return {"cpu_ns": cgroup.delta_ns(s.cpu, t0, t1), "samples": 3, "cpu_pct_avg": 0.0}


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
