#!/usr/bin/env bash
# The distributed stack on one machine: Kafka, PostgreSQL, the backend and the
# consumer processes, each app behind its own daprd sidecar.
#
#   scripts/stack.sh up       start whatever is not running (idempotent), wait until ready
#   scripts/stack.sh down     stop everything it started (and PostgreSQL; STACK_KEEP_POSTGRES=1 keeps it)
#   scripts/stack.sh status   one line per process; exit 0 only when all are up
#   scripts/stack.sh logs [NAME]   tail the log files (follows on a terminal; NAME e.g. backend, daprd-backend, kafka)
#   scripts/stack.sh env      print the environment a client/test needs (ports, tokens) as shell assignments
#
# Processes (app-id / ROLE / app port / sidecar HTTP port / sidecar gRPC port):
#   backend        todo-backend        api            8000  3500  30001
#   recurring      todo-recurring      recurring      8001  3501  30002
#   notifications  todo-notifications  notifications  8002  3502  30003
#
# Environment:
#   REMINDER_SCHEDULE     cron binding schedule (default the seed's "@every 5m")
#   LOG_LEVEL             app log level (info); DAPR_LOG_LEVEL (info)
#   STACK_BACKEND_ROLE    ROLE of the backend (api; "all" for a single-process setup)
#   STACK_CONSUMERS       consumer processes to run ("recurring notifications")
#   STACK_SKIP_BUILD=1    do not run "npm run build" before starting the apps
#   STACK_APP_CMD         command that starts an app (default "node --import ./dist/src/tracing/register.js dist/src/main.js")
#   STACK_TRACING=1       also build (cached) and start Jaeger v2 (OTLP :4317/:4318, UI and query API :16686),
#                         run the apps with OTEL_* pointing at it and daprd with dapr/config-local/tracing.yaml
#   STACK_COMPONENTS      Dapr resources folder (default dapr/components-local)
#   STACK_CACHE, STACK_RUN  cache and run folders (see scripts/lib.sh)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REMINDER_SCHEDULE="${REMINDER_SCHEDULE:-@every 5m}"
LOG_LEVEL="${LOG_LEVEL:-info}"
DAPR_LOG_LEVEL="${DAPR_LOG_LEVEL:-info}"
STACK_BACKEND_ROLE="${STACK_BACKEND_ROLE:-api}"
STACK_CONSUMERS="${STACK_CONSUMERS-recurring notifications}"
DEFAULT_APP_CMD="node --import ./dist/src/tracing/register.js dist/src/main.js"
STACK_APP_CMD="${STACK_APP_CMD:-$DEFAULT_APP_CMD}"
STACK_TRACING="${STACK_TRACING:-0}"
JAEGER_UI_PORT=16686
STACK_COMPONENTS="${STACK_COMPONENTS:-$REPO_DIR/dapr/components-local}"
APP_READY_TIMEOUT="${STACK_APP_READY_TIMEOUT:-120}"
DAPR_READY_TIMEOUT="${STACK_DAPR_READY_TIMEOUT:-60}"

SECRETS_DIR="$STACK_CACHE/secrets"
TOKENS_FILE="$SECRETS_DIR/tokens.env"
SECRETS_FILE="$SECRETS_DIR/dapr-secrets.json"
LOG_DIR="$STACK_RUN/logs"

# name app-id role app-port dapr-http-port dapr-grpc-port
# The gRPC ports sit below the kernel's ephemeral range (32768-60999), where Dapr's default 50001
# would be: a sidecar restarted during a test could find its port held by an outgoing connection.
app_table() {
  echo "backend todo-backend $STACK_BACKEND_ROLE 8000 3500 30001"
  local c
  for c in $STACK_CONSUMERS; do
    case "$c" in
      recurring) echo "recurring todo-recurring recurring 8001 3501 30002" ;;
      notifications) echo "notifications todo-notifications notifications 8002 3502 30003" ;;
      *) die "unknown consumer '$c' in STACK_CONSUMERS (known: recurring notifications)" ;;
    esac
  done
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Tokens and secrets are generated once and kept in the cache folder (mode 600).
ensure_secrets() {
  mkdir -p "$SECRETS_DIR"
  chmod 700 "$SECRETS_DIR"
  if [ ! -s "$TOKENS_FILE" ]; then
    (
      umask 077 # the file only: the rest of the script keeps the caller's umask
      {
        echo "APP_API_TOKEN=$(random_hex 24)"
        echo "DAPR_API_TOKEN=$(random_hex 24)"
        echo "AUTH_SECRET=$(random_hex 32)"
      } >"$TOKENS_FILE"
    )
    log "generated APP_API_TOKEN, DAPR_API_TOKEN and AUTH_SECRET into $TOKENS_FILE"
  fi
  # shellcheck disable=SC1090
  source "$TOKENS_FILE"
  [ -n "${APP_API_TOKEN:-}" ] && [ -n "${DAPR_API_TOKEN:-}" ] && [ -n "${AUTH_SECRET:-}" ] ||
    die "$TOKENS_FILE is incomplete; delete it to regenerate"
  local url
  url="$("$SCRIPTS_DIR/postgres.sh" url)"
  (
    umask 077
    printf '{"db-secrets": {"DATABASE_URL": "%s", "AUTH_SECRET": "%s"}}\n' "$url" "$AUTH_SECRET" >"$SECRETS_FILE.tmp"
    mv -f "$SECRETS_FILE.tmp" "$SECRETS_FILE"
  )
}

