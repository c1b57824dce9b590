# apibundle Nginx exporter: turns Nginx's stub_status (http://nginx:8081/stub_status, the
# internal server in nginx/sites/health.conf) into Prometheus metrics on :9113.
#   docker build -f nginx-exporter.Dockerfile monitoring/          # official nginx/nginx-prometheus-exporter:1.4.1
#   docker build -f nginx-exporter.Dockerfile --build-arg NGINX_EXPORTER_IMAGE=apibundle/base-nginx-exporter:trixie monitoring/
#     (Debian trixie's prometheus-nginx-exporter 1.4.1, made by scripts/images.sh where no
#     registry answers, with the binary linked to the official image's path)
# The official image is FROM scratch (no shell), so this file runs nothing: it only fixes the
# user and the command, the same on both bases.
ARG NGINX_EXPORTER_IMAGE=nginx/nginx-prometheus-exporter:1.4.1
FROM ${NGINX_EXPORTER_IMAGE}

USER 65534:65534
EXPOSE 9113
ENTRYPOINT ["/usr/bin/nginx-prometheus-exporter"]
CMD ["--nginx.scrape-uri=http://nginx:8081/stub_status", "--web.listen-address=:9113"]
