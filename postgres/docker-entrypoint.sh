#!/bin/bash
# Start Postgres as the non-root `postgres` user. On the first start (an empty volume) make the
# cluster: initdb, the include of /etc/postgresql/apibundle/postgresql.conf, and the app's role
# and database with the password from POSTGRES_PASSWORD_FILE (a Docker secret; never an
# environment variable, never in the image). Later starts only check the password file is
# there: the role's password is changed with ALTER ROLE, as with any Postgres.
set -euo pipefail

die() { echo "postgres-entrypoint: $*" >&2; exit 1; }

: "${PGDATA:?}" "${POSTGRES_USER:?}" "${POSTGRES_DB:?}" "${POSTGRES_PASSWORD_FILE:?}"
[[ $POSTGRES_USER =~ ^[a-z_][a-z0-9_]*$ && $POSTGRES_DB =~ ^[a-z_][a-z0-9_]*$ ]] \
  || die "POSTGRES_USER and POSTGRES_DB must be plain lower-case identifiers"
[ "$POSTGRES_USER" != postgres ] || die "POSTGRES_USER must not be the superuser 'postgres'"
[ "$(id -u)" != 0 ] || die "refusing to run as root"
[ -r "$POSTGRES_PASSWORD_FILE" ] \
  || die "cannot read the password file $POSTGRES_PASSWORD_FILE (run scripts/secrets.sh; it must be readable by gid 10001)"
password=$(head -n 1 "$POSTGRES_PASSWORD_FILE")
[ -n "$password" ] || die "the password file $POSTGRES_PASSWORD_FILE is empty"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres-entrypoint: initialising a new cluster in $PGDATA" >&2
  # The superuser is `postgres` with no password (peer over the local socket only, pg_hba.conf).
  initdb --pgdata="$PGDATA" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=reject >/dev/null
  echo "include '/etc/postgresql/apibundle/postgresql.conf'" >>"$PGDATA/postgresql.conf"
  # A private server on the unix socket only, for the set-up.
  pg_ctl --pgdata="$PGDATA" --wait --silent -o "-c listen_addresses='' -c unix_socket_directories=/tmp" start
  # The password reaches psql in its environment (readable by this user only), not its argv.
  APP_ROLE_PASSWORD=$password psql --no-psqlrc --quiet --host=/tmp --username=postgres \
    --dbname=postgres --set=ON_ERROR_STOP=1 --set=user="$POSTGRES_USER" --set=db="$POSTGRES_DB" <<'SQL'
\getenv password APP_ROLE_PASSWORD
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl --pgdata="$PGDATA" --wait --silent --mode=fast stop
  echo "postgres-entrypoint: cluster ready: role $POSTGRES_USER owns database $POSTGRES_DB" >&2
fi
unset password
exec postgres -D "$PGDATA" "$@"
