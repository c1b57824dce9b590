"""Scrape the app's metrics the way Prometheus does, from the backend network: a raw HTTP/1.0
GET from the Nginx container (it has bash, not curl) to app:9100. Shared by the metrics tests."""

from prometheus_client.parser import text_string_to_metric_families

SCRAPE = 'exec 3<>/dev/tcp/app/9100 && printf "GET /metrics HTTP/1.0\\r\\nHost: app\\r\\n\\r\\n" >&3 && cat <&3'


def exec_in(stack, service: str, *cmd: str) -> str:
    result = stack.run("exec", "-T", service, *cmd, check=False)
    assert result.returncode == 0, f"{cmd} in {service}: {result.stderr}"
    return result.stdout


def scrape(stack) -> dict[tuple, float]:
    """Every sample: {(name, sorted label pairs): value}."""
    head, _, text = exec_in(stack, "nginx", "bash", "-c", SCRAPE).partition("\n\n")  # (text mode: no \r)
    assert head.startswith("HTTP/1.0 200"), head
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}  # fmt: skip
