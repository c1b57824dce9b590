# apibundle Prometheus: the monitoring profile's server (docker-compose.yml, profile monitoring),
# with the bundle's scrape config and alert rules baked in, checked by promtool at build time.
#   docker build -f prometheus.Dockerfile monitoring/                   # official prom/prometheus:v2.53.3
#   docker build -f prometheus.Dockerfile --build-arg PROMETHEUS_IMAGE=apibundle/base-prometheus:trixie monitoring/
#     (Debian trixie's prometheus 2.53.3 package, made by scripts/images.sh where no registry answers)
# Both bases have /bin/prometheus and /bin/promtool (trixie is usrmerged: /bin is /usr/bin).
# Runs as nobody (65534) on a read-only root filesystem; writes only its TSDB in /prometheus (a
# named volume). Debian's package has no React UI (its install-ui.sh would download one): the
# HTTP API, the targets and alerts pages work on both.
ARG PROMETHEUS_IMAGE=prom/prometheus:v2.53.3
FROM ${PROMETHEUS_IMAGE}

USER root
COPY prometheus.yml /etc/apibundle/prometheus/prometheus.yml
COPY rules/ /etc/apibundle/prometheus/rules/
COPY tests/ /etc/apibundle/prometheus/tests/
# The config, its rules and their unit tests must hold before an image exists at all. The TSDB
# folder belongs to nobody: a new named volume takes its owner from here.
RUN set -eu; \
    /bin/promtool check config /etc/apibundle/prometheus/prometheus.yml; \
    /bin/promtool test rules /etc/apibundle/prometheus/tests/*.test.yml; \
    mkdir -p /prometheus; \
    chown 65534:65534 /prometheus; \
    chmod -R a+rX,go-w /etc/apibundle

USER 65534:65534
WORKDIR /prometheus
VOLUME ["/prometheus"]
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
# Retention and the rest are set by docker-compose.yml (PROMETHEUS_RETENTION...); these are the
# image's defaults when run alone.
CMD ["--config.file=/etc/apibundle/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", \
     "--storage.tsdb.retention.time=2d", "--storage.tsdb.retention.size=1GB"]
