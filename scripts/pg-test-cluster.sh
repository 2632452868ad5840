#!/usr/bin/env bash
# Starts (or stops) a throw-away PostgreSQL 15 cluster for the test suite and
# prints the admin URL to export as TARGETVISION_TEST_DATABASE_URL.
#   scripts/pg-test-cluster.sh start [DIR]   # default DIR: /tmp/targetvision-pg
#   scripts/pg-test-cluster.sh stop  [DIR]
# Postgres refuses to run as root, so the cluster runs as the postgres user.
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/targetvision-pg}
port=${PGPORT_TEST:-55432}
bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
maintenance_work_mem = 1GB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
