#!/bin/sh
# Container entrypoint: writes the run-time parts of the nginx config into the /tmp tmpfs
# (the root filesystem is read-only), then runs the command (default: nginx in the foreground).
#   SERVER_NAME        names this site answers to, space separated
#                      (default: "localhost 127.0.0.1 [::1]"; IPv6 literals in brackets)
#   PUBLIC_HTTPS_PORT  HTTPS port as published to clients, used in the HTTP->HTTPS redirect
#                      (default 8443; 443 gives URLs without a port)
#   UPSTREAM_KEEPALIVE_TIMEOUT  seconds an idle upstream connection is kept (default 60);
#                      keep it below the app server's keep-alive (SERVER_KEEPALIVE, 75)
#   APP_UPSTREAM       how to reach the app (conf.d/upstream.conf): tcp (the image's default)
#                      = app:8000; unix (docker-compose.yml's default) = the socket APP_SOCKET
#                      (default /run/app/app.sock) in a volume shared with the app
#   APP_REPLICAS       app containers (default 1); more than one always means tcp, since
#                      replicas share the volume but each has its own socket. Over tcp, Nginx
#                      re-resolves `app` itself (`resolve`, conf.d/upstream.conf): no reloads
#   TLS_HYBRID_PQ      auto (default) | on | off: offer the hybrid post-quantum key exchange
#                      X25519MLKEM768 first to TLS 1.3 clients; auto = when Nginx runs with
#                      OpenSSL 3.5 or later (Debian trixie), which has it
#   API_PREFIX         where the app is reached (default /api): every path under it is proxied
#   DEMO_EDGE_RULES    on (default) | off: the demo's own rules (nginx/demo/: Idempotency-Key on
#                      every request, the create retried on a broken connection, its Allow list,
#                      its SSE and WebSocket locations); compose sets off for a project (APP_DIR)
#   REPORTS_ALLOW      client networks that may read /reports/ (load-test reports name exact
#                      versions, kernel and CPU: a fingerprint), space or comma separated CIDRs
#                      or addresses, or "all"; default loopback only (127.0.0.0/8 ::1)
#   API_MAX_BODY_SIZE  the largest request body Nginx accepts (default 1m; a number with k or m):
#                      413 above it, before the app sees a byte. Locations that need more say so
#                      themselves (the demo's /api/upload: demo/locations.conf)
#   NGINX_WORKERS      auto (default): one worker per CPU of the container's cgroup limit
#                      (cpu.max, else the cpuset's CPUs), not per host core; or a number 1-64
# Rate-limit exemptions: /etc/nginx/ratelimit-exempt/*.conf, merged into one file because
# nginx's geo block cannot include a wildcard.
set -eu

fail() { printf 'apibundle-nginx-entrypoint: %s\n' "$*" >&2; exit 64; }

SERVER_NAME=${SERVER_NAME:-localhost 127.0.0.1 [::1]}
PUBLIC_HTTPS_PORT=${PUBLIC_HTTPS_PORT:-8443}
UPSTREAM_KEEPALIVE_TIMEOUT=${UPSTREAM_KEEPALIVE_TIMEOUT:-60}
APP_UPSTREAM=${APP_UPSTREAM:-tcp}
APP_REPLICAS=${APP_REPLICAS:-1}
APP_SOCKET=${APP_SOCKET:-/run/app/app.sock}
TLS_HYBRID_PQ=${TLS_HYBRID_PQ:-auto}
API_PREFIX=${API_PREFIX:-/api}
DEMO_EDGE_RULES=${DEMO_EDGE_RULES:-on}
REPORTS_ALLOW=${REPORTS_ALLOW:-127.0.0.0/8 ::1}
API_MAX_BODY_SIZE=${API_MAX_BODY_SIZE:-1m}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
EXEMPT_DIR=/etc/nginx/ratelimit-exempt
OUT=/tmp/nginx

# SERVER_NAME: letters, digits and . * : _ - [ ] separated by spaces; nothing that could end
# the nginx directive or start another one (; { } quotes, newlines...).
nl='
'
case $SERVER_NAME in
    *"$nl"*) fail "SERVER_NAME must be on one line" ;;