daprd_bin() { echo "$STACK_CACHE/daprd/current/daprd"; }

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

app_ready() { http_ok "http://127.0.0.1:$1/readyz"; }
daprd_ready() { http_ok "http://127.0.0.1:$1/v1.0/healthz"; }

start_app() {
  local name="$1" appid="$2" role="$3" port="$4" dhttp="$5" dgrpc="$6"
  local pidfile="$STACK_RUN/$name.pid"
  if pid_alive "$pidfile"; then
    return 0
  fi
  port_open 127.0.0.1 "$port" && die "port $port (app $name) is taken by a process this stack did not start"
  log "starting $name (ROLE=$role, port $port, log $LOG_DIR/$name.log)"
  local otel=(OTEL_SDK_DISABLED=true)
  if [ "$STACK_TRACING" = "1" ]; then
    otel=(OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
      OTEL_SERVICE_NAME="$appid" OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none OTEL_BSP_SCHEDULE_DELAY=500)
  fi
  # shellcheck disable=SC2086
  (
    cd "$REPO_DIR" || exit 1
    close_inherited_fds
    exec env "${otel[@]}" EVENT_BUS=dapr ROLE="$role" PORT="$port" LOG_LEVEL="$LOG_LEVEL" \
      DAPR_HTTP_PORT="$dhttp" DAPR_GRPC_PORT="$dgrpc" \
      APP_API_TOKEN="$APP_API_TOKEN" DAPR_API_TOKEN="$DAPR_API_TOKEN" \
      DAPR_SECRET_STORE=local-secrets DAPR_SECRET_NAME=db-secrets \
      APP_ID="$appid" DATA_DIR="$STACK_RUN/data/$name" \
      setsid $STACK_APP_CMD
  ) </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  write_pidfile $! "$pidfile"
}

start_daprd() {
  local name="$1" appid="$2" role="$3" port="$4" dhttp="$5" dgrpc="$6"
  local pidfile="$STACK_RUN/daprd-$name.pid"
  if pid_alive "$pidfile"; then
    return 0
  fi
  if port_open 127.0.0.1 "$dhttp" || port_open 127.0.0.1 "$dgrpc"; then
    die "port $dhttp or $dgrpc (sidecar of $name) is taken by a process this stack did not start"
  fi
  # App health checks only where an input binding needs them (the cron binding must not start before
  # /readyz answers). On a pure consumer they do harm: when the app is down or its database restarts,
  # daprd unsubscribes, and with deliveries still being retried the Kafka consumer of daprd 1.16.5
  # sometimes never resumes after the re-subscribe (found by test/faults: consumer-kill stalled for
  # good). Without them a delivery to a down app is simply retried (resiliency.yaml) until it succeeds.
  local health=() tracing=()
  [ "$STACK_TRACING" = "1" ] && tracing=(--config "$REPO_DIR/dapr/config-local/tracing.yaml")
  if [ "$role" = api ] || [ "$role" = all ]; then
    health=(--enable-app-health-check --app-health-check-path /readyz --app-health-probe-interval 1 --app-health-threshold 3)
  fi
  log "starting daprd for $appid (HTTP $dhttp, gRPC $dgrpc, log $LOG_DIR/daprd-$name.log)"
  start_bg "daprd-$name" "$pidfile" "$LOG_DIR/daprd-$name.log" \
    env APP_API_TOKEN="$APP_API_TOKEN" DAPR_API_TOKEN="$DAPR_API_TOKEN" \
    REMINDER_SCHEDULE="$REMINDER_SCHEDULE" TASKSTREAM_SECRETS_FILE="$SECRETS_FILE" \
    "$(daprd_bin)" \
    --mode standalone \
    --app-id "$appid" \
    --app-port "$port" \
    --app-protocol http \
    --app-channel-address 127.0.0.1 \
    --dapr-http-port "$dhttp" \
    --dapr-grpc-port "$dgrpc" \
    --dapr-listen-addresses 127.0.0.1 \
    --dapr-internal-grpc-listen-address 127.0.0.1 \
    --resources-path "$STACK_COMPONENTS" \
    "${health[@]}" \
    "${tracing[@]}" \
    --enable-metrics=false \
    --dapr-graceful-shutdown-seconds 5 \
    --log-level "$DAPR_LOG_LEVEL"
}

