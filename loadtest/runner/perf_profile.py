"""Where a process's CPU time goes, from `perf script` output of a `perf record -g` session.

Each sample is classified once, by its leaf frame (where the CPU was) and, for kernel samples,
by the path the kernel call chain shows (kernel stacks unwind reliably; user stacks of
distribution binaries built without frame pointers do not, so user samples are grouped by the
leaf's DSO and, for Nginx itself, by the leaf function's module):

- ``TLS``: libssl / libcrypto (record encryption, the handshakes, RAND_bytes);
- ``kernel: ...``: by what the chain went through: netfilter / conntrack and the bridge, TCP
  (the client side), the unix socket (the upstream), epoll, the scheduler, softirq, other
  syscalls;
- ``nginx: ...``: HTTP parsing, headers and filters, variables / map / regex, the access log,
  upstream / proxy, core (event loop, pools, buffers), gzip;
- ``libc`` (memcpy, malloc, string functions: called from everything above), ``pcre2``, ``zlib``,
  ``other``.
"""

import re
from collections import Counter
from collections.abc import Iterable

# Kernel subsystems, matched from the leaf frame outwards: the innermost frame that names one
# decides (a conntrack lookup inside a TCP send counts as netfilter; the TCP code around it as
# TCP; memcpy or a spinlock inside either as the subsystem that called it).
KERNEL_PATHS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("kernel: netfilter / conntrack / bridge", re.compile(r"^(nf_|nft_|ipt_|br_|__nf_|ip_tables|nf_hook)")),
    ("kernel: unix socket (upstream)", re.compile(r"^unix_")),
    (
        "kernel: TCP / IP / veth (client side)",
        re.compile(r"^(tcp_|__tcp_|ip_|__ip_|veth_|__dev_queue_xmit|netif_|inet_)"),
    ),
    ("kernel: epoll", re.compile(r"^(ep_|do_epoll|__x64_sys_epoll|__do_sys_epoll)")),
    (
        "kernel: scheduler / context switch",
        re.compile(r"^(schedule|__schedule|__switch_to|finish_task_switch|pick_next|try_to_wake_up)"),
    ),
    (
        "kernel: softirq / interrupts",
        re.compile(r"^(__do_softirq|handle_softirqs|net_rx_action|irq_exit|asm_sysvec|sysvec_)"),
    ),
)
SYSCALL = re.compile(r"^(entry_SYSCALL|do_syscall_64|__x64_sys_)")

# Nginx's own functions by module (its binary exports every symbol: modules link against it).
NGINX_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("nginx: access log", re.compile(r"^ngx_http_log_|^ngx_escape_json")),
    ("nginx: gzip", re.compile(r"^ngx_http_gzip_")),
    (
        "nginx: variables / map / regex",
        re.compile(r"^(ngx_http_(variable|map|geo|get_.*variable|complex_value|script)|ngx_regex|ngx_hash_find)"),
    ),
    ("nginx: upstream / proxy", re.compile(r"^ngx_http_(upstream|proxy)_|^ngx_event_pipe")),
    (
        "nginx: headers / filters",
        re.compile(r"^ngx_http_(header|.*_filter|headers_|chunked|charset|postpone|write_filter|copy_filter|range)"),
    ),
    (
        "nginx: HTTP parsing / request",
        re.compile(r"^ngx_http_(parse|process|read|core|handler|request|wait|set_keepalive|finalize|run_posted|limit)"),
    ),
    ("nginx: TLS glue", re.compile(r"^ngx_ssl_|^ngx_http_ssl")),
)

DSO_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("TLS", re.compile(r"libssl|libcrypto")),
    ("pcre2", re.compile(r"libpcre")),
    ("zlib", re.compile(r"libz\.")),
    ("libc", re.compile(r"libc[.-]|ld-linux")),
)

HEADER = re.compile(r"^\S.*?\s(\d+)/(\d+)?\s")  # "nginx  1234/1234  123.456: ..." (the sample line)
FRAME = re.compile(r"^\s+([0-9a-f]+)\s+(.+?)\s+\((.*)\)\s*$")


def parse_script(text: str) -> list[list[tuple[str, str]]]:
    """`perf script` output (with call chains) as samples, each a list of (symbol, dso) frames,
    leaf first. Symbols lose their ``+0x..`` offsets."""
    samples: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line in text.splitlines():
        if not line.strip():
            if current is not None:
                samples.append(current)
            current = None
            continue
        m = FRAME.match(line)
        if m and current is not None:
            current.append((m.group(2).split("+0x")[0], m.group(3)))
        elif not line.startswith((" ", "\t")):
            if current is not None:
                samples.append(current)
            current = []
    if current is not None:
        samples.append(current)
    return samples


def _kernel(frame_dso: str) -> bool:
    return "kernel" in frame_dso or frame_dso.startswith("[") and frame_dso != "[unknown]"


def classify(frames: list[tuple[str, str]]) -> str:
    """The group of one sample (see the module docstring)."""
    if not frames:
        return "other"
    sym, dso = frames[0]
    if _kernel(dso):
        kernel = [s for s, d in frames if _kernel(d)]
        for s in kernel:  # innermost first: the subsystem the CPU was in, not every caller's
            for name, pattern in KERNEL_PATHS:
                if pattern.match(s):
                    return name
        return "kernel: other syscalls" if any(SYSCALL.match(s) for s in kernel) else "kernel: other"
    for name, pattern in DSO_GROUPS:
        if pattern.search(dso):
            return name
    if re.search(r"(^|/)nginx$", dso):
        for name, pattern in NGINX_GROUPS:
            if pattern.match(sym):
                return name
        return "nginx: core (events, pools, buffers)"
    return "other"


def summarise(samples: Iterable[list[tuple[str, str]]]) -> dict[str, float]:
    """Share of samples per group, largest first (shares sum to 1)."""
    counts = Counter(classify(s) for s in samples)
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in counts.most_common()} if total else {}


def top_symbols(samples: Iterable[list[tuple[str, str]]], n: int = 25) -> list[tuple[str, str, float]]:
    """The leaf functions with the most samples: (symbol, dso's file name, share)."""
    leaves = Counter((s[0][0], s[0][1].rsplit("/", 1)[-1]) for s in samples if s)
    total = sum(leaves.values())
    return [(sym, dso, round(c / total, 4)) for (sym, dso), c in leaves.most_common(n)] if total else []


def rollup(shares: dict[str, float]) -> dict[str, float]:
    """Groups summed by their prefix: TLS, kernel, nginx, libc and the rest."""
    out: Counter[str] = Counter()
    for name, share in shares.items():
        out[name.split(":")[0]] += share
    return {k: round(v, 4) for k, v in out.most_common()}