esac
if printf '%s' "$SERVER_NAME" | LC_ALL=C grep -q '[^]A-Za-z0-9.*:_ [-]'; then
    fail "SERVER_NAME='$SERVER_NAME' has characters outside [A-Za-z0-9.*:_ []-] (space-separated names, e.g. 'example.org www.example.org [::1]')"
fi
names=$(printf '%s' "$SERVER_NAME" | tr -s ' ' | sed 's/^ //; s/ $//')
[ -n "$names" ] || fail "SERVER_NAME is empty"

# PUBLIC_HTTPS_PORT: a decimal number 1-65535 without leading zeros.
case $PUBLIC_HTTPS_PORT in
    ''|*[!0-9]*|0*|??????*) fail "PUBLIC_HTTPS_PORT='$PUBLIC_HTTPS_PORT' is not a port number (1-65535)" ;;
esac
[ "$PUBLIC_HTTPS_PORT" -le 65535 ] || fail "PUBLIC_HTTPS_PORT='$PUBLIC_HTTPS_PORT' is above 65535"

case $UPSTREAM_KEEPALIVE_TIMEOUT in
    ''|*[!0-9]*|0*|?????*) fail "UPSTREAM_KEEPALIVE_TIMEOUT='$UPSTREAM_KEEPALIVE_TIMEOUT' is not a number of seconds (1-9999)" ;;
esac

case $APP_UPSTREAM in
    unix|tcp) ;;
    *) fail "APP_UPSTREAM='$APP_UPSTREAM' is neither unix nor tcp" ;;
esac
case $APP_REPLICAS in
    ''|*[!0-9]*|0*|????*) fail "APP_REPLICAS='$APP_REPLICAS' is not a number of containers (1-999)" ;;
esac
case $APP_SOCKET in
    /*) ;;
    *) fail "APP_SOCKET='$APP_SOCKET' is not an absolute path" ;;
esac
if printf '%s' "$APP_SOCKET" | LC_ALL=C grep -q '[^A-Za-z0-9._/-]'; then
    fail "APP_SOCKET='$APP_SOCKET' has characters outside [A-Za-z0-9._/-]"
fi
# API_PREFIX: /segment[/segment...], URL-safe characters only, no trailing slash, not "/"
# (the static site and /reports/ live at the root).
if ! printf '%s' "$API_PREFIX" | LC_ALL=C grep -Eqx '(/[A-Za-z0-9._~-]+)+'; then
    fail "API_PREFIX='$API_PREFIX' is not a path prefix like /api or /v1/api (no trailing slash, [A-Za-z0-9._~-] segments)"
fi
case $API_PREFIX in
    /reports|/reports/*|/vendor|/vendor/*|/assets|/assets/*) fail "API_PREFIX='$API_PREFIX' would hide the bundle's own $API_PREFIX" ;;
esac
case $DEMO_EDGE_RULES in
    on|off) ;;
    *) fail "DEMO_EDGE_RULES='$DEMO_EDGE_RULES' is neither on nor off" ;;
esac
# API_MAX_BODY_SIZE: 1-9999 bytes, k or m (nginx's own size syntax), never 0 (= no limit).
if ! printf '%s' "$API_MAX_BODY_SIZE" | LC_ALL=C grep -Eqx '[1-9][0-9]{0,3}[kKmM]?'; then
    fail "API_MAX_BODY_SIZE='$API_MAX_BODY_SIZE' is not a size like 512k or 1m (1-9999, optionally k or m; 0 would mean no limit)"
fi
case $NGINX_WORKERS in
    auto) ;;
    ''|*[!0-9]*|0*|???*) fail "NGINX_WORKERS='$NGINX_WORKERS' is neither auto nor a number of workers (1-64)" ;;
    *) [ "$NGINX_WORKERS" -le 64 ] || fail "NGINX_WORKERS='$NGINX_WORKERS' is above 64" ;;
esac

# CPUs this container may use: the cgroup's quota (v2 cpu.max "quota period", v1 cfs files),
# rounded up, within the CPUs of its cpuset (nproc). `worker_processes auto` would count the
# host's cores and start workers that only compete for the same quota.
cpu_limit() {
    cpus=$(nproc 2>/dev/null || echo 1)
    quota=; period=
    if [ -r /sys/fs/cgroup/cpu.max ]; then
        read -r quota period </sys/fs/cgroup/cpu.max || true
    elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
        quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us); period=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
    fi
    case $quota$period in
        *[!0-9]*|'') ;;  # "max", -1 or unreadable: no quota
        *) if [ "$period" -gt 0 ]; then
               limit=$(( (quota + period - 1) / period ))
               [ "$limit" -ge 1 ] || limit=1
               [ "$limit" -ge "$cpus" ] || cpus=$limit
           fi ;;
    esac
    echo "$cpus"
}
if [ "$NGINX_WORKERS" = auto ]; then workers=$(cpu_limit); else workers=$NGINX_WORKERS; fi

# The OpenSSL Nginx runs with ("running with" when it differs from the one it was built with).
openssl_at_least_3_5() {
    v=$(nginx -V 2>&1 | sed -n 's/.*running with OpenSSL \([0-9]*\.[0-9]*\).*/\1/p')
    [ -n "$v" ] || v=$(nginx -V 2>&1 | sed -n 's/.*built with OpenSSL \([0-9]*\.[0-9]*\).*/\1/p')
    major=${v%%.*}; minor=${v#*.}
    [ -n "$v" ] && { [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 5 ]; }; }
}
case $TLS_HYBRID_PQ in
    on) hybrid=1 ;;
    off) hybrid= ;;
    auto) if openssl_at_least_3_5; then hybrid=1; else hybrid=; fi ;;
    *) fail "TLS_HYBRID_PQ='$TLS_HYBRID_PQ' is not auto, on or off" ;;