jaeger_ready() { http_ok "http://127.0.0.1:$JAEGER_UI_PORT/api/services"; }

# Jaeger v2 all-in-one with its built-in configuration (in-memory storage), on loopback only.
start_jaeger() {
  local pidfile="$STACK_RUN/jaeger.pid" bin
  bin="$("$SCRIPTS_DIR/build-jaeger.sh")"
  if ! pid_alive "$pidfile"; then
    port_open 127.0.0.1 4318 && die "port 4318 (Jaeger's OTLP) is taken by a process this stack did not start"
    log "starting jaeger (OTLP :4317/:4318, UI :$JAEGER_UI_PORT, log $LOG_DIR/jaeger.log)"
    start_bg jaeger "$pidfile" "$LOG_DIR/jaeger.log" env JAEGER_LISTEN_HOST=127.0.0.1 "$bin"
  fi
  wait_for "jaeger on :$JAEGER_UI_PORT" 60 jaeger_ready ||
    fail_with_log "$LOG_DIR/jaeger.log" "jaeger not ready on :$JAEGER_UI_PORT within 60s; see $LOG_DIR/jaeger.log"
}

fail_with_log() {
  local logfile="$1"
  shift
  [ -f "$logfile" ] && tail -n 40 "$logfile" >&2
  die "$*"
}

cmd_up() {
  local start
  start="$(now_s)"
  need_cmd curl "apt-get install -y curl"
  mkdir -p "$STACK_RUN" "$LOG_DIR"
  [ -d "$STACK_COMPONENTS" ] || die "Dapr resources folder $STACK_COMPONENTS does not exist"

  "$SCRIPTS_DIR/build-daprd.sh" >/dev/null
  "$SCRIPTS_DIR/kafka.sh" start
  "$SCRIPTS_DIR/postgres.sh" start
  ensure_secrets
  [ "$STACK_TRACING" = "1" ] && start_jaeger

  if [ "${STACK_SKIP_BUILD:-0}" != "1" ] && [ "$STACK_APP_CMD" = "$DEFAULT_APP_CMD" ]; then
    [ -d "$REPO_DIR/node_modules" ] || die "node_modules is missing: run 'npm ci' first"
    log "npm run build"
    (cd "$REPO_DIR" && npm run -s build) >"$LOG_DIR/build.log" 2>&1 ||
      fail_with_log "$LOG_DIR/build.log" "npm run build failed (log: $LOG_DIR/build.log)"
    [ -f "$REPO_DIR/dist/src/main.js" ] || die "npm run build did not produce dist/src/main.js"
  fi

  local rows name appid role port dhttp dgrpc
  rows="$(app_table)"
  # Start every app and sidecar first, then wait: they come up in parallel.
  while read -r name appid role port dhttp dgrpc; do
    start_app "$name" "$appid" "$role" "$port" "$dhttp" "$dgrpc"
    start_daprd "$name" "$appid" "$role" "$port" "$dhttp" "$dgrpc"
  done <<<"$rows"
  while read -r name appid role port dhttp dgrpc; do
    wait_for "daprd $appid on :$dhttp" "$DAPR_READY_TIMEOUT" daprd_ready "$dhttp" || {
      pid_alive "$STACK_RUN/daprd-$name.pid" || fail_with_log "$LOG_DIR/daprd-$name.log" "daprd for $appid exited; see $LOG_DIR/daprd-$name.log"
      fail_with_log "$LOG_DIR/daprd-$name.log" "daprd for $appid not healthy on :$dhttp within ${DAPR_READY_TIMEOUT}s; see $LOG_DIR/daprd-$name.log"
    }
    wait_for "$name ($appid) on :$port" "$APP_READY_TIMEOUT" app_ready "$port" || {
      pid_alive "$STACK_RUN/$name.pid" || fail_with_log "$LOG_DIR/$name.log" "$name exited; see $LOG_DIR/$name.log"
      fail_with_log "$LOG_DIR/$name.log" "$name not ready (GET :$port/readyz) within ${APP_READY_TIMEOUT}s; see $LOG_DIR/$name.log"
    }
  done <<<"$rows"
  log "stack up in $(elapsed "$start")s (REMINDER_SCHEDULE='$REMINDER_SCHEDULE')"
  cmd_status
}

