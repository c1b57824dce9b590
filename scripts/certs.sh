#!/usr/bin/env bash
# `make certs`: a local certificate authority and a server certificate signed by it.
#
#   certs/ca.crt, certs/ca.key       the local CA (trust ca.crt in your client; ca.key stays 0600)
#   certs/live/server.crt, .key      what Nginx mounts (SANs: localhost, 127.0.0.1, ::1 + $CERT_NAMES)
#
# The CA is name-constrained (nameConstraints, critical) to exactly those names: trusting
# ca.crt lets it vouch for localhost and loopback (and CERT_NAMES), never for any other site,
# even if ca.key leaks. A new CERT_NAMES therefore makes a new CA (trust the new ca.crt).
# server.key is readable by gid 10001 (Nginx's group) only: chgrp, else an ACL (setfacl), else
# the script stops; it never falls back to a key every local user can read.
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

san="DNS:localhost,IP:127.0.0.1,IP:::1"
permitted="permitted;DNS:localhost,permitted;IP:127.0.0.1/255.255.255.255,permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
for name in ${CERT_NAMES:-}; do
  if [[ $name =~ ^[0-9.]+$ ]]; then
    san+=",IP:$name"; permitted+=",permitted;IP:$name/255.255.255.255"
  elif [[ $name == *:* ]]; then
    san+=",IP:$name"; permitted+=",permitted;IP:$name/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
  else
    san+=",DNS:$name"; permitted+=",permitted;DNS:${name#\*.}"  # a DNS constraint covers subdomains
  fi
done
constraints="critical,$permitted"
# The CA was made for these names (its constraints recorded beside it), and is valid 30 more days.
ca_fits() {
  [ -f "$dir/ca.key" ] && [ -f "$dir/ca.constraints" ] && [ "$(cat "$dir/ca.constraints")" = "$constraints" ] \
    && openssl x509 -checkend $((30 * 86400)) -noout -in "$dir/ca.crt" >/dev/null 2>&1
}

if ca_fits && [ -f "$live/server.crt" ] && openssl x509 -checkend $((30 * 86400)) -noout -in "$live/server.crt" >/dev/null 2>&1 \
   && [ "$(lifespan_days "$live/server.crt")" -lt "$max_days" ]; then
  echo "certs: $live/server.crt is valid, kept" >&2
  exit 0
fi
command -v openssl >/dev/null || { echo "certs: openssl is required" >&2; exit 1; }
mkdir -p "$live"
umask 077

if ! ca_fits; then
  [ ! -f "$dir/ca.crt" ] || echo "certs: a new local CA for these names: trust the new $dir/ca.crt" >&2
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/CN=apibundle local CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "nameConstraints=$constraints" 2>/dev/null
  printf '%s\n' "$constraints" >"$dir/ca.constraints"
fi

ext=$(mktemp)
trap 'rm -f "$ext" "$live/server.csr"' EXIT
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$live/server.key" -out "$live/server.csr" 2>/dev/null
openssl x509 -req -in "$live/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$ext" -out "$live/server.crt" 2>/dev/null

chmod 0644 "$dir/ca.crt" "$live/server.crt"
chmod 0755 "$dir" "$live"
# The key is readable by the Nginx container's group only: chgrp, else an ACL, else stop.
if chgrp "$nginx_gid" "$live/server.key" 2>/dev/null; then
  chmod 0640 "$live/server.key"
elif command -v setfacl >/dev/null && setfacl -m "g:$nginx_gid:r" "$live/server.key" 2>/dev/null; then
  :  # 0600 plus an ACL entry: the owner and gid 10001 read it, nobody else
else
  rm -f "$live/server.key" "$live/server.crt"
  echo "certs: cannot let gid $nginx_gid (Nginx's group) read $live/server.key: chgrp failed (not root, nor in that group) and setfacl is missing or failed. Run \`sudo make certs\`, or install the acl package; a private key readable by every user (0644) is not private, so none was kept" >&2
  exit 1
fi
echo "certs: wrote $dir/ca.crt and $live/server.{crt,key} ($san)" >&2
