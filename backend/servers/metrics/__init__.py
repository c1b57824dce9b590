"""Prometheus metrics of whatever app the bundle serves (prometheus-client, multiprocess mode
under every server).

``instruments`` defines the server layer's metrics (requests, latency, workers, log lines
dropped), ``multiprocess`` keeps the shared directory right as workers come and go, what each
request records is servers/middleware/metrics.py (fed by the request observer, servers/
middleware/observe.py). They are served on their own port (9100) by servers/exporter.py, never
by the public app. An app's own prometheus-client metrics are
exported with them (PROMETHEUS_MULTIPROC_DIR is set in every worker when metrics are on).
"""
