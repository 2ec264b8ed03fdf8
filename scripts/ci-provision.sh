#!/usr/bin/env bash
# Provisions everything the distributed-mode tests need, from nothing, on a fresh
# Debian machine (as root), idempotently; a second run takes seconds:
#   - Debian packages when missing: postgresql, curl, maven, a Java 17 runtime, chromium
#   - daprd built from github.com/dapr/dapr (scripts/build-daprd.sh, cached)
#   - Apache Kafka jars from Maven Central (scripts/kafka.sh fetch, cached)
#   - Jaeger v2 built from github.com/jaegertracing/jaeger (scripts/build-jaeger.sh, cached)
# It starts nothing: `scripts/stack.sh up` (npm run stack:up) does.
#
# Env: CI_PROVISION_CHROMIUM=0 skips Chromium. Times of each step are printed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

total="$(now_s)"
mkdir -p "$STACK_CACHE"

step() {
  local what="$1" start
  shift
  start="$(now_s)"
  log "== $what"
  "$@" >&2 || die "provisioning step failed: $what"
  log "== $what: done in $(elapsed "$start")s"
}

debian_packages() {
  local pkgs=(curl ca-certificates "postgresql-$PG_MAJOR" postgresql-client-common postgresql-common)
  command -v java >/dev/null 2>&1 || pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
  if [ "${CI_PROVISION_CHROMIUM:-1}" = "1" ] && ! command -v chromium >/dev/null 2>&1; then
    pkgs+=(chromium)
  fi
  apt_install "${pkgs[@]}"
}

check_go() {
  local go ver
  go="$(go_bin)" || die "Go is not installed: the daprd build needs Go >= 1.24 (on PATH or /usr/local/go/bin/go)"
  ver="$("$go" env GOVERSION)"
  log "using $ver at $go"
}

step "Debian packages (postgresql-$PG_MAJOR, curl, java, maven, chromium)" debian_packages
step "Go toolchain" check_go
step "daprd $DAPR_VERSION" "$SCRIPTS_DIR/build-daprd.sh"
step "Kafka $KAFKA_VERSION jars" "$SCRIPTS_DIR/kafka.sh" fetch
# test/stack/tracing.test.ts (in npm test); cold: ~8 min of CPU (docs/observability.md), cached after
step "Jaeger v2 (tracing stack)" "$SCRIPTS_DIR/build-jaeger.sh"
log "provisioned in $(elapsed "$total")s (cache: $STACK_CACHE)"
