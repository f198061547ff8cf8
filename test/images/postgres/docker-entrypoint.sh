#!/bin/bash
# The official image's start, in short: as root, own the data folder and step down to postgres; on an empty
# data folder, initdb with POSTGRES_PASSWORD and create POSTGRES_DB; then postgres on every interface.
set -euo pipefail
if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi
if [[ $1 == postgres && $(id -u) == 0 ]]; then
  install -d -o postgres -g postgres -m 0700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [[ $1 == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  : "${POSTGRES_PASSWORD:?is not set: the postgres image needs POSTGRES_PASSWORD}"
  user=${POSTGRES_USER:-postgres}
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth-local=trust \
    --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  db=${POSTGRES_DB:-$user}
  if [[ $db != postgres ]]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    createdb --username="$user" "$db"
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
