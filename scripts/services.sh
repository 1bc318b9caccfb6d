#!/usr/bin/env bash
# Starts (or stops) the real Redis and PostgreSQL servers the backend tests talk to, on 127.0.0.1,
# with their own data folders (default /tmp/clearinghouse-services-UID). Debian's service scripts do not start daemons on
# these machines, so this script starts them by hand.
#
#   scripts/services.sh start   # prints the environment the tests read
#   scripts/services.sh stop
#
# Ports: CH_REDIS_PORT (default 6390), CH_PG_PORT (default 5439).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Outside the checkout by default: the postgres user must be able to reach it, and a clone under
# /root is not reachable for it.
dir="${CH_SERVICES_DIR:-/tmp/clearinghouse-services-$(id -u)}"
redis_port="${CH_REDIS_PORT:-6390}"
pg_port="${CH_PG_PORT:-5439}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_if_missing() {
  if command -v redis-server >/dev/null 2>&1 && [ -n "$pg_bin" ]; then return; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server and postgresql with apt-get" >&2
    { apt-get install -y -qq redis-server postgresql || { apt-get update -qq && apt-get install -y -qq redis-server postgresql; }; } >/dev/null 2>&1
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install -y redis-server)" >&2; exit 1; }
  [ -n "$pg_bin" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
}

start() {
  install_if_missing
  mkdir -p "$dir/redis" "$dir/pg-run"

  if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null

  if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$dir/pg-run"; chmod 755 "$dir"; fi
  if [ ! -f "$dir/pg-run/data/PG_VERSION" ]; then
    as_postgres "$pg_bin/initdb" -D "$dir/pg-run/data" --auth=trust --username=postgres -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if ! as_postgres "$pg_bin/pg_ctl" -D "$dir/pg-run/data" status >/dev/null 2>&1; then
    # Not running: a pid file left by a killed server (or a previous machine session) would block start.
    rm -f "$dir/pg-run/data/postmaster.pid"
    as_postgres "$pg_bin/pg_ctl" -D "$dir/pg-run/data" -l "$dir/pg-run/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/pg-run -c fsync=on -c max_connections=300" start >/dev/null
  fi
  for db in clearinghouse clearinghouse_test; do
    if ! as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "select 1 from pg_database where datname='$db'" postgres | grep -q 1; then
      as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"
    fi
  done

  echo "export CLEARINGHOUSE_TEST_REDIS=127.0.0.1:$redis_port"
  echo "export CLEARINGHOUSE_TEST_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=clearinghouse_test'"
}

stop() {
  redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  if [ -n "$pg_bin" ] && [ -f "$dir/pg-run/data/PG_VERSION" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$dir/pg-run/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