cmd_down() {
  local name appid role port dhttp dgrpc rows
  rows="$(STACK_CONSUMERS="recurring notifications" app_table)"
  # Sidecars first (no new deliveries), then the apps; each group in parallel.
  while read -r name appid role port dhttp dgrpc; do
    stop_pidfile "daprd-$name" "$STACK_RUN/daprd-$name.pid" 20 &
  done <<<"$rows"
  wait
  while read -r name appid role port dhttp dgrpc; do
    stop_pidfile "$name" "$STACK_RUN/$name.pid" 20 &
  done <<<"$rows"
  wait
  "$SCRIPTS_DIR/kafka.sh" stop
  stop_pidfile jaeger "$STACK_RUN/jaeger.pid" 10
  if [ "${STACK_KEEP_POSTGRES:-0}" != "1" ]; then
    "$SCRIPTS_DIR/postgres.sh" stop
  fi
  log "stack down"
}

cmd_status() {
  local ok=0 name appid role port dhttp dgrpc
  "$SCRIPTS_DIR/kafka.sh" status || ok=1
  "$SCRIPTS_DIR/postgres.sh" status || ok=1
  while read -r name appid role port dhttp dgrpc; do
    if pid_alive "$STACK_RUN/daprd-$name.pid" && daprd_ready "$dhttp"; then
      printf '%-20s up    sidecar of %s on :%s (gRPC :%s, pid %s)\n' "daprd-$name" "$appid" "$dhttp" "$dgrpc" "$(pid_of "$STACK_RUN/daprd-$name.pid")"
    else
      printf '%-20s down  (sidecar of %s, :%s)\n' "daprd-$name" "$appid" "$dhttp"
      ok=1
    fi
    if pid_alive "$STACK_RUN/$name.pid" && app_ready "$port"; then
      printf '%-20s up    %s ROLE=%s on :%s (pid %s)\n' "$name" "$appid" "$role" "$port" "$(pid_of "$STACK_RUN/$name.pid")"
    elif pid_alive "$STACK_RUN/$name.pid"; then
      printf '%-20s starting/not ready  %s ROLE=%s on :%s (pid %s)\n' "$name" "$appid" "$role" "$port" "$(pid_of "$STACK_RUN/$name.pid")"
      ok=1
    else
      printf '%-20s down  (%s ROLE=%s, :%s)\n' "$name" "$appid" "$role" "$port"
      ok=1
    fi
  done < <(app_table)
  if pid_alive "$STACK_RUN/jaeger.pid"; then
    printf '%-20s up    UI and query API on :%s, OTLP :4317/:4318 (pid %s)\n' jaeger "$JAEGER_UI_PORT" "$(pid_of "$STACK_RUN/jaeger.pid")"
  elif [ "$STACK_TRACING" = "1" ]; then
    printf '%-20s down  (STACK_TRACING=1)\n' jaeger
    ok=1
  fi
  echo "logs: $LOG_DIR"
  return "$ok"
}

cmd_logs() {
  local files=()
  if [ -n "${1:-}" ]; then
    [ -f "$LOG_DIR/$1.log" ] || die "no log $LOG_DIR/$1.log (have: $(cd "$LOG_DIR" 2>/dev/null && ls ./*.log 2>/dev/null | sed 's#^\./##; s/\.log$//' | tr '\n' ' '))"
    files=("$LOG_DIR/$1.log")
  else
    shopt -s nullglob
    files=("$LOG_DIR"/*.log)
    [ "${#files[@]}" -gt 0 ] || die "no logs in $LOG_DIR yet"
  fi
  if [ -t 1 ] && [ "${STACK_LOGS_FOLLOW:-1}" = "1" ]; then
    exec tail -n 30 -F "${files[@]}"
  else
    tail -n "${STACK_LOGS_LINES:-60}" "${files[@]}"
  fi
}

cmd_env() {
  [ -s "$TOKENS_FILE" ] || die "no tokens yet: run 'scripts/stack.sh up' first"
  # shellcheck disable=SC1090
  source "$TOKENS_FILE"
  cat <<EOF
STACK_CACHE=$STACK_CACHE
STACK_RUN=$STACK_RUN
API_URL=http://127.0.0.1:8000
DAPR_HTTP_PORT=3500
APP_API_TOKEN=$APP_API_TOKEN
DAPR_API_TOKEN=$DAPR_API_TOKEN
KAFKA_BROKERS=127.0.0.1:9092
DATABASE_URL=$("$SCRIPTS_DIR/postgres.sh" url)
JAEGER_URL=http://127.0.0.1:$JAEGER_UI_PORT
EOF
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  env) cmd_env ;;
  restart) cmd_down && cmd_up ;;
  *) die "usage: $0 up|down|status|logs [NAME]|env|restart" ;;
esac
