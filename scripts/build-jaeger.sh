#!/usr/bin/env bash
# Builds Jaeger v2 (cmd/jaeger, the all-in-one: OTLP in on 4317/4318, traces kept in memory,
# query API and UI on 16686) from the official Go module github.com/jaegertracing/jaeger at
# the version pinned in scripts/jaeger/go.mod, and caches the binary. Only the tracing stack
# needs it (STACK_TRACING=1 npm run stack:up, test/stack/tracing.test.ts).
#
#   scripts/build-jaeger.sh          build if needed; prints the binary's path on stdout
#   scripts/build-jaeger.sh --force  rebuild even if the cached binary is current
#
# The binary lands in $STACK_CACHE/jaeger/<version>-<hash of scripts/jaeger>/jaeger and is
# rebuilt only when the pin or the wrapper module changes (go_build_cached in lib.sh). The build
# runs under nice -n 19: on a shared 2-core machine it took ~N min cold (docs/observability.md has
# the measured time).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

BIN="$(go_build_cached jaeger github.com/jaegertracing/jaeger github.com/jaegertracing/jaeger/cmd/jaeger "$FORCE")" || exit 1
# stack.sh runs the current build
ln -sfn "$(dirname "$BIN")" "$STACK_CACHE/jaeger/current"
echo "$BIN"