esac

# Certificates are mounted at run time, never baked in: say so plainly when they are missing.
for f in /etc/nginx/certs/server.crt /etc/nginx/certs/server.key; do
    [ -r "$f" ] || fail "cannot read $f: run \`make certs\`, or set CERTS_DIR to a folder with server.crt and server.key (readable by gid $(id -g))"
done

mkdir -p "$OUT" || fail "cannot create $OUT (is /tmp a writable tmpfs?)"

printf '# Generated by apibundle-nginx-entrypoint from SERVER_NAME.\nserver_name %s;\n' \
    "$names" >"$OUT/server-name.conf"

if [ "$PUBLIC_HTTPS_PORT" = 443 ]; then port=; else port=":$PUBLIC_HTTPS_PORT"; fi
printf '# Generated by apibundle-nginx-entrypoint from PUBLIC_HTTPS_PORT.\nreturn 308 https://$host%s$request_uri;\n' \
    "$port" >"$OUT/https-redirect.conf"

# HTTP/3 is advertised on the port clients reach (the published one); empty over plain HTTP.
printf '# Generated by apibundle-nginx-entrypoint from PUBLIC_HTTPS_PORT.\nmap $scheme $apibundle_alt_svc {\n    https \047h3=":%s"; ma=86400\047;\n    default "";\n}\n' \
    "$PUBLIC_HTTPS_PORT" >"$OUT/alt-svc.conf"

printf '# Generated by apibundle-nginx-entrypoint from NGINX_WORKERS=%s (cgroup CPU limit).\nworker_processes %s;\n' \
    "$NGINX_WORKERS" "$workers" >"$OUT/workers.conf"

printf '# Generated by apibundle-nginx-entrypoint from API_MAX_BODY_SIZE.\nclient_max_body_size %s;\n' \
    "$API_MAX_BODY_SIZE" >"$OUT/body-size.conf"

printf '# Generated by apibundle-nginx-entrypoint from UPSTREAM_KEEPALIVE_TIMEOUT.\nkeepalive_timeout %ss;\n' \
    "$UPSTREAM_KEEPALIVE_TIMEOUT" >"$OUT/upstream-keepalive.conf"

# The app server: the same rule as the app's (backend/servers/settings.py, socket_path).
if [ "$APP_UPSTREAM" = unix ] && [ "$APP_REPLICAS" = 1 ]; then
    server="unix:$APP_SOCKET"
