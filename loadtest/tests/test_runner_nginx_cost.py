from pathlib import Path

import pytest

from loadtest.bundle.paths import ROOT
from loadtest.runner import nginx_cost, perf_profile

PERF_SCRIPT = """\
nginx 1234/1234 [000] 100.000001: 1001001 cpu-clock:pppH:
\tffffffff8155 tcp_sendmsg_locked+0x1c ([kernel.kallsyms])
\tffffffff8156 __x64_sys_writev+0x1c ([kernel.kallsyms])
\tffffffff8157 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])
\t7f00 __writev+0x14 (/usr/lib/x86_64-linux-gnu/libc.so.6)

nginx 1234/1234 [000] 100.001001: 1001001 cpu-clock:pppH:
\tffffffff8158 nf_conntrack_in+0x10 ([kernel.kallsyms])
\tffffffff8155 tcp_sendmsg_locked+0x1c ([kernel.kallsyms])

nginx 1234/1234 [000] 100.002001: 1001001 cpu-clock:pppH:
\t7f10 aesni_gcm_encrypt+0x10 (/usr/lib/x86_64-linux-gnu/libcrypto.so.3)

nginx 1234/1234 [000] 100.003001: 1001001 cpu-clock:pppH:
\t5610 ngx_http_parse_request_line+0x30 (/usr/sbin/nginx)
\t5611 ngx_http_process_request_line+0x30 (/usr/sbin/nginx)
"""


def test_perf_samples_are_grouped_by_where_the_cpu_was():
    samples = perf_profile.parse_script(PERF_SCRIPT)
    assert [perf_profile.classify(s) for s in samples] == [
        "kernel: TCP / IP / veth (client side)",
        "kernel: netfilter / conntrack / bridge",
        "TLS",
        "nginx: HTTP parsing / request",
    ]
    groups = perf_profile.summarise(samples)
    assert sum(groups.values()) == pytest.approx(1.0)
    assert perf_profile.rollup(groups) == {"kernel": 0.5, "TLS": 0.25, "nginx": 0.25}
    assert perf_profile.top_symbols(samples, 1)[0][2] == 0.25


def test_every_variant_edits_the_shipped_config(tmp_path: Path):
    """A variant whose text no longer matches nginx/ would silently measure the baseline."""
    for variant in nginx_cost.VARIANTS:
        dest = nginx_cost.write_config(variant, tmp_path / variant.name)
        for file, old, new in variant.edits:
            path = dest / file if file == "nginx.conf" else dest / "apibundle" / file
            original = (ROOT / "nginx" / file).read_text()
            assert path.read_text() != original or old == new, (variant.name, file)


def test_an_edit_that_matches_nothing_is_refused():
    with pytest.raises(ValueError, match="0 times"):
        nginx_cost.apply_edits("gzip on;", [("gzip off;", "gzip on;")])


def test_ratios_pair_each_round_with_its_own_baseline():
    runs = {
        "baseline": [{"nginx_us": 100.0, "rps": 1}, {"nginx_us": 50.0, "rps": 1}],
        "x": [{"nginx_us": 90.0, "rps": 1}, {"nginx_us": 45.0, "rps": 1}],
    }
    r = nginx_cost.ratios(runs)["x"]
    assert (r["ratio"], r["ratio_min"], r["ratio_max"]) == (0.9, 0.9, 0.9)


def test_paired_runs_are_compared_with_the_baseline_just_before_them():
    runs = {
        "baseline": [{"nginx_us": 100.0, "rps": 1}, {"nginx_us": 50.0, "rps": 1}],
        "x": [{"nginx_us": 45.0, "rps": 1, "baseline": {"nginx_us": 50.0}}],
    }
    assert nginx_cost.ratios(runs)["x"]["ratio"] == 0.9
