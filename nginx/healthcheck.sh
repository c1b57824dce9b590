#!/bin/bash
# Container healthcheck: exits 0 when Nginx answers 200 on its loopback health server
# (sites/health.conf). Docker runs it every few seconds for the container's whole life, so it
# is bash's own /dev/tcp and one HTTP/1.0 request: no curl (loading libcurl and OpenSSL per
# probe cost several times more CPU; measured figures in README).
exec 3<>/dev/tcp/127.0.0.1/8081 || exit 1
printf 'GET /nginx-health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 3 status <&3 || exit 1
[[ $status == "HTTP/1."?" 200 "* ]]
