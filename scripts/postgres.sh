#!/usr/bin/env bash
# PostgreSQL for the distributed mode: Debian's postgresql-15 package and its
# "15/main" cluster on 127.0.0.1:5432, managed with pg_ctlcluster (works as root
# without systemd). Role todo/todo and databases todo and todo_test are created
# idempotently.
#
#   scripts/postgres.sh start    install if missing, start, wait, create role+dbs
#   scripts/postgres.sh stop
#   scripts/postgres.sh status
#   scripts/postgres.sh url      prints the DATABASE_URL of the todo database
#
# Env: PG_PORT (5432), PG_CLUSTER (main), PG_USER/PG_PASSWORD/PG_DB (todo).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${PG_PORT:-5432}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PG_USER="${PG_USER:-todo}"
PG_PASSWORD="${PG_PASSWORD:-todo}"
PG_DB="${PG_DB:-todo}"
PG_TEST_DB="${PG_TEST_DB:-${PG_DB}_test}"
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
READY_TIMEOUT="${PG_READY_TIMEOUT:-60}"

database_url() { echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"; }

install_pg() {
  if [ ! -x "$PG_BIN/postgres" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    local start
    start="$(now_s)"
    apt_install "postgresql-$PG_MAJOR" postgresql-client-common postgresql-common
    log "installed PostgreSQL $PG_MAJOR in $(elapsed "$start")s"
  fi
  [ -x "$PG_BIN/postgres" ] || die "PostgreSQL $PG_MAJOR binaries not found in $PG_BIN after installing postgresql-$PG_MAJOR"
}

cluster_exists() { [ -f "/etc/postgresql/$PG_MAJOR/$PG_CLUSTER/postgresql.conf" ]; }

ensure_cluster() {
  if ! cluster_exists; then
    [ "$(id -u)" -eq 0 ] || die "cluster $PG_MAJOR/$PG_CLUSTER does not exist and creating it needs root"
    log "creating cluster $PG_MAJOR/$PG_CLUSTER on port $PG_PORT"
    pg_createcluster "$PG_MAJOR" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null ||
      die "pg_createcluster $PG_MAJOR $PG_CLUSTER failed"
  fi
  local conf="/etc/postgresql/$PG_MAJOR/$PG_CLUSTER/postgresql.conf"
  local port
  port="$(sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | tail -1)"
  if [ "$port" != "$PG_PORT" ]; then
    log "cluster $PG_MAJOR/$PG_CLUSTER is set to port ${port:-?}; switching it to $PG_PORT"
    pg_conftool "$PG_MAJOR" "$PG_CLUSTER" set port "$PG_PORT"
    pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" stop >/dev/null 2>&1 || true
  fi
}

is_running() {
  pg_lsclusters -h 2>/dev/null | awk -v v="$PG_MAJOR" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $4 }' | grep -q online
}

ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

psql_admin() {
  # As the postgres superuser over the Unix socket (peer auth).
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"
}

ensure_role_and_dbs() {
  psql_admin -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
        CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD';
      ELSE
        ALTER ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD';
      END IF;
    END \$\$;" || die "could not create role $PG_USER"
  local db
  for db in "$PG_DB" "$PG_TEST_DB"; do
    if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
      psql_admin -c "CREATE DATABASE \"$db\" OWNER \"$PG_USER\"" || die "could not create database $db"
      log "created database $db"
    fi
  done
  PGPASSWORD="$PG_PASSWORD" psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc 'SELECT 1' >/dev/null ||
    die "cannot log in as $PG_USER to $PG_DB over TCP at 127.0.0.1:$PG_PORT (check pg_hba.conf)"
}

cmd_start() {
  local start
  start="$(now_s)"
  install_pg
  ensure_cluster
  if ! is_running; then
    if port_open 127.0.0.1 "$PG_PORT"; then
      die "port $PG_PORT is taken by something other than cluster $PG_MAJOR/$PG_CLUSTER"
    fi
    log "starting PostgreSQL $PG_MAJOR/$PG_CLUSTER on 127.0.0.1:$PG_PORT"
    # no inherited descriptors: the server outlives this script (and any lock its caller holds)
    (
      close_inherited_fds
      exec pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" start
    ) ||
      die "pg_ctlcluster $PG_MAJOR $PG_CLUSTER start failed; see /var/log/postgresql/postgresql-$PG_MAJOR-$PG_CLUSTER.log"
  fi
  wait_for "PostgreSQL" "$READY_TIMEOUT" ready ||
    die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT within ${READY_TIMEOUT}s; see /var/log/postgresql/postgresql-$PG_MAJOR-$PG_CLUSTER.log"
  ensure_role_and_dbs
  log "PostgreSQL ready in $(elapsed "$start")s: $(database_url)"
}

# Drop and recreate the stack's database (the test run owns the local stack: every run starts
# from an empty schema, whatever an earlier run or a branch with other migrations left behind).
cmd_reset() {
  cmd_start
  log "resetting database $PG_DB"
  psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || die "could not drop database $PG_DB"
  psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" || die "could not create database $PG_DB"
}

cmd_stop() {
  if is_running; then
    log "stopping PostgreSQL $PG_MAJOR/$PG_CLUSTER"
    pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" stop -m fast || die "pg_ctlcluster stop failed"
  fi
}

cmd_status() {
  if command -v pg_lsclusters >/dev/null 2>&1 && is_running && ready; then
    echo "postgres             up    127.0.0.1:$PG_PORT (cluster $PG_MAJOR/$PG_CLUSTER) $(database_url)"
    return 0
  fi
  echo "postgres             down"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop && cmd_start ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  url) database_url ;;
  *) die "usage: $0 start|stop|restart|reset|status|url" ;;
esac
