"""Prometheus metrics of the app (prometheus-client, multiprocess mode under every server).

``instruments`` defines the metrics, ``multiprocess`` keeps the shared directory right as
workers come and go, ``store`` times the repository's operations; the HTTP middleware is
app/middleware/metrics.py. They are served on their own port (9100) by servers/exporter.py,
never by the public app.
"""
