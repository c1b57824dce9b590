#!/usr/bin/env bash
# `make certs`: a local certificate authority and a server certificate signed by it.
#
#   certs/ca.crt, certs/ca.key       the local CA (trust ca.crt in your client; ca.key stays 0600)
#   certs/live/server.crt, .key      what Nginx mounts (SANs: localhost, 127.0.0.1, ::1 + $CERT_NAMES)
#
# Idempotent: existing certificates are kept while they are valid for 30 more days and live no
# longer than Mozilla's profile allows (366 days: a certificate from an older version, 825
# days, is replaced).
# For real certificates, point CERTS_DIR at a folder with server.crt (full chain) and server.key.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${CERTS_OUT:-certs}
live="$dir/live"
days=${CERT_DAYS:-365}
max_days=366
nginx_gid=10001  # the Nginx container's group: it must read server.key

lifespan_days() {  # notAfter - notBefore of a certificate, in whole days
  local start end
  start=$(date -d "$(openssl x509 -noout -startdate -in "$1" | cut -d= -f2)" +%s)
  end=$(date -d "$(openssl x509 -noout -enddate -in "$1" | cut -d= -f2)" +%s)
  echo $(( (end - start) / 86400 ))
}

if [ -f "$live/server.crt" ] && openssl x509 -checkend $((30 * 86400)) -noout -in "$live/server.crt" >/dev/null 2>&1 \
   && [ "$(lifespan_days "$live/server.crt")" -lt "$max_days" ]; then
  echo "certs: $live/server.crt is valid, kept" >&2
  exit 0
fi
command -v openssl >/dev/null || { echo "certs: openssl is required" >&2; exit 1; }
mkdir -p "$live"
umask 077

if ! [ -f "$dir/ca.key" ] || ! openssl x509 -checkend $((30 * 86400)) -noout -in "$dir/ca.crt" >/dev/null 2>&1; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/CN=apibundle local CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in ${CERT_NAMES:-}; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san+=",IP:$name"; else san+=",DNS:$name"; fi
done
ext=$(mktemp)
trap 'rm -f "$ext" "$live/server.csr"' EXIT
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$live/server.key" -out "$live/server.csr" 2>/dev/null
openssl x509 -req -in "$live/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$ext" -out "$live/server.crt" 2>/dev/null

chmod 0644 "$dir/ca.crt" "$live/server.crt"
chmod 0755 "$dir" "$live"
# The key is readable by the Nginx container's group only; without root to chgrp, by all.
if chgrp "$nginx_gid" "$live/server.key" 2>/dev/null; then chmod 0640 "$live/server.key"; else chmod 0644 "$live/server.key"; fi
echo "certs: wrote $dir/ca.crt and $live/server.{crt,key} ($san)" >&2
