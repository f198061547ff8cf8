#!/usr/bin/env bash
# Starts the local servers the tests and a non-Docker run need (Postgres, Redis), bound to 127.0.0.1, when
# they are not already answering: on 5432 / 6379, or PG_PORT / REDIS_PORT (the tests use 55432 / 56379, so
# the sandbox's own ports stay free). `--install` only installs them, from Debian's packages (used by .ci/run),
# with nginx and Chromium, which the lobby's test starts itself.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  for _ in $(seq 1 60); do answers "$2" && return 0; sleep 0.5; done
  echo "$1 did not start on 127.0.0.1:$2" >&2
  return 1
}

if [[ "${1:-}" == "--install" ]]; then
  missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  # The lobby's web server, and the browser its test drives (headless, by playwright-core).
  [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  command -v chromium >/dev/null || missing+=(chromium)
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  exit 0
fi

if ! answers "$PG_PORT"; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! pg_lsclusters -h | grep -q "^$version main"; then pg_createcluster "$version" main >/dev/null; fi
  conf=/etc/postgresql/$version/main/postgresql.conf
  # One cluster: running on another port, it moves to this one.
  if pg_lsclusters -h | grep -q "^$version main .* online"; then pg_ctlcluster "$version" main stop; fi
  sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/; s/^#\?port = .*/port = $PG_PORT/; s/^#\?max_connections.*/max_connections = 300/" "$conf"
  pg_ctlcluster "$version" main start
  wait_for postgres "$PG_PORT"
  # The services connect over TCP as postgres/postgres, the default of DATABASE_URL.
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
fi

if ! answers "$REDIS_PORT"; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
    --logfile /tmp/ticketing-redis.log >/dev/null
  wait_for redis "$REDIS_PORT"
fi

echo "postgres on 127.0.0.1:$PG_PORT, redis on 127.0.0.1:$REDIS_PORT"
