#!/bin/sh
# Follows the app's address when Nginx reaches it over TCP (APP_UPSTREAM=tcp or APP_REPLICAS>1):
# Nginx resolves `app` once per (re)load, so an app container recreated at a new address (a new
# image, a changed setting, `docker compose up --force-recreate`, scaling) would get 502s until
# Nginx restarted. This loop asks the resolver every FOLLOW_INTERVAL_S seconds (default 2) and
# reloads Nginx gracefully (in-flight requests finish; keep-alive resumes on the new workers)
# when an address appears that Nginx does not know. An address that disappears (a replica
# restarting in a rolling restart) is left to max_fails/fail_timeout: reloading then would
# drop the replica from the upstream just before it comes back. Started in the background by docker-entrypoint.sh; works
# the same with the official image and Debian's Nginx (1.26 has no `resolve` on upstream servers).
set -u
host=${1:-app}
interval=${FOLLOW_INTERVAL_S:-2}
pidfile=/tmp/nginx/nginx.pid

addresses() { getent ahosts "$host" 2>/dev/null | awk '{print $1}' | sort -u | tr '\n' ' '; }

known=$(addresses)
while sleep "$interval"; do
    now=$(addresses)
    # Only an address Nginx does not know yet is a reason to reload.
    new=
    for address in $now; do
        case " $known " in *" $address "*) ;; *) new="$new $address" ;; esac
    done
    [ -n "$new" ] || continue
    if [ -s "$pidfile" ] && nginx -s reload 2>/dev/null; then
        printf 'apibundle-follow-upstream: %s moved from [%s] to [%s]: nginx reloaded\n' "$host" "$known" "$now" >&2
        known=$now
    fi
done
