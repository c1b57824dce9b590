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
# The same loop follows Swarm's tasks (endpoint_mode dnsrr: `app` resolves to every healthy task;
# a new task is in DNS before the old one leaves it, with start-first updates). A Swarm task never
# comes back at its address, and a gone address costs a request the connect timeout, so the Swarm
# stack sets FOLLOW_DROP_GONE=1 (a known address gone is a reason to reload too) and
# FOLLOW_SETTLE=2 (act once the answer was the same two polls in a row: a task swapped for
# another is one reload, not two; each reload closes idle client connections, see the README).
set -u
host=${1:-app}
interval=${FOLLOW_INTERVAL_S:-2}
drop_gone=${FOLLOW_DROP_GONE:-0}
settle=${FOLLOW_SETTLE:-1}
pidfile=/tmp/nginx/nginx.pid

addresses() { getent ahosts "$host" 2>/dev/null | awk '{print $1}' | sort -u | tr '\n' ' '; }

known=$(addresses)
previous=$known
same=1  # polls in a row with this answer
while sleep "$interval"; do
    now=$(addresses)
    if [ "$now" = "$previous" ]; then same=$((same + 1)); else same=1; previous=$now; fi
    # An address Nginx does not know yet is a reason to reload; with FOLLOW_DROP_GONE=1, so is a
    # known one that is gone (never on an empty answer: a resolver hiccup, or no task at all).
    changed=
    for address in $now; do
        case " $known " in *" $address "*) ;; *) changed=1 ;; esac
    done
    if [ "$drop_gone" = 1 ] && [ -n "$now" ]; then
        for address in $known; do
            case " $now " in *" $address "*) ;; *) changed=1 ;; esac
        done
    fi
    [ -n "$changed" ] && [ "$same" -ge "$settle" ] || continue
    if [ -s "$pidfile" ] && nginx -s reload 2>/dev/null; then
        printf 'apibundle-follow-upstream: %s moved from [%s] to [%s]: nginx reloaded\n' "$host" "$known" "$now" >&2
        known=$now
    fi
done