else
    server="app:8000 resolve"  # followed through Docker's DNS (conf.d/upstream.conf)
fi
printf '# Generated by apibundle-nginx-entrypoint from APP_UPSTREAM=%s, APP_REPLICAS=%s.\nserver %s max_fails=3 fail_timeout=5s;\n' \
    "$APP_UPSTREAM" "$APP_REPLICAS" "$server" >"$OUT/upstream-server.conf"

# The app's location under API_PREFIX, and the demo's own rules (nginx/demo/) or nothing.
sed "s#@API_PREFIX@#$API_PREFIX#g" /etc/nginx/apibundle/locations/api.conf >"$OUT/api.conf"
generated() { printf '# Generated by apibundle-nginx-entrypoint: DEMO_EDGE_RULES=%s.\n%s\n' "$DEMO_EDGE_RULES" "$2" >"$OUT/$1"; }
if [ "$DEMO_EDGE_RULES" = on ]; then
    generated demo-locations.conf 'include apibundle/demo/locations.conf;'
    generated demo-http.conf 'include apibundle/demo/idempotency.conf;
include apibundle/demo/upload-limits.conf;'
    generated demo-proxy-headers.conf 'include apibundle/demo/proxy-headers.conf;'
    generated allow-api.conf 'include apibundle/demo/allow-methods.conf;'
else
    generated demo-locations.conf ''
    generated demo-http.conf ''
    generated demo-proxy-headers.conf ''
    # What Nginx forwards to the app under the prefix (the app's own 405s say more).
    generated allow-api.conf "\"~^$API_PREFIX/\" \"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\";"
fi
csp_common="img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
if [ "$DEMO_EDGE_RULES" = on ]; then
    docs_csp="default-src 'self'; script-src 'self'; style-src 'self'; $csp_common"
else
    cdn=https://cdn.jsdelivr.net
    docs_csp="default-src 'self'; script-src 'self' 'unsafe-inline' $cdn; style-src 'self' 'unsafe-inline' $cdn; img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
fi
printf '# Generated from API_PREFIX: the docs page'"'"'s policy (conf.d/csp.conf).\n"%s/docs" "%s";\n' \
    "$API_PREFIX" "$docs_csp" >"$OUT/csp-docs.conf"

# Key exchange groups: Mozilla "intermediate" (X25519, prime256v1, secp384r1), with the hybrid
# post-quantum group first where this OpenSSL has it (TLS 1.3 clients that offer it use it).
groups=X25519:prime256v1:secp384r1
# `?`: OpenSSL (3.3+) skips a group it does not know instead of rejecting the whole list, so
# even a wrong guess here degrades to the classical groups rather than failing to start.
[ -z "$hybrid" ] || groups="?X25519MLKEM768:$groups"
printf '# Generated by apibundle-nginx-entrypoint from TLS_HYBRID_PQ.\nssl_ecdh_curve %s;\n' \
    "$groups" >"$OUT/tls-groups.conf"

{
    printf '# Generated by apibundle-nginx-entrypoint from %s/*.conf.\n' "$EXEMPT_DIR"
    for f in "$EXEMPT_DIR"/*.conf; do
        [ -f "$f" ] || continue
        printf '# --- %s\n' "$f"
        cat "$f"
        printf '\n'
    done
} >"$OUT/ratelimit-exempt.conf"

# /reports/ access list: allow each network, deny the rest (403).
reports_allow=$(printf '%s' "$REPORTS_ALLOW" | tr ',' ' ')
{
    printf '# Generated by apibundle-nginx-entrypoint from REPORTS_ALLOW.\n'
    for net in $reports_allow; do
        case $net in
            all) printf 'allow all;\n' ;;
            *[!0-9A-Fa-f.:/]*|'') fail "REPORTS_ALLOW: '$net' is not an address, a CIDR network or 'all'" ;;
            *) printf 'allow %s;\n' "$net" ;;
        esac
    done
    printf 'deny all;\n'
} >"$OUT/reports-allow.conf"

exec "$@"
