from servers.workers import available_cpus, cgroup_cpu_quota, worker_count


def cgroup_v2(tmp_path, cpu_max: str):
    (tmp_path / "cpu.max").write_text(cpu_max + "\n")
    return tmp_path


def cgroup_v1(tmp_path, quota: str, period: str = "100000"):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text(quota)
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text(period)
    return tmp_path


def test_v2_quota_rounds_up(tmp_path):
    root = cgroup_v2(tmp_path, "150000 100000")
    assert cgroup_cpu_quota(root) == 1.5
    assert worker_count(root=root) == 2


def test_v2_fraction_of_a_cpu_is_one_worker(tmp_path):
    assert worker_count(root=cgroup_v2(tmp_path, "50000 100000")) == 1


def test_v2_unlimited_falls_back_to_affinity(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2})
    assert cgroup_cpu_quota(cgroup_v2(tmp_path, "max 100000")) is None
    assert available_cpus(tmp_path) == 3


def test_v1_quota(tmp_path):
    assert worker_count(root=cgroup_v1(tmp_path, "400000")) == 4


def test_v1_unlimited_is_minus_one(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert worker_count(root=cgroup_v1(tmp_path, "-1")) == 1


def test_no_cgroup_files_uses_affinity_then_cpu_count(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3, 4})
    assert worker_count(root=tmp_path) == 5
    monkeypatch.delattr("os.sched_getaffinity")
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert worker_count(root=tmp_path) == 6


def test_web_concurrency_overrides_and_max_workers_caps(tmp_path):
    root = cgroup_v2(tmp_path, "800000 100000")
    assert worker_count(web_concurrency=3, root=root) == 3
    assert worker_count(max_workers=2, root=root) == 2
    assert worker_count(web_concurrency=5, max_workers=4, root=root) == 4


def test_garbage_cgroup_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert worker_count(root=cgroup_v2(tmp_path, "lots 0")) == 2
