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
# rebuilt only when the pin or the wrapper module changes. The build runs under nice -n 19: on
# a shared 2-core machine it took ~N min cold (docs/observability.md has the measured time).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

SRC="$SCRIPTS_DIR/jaeger"
GO="$(go_bin)" || die "Go is not installed (need Go >= 1.24 on PATH or at /usr/local/go/bin/go)"

pinned="$(awk '$1 == "require" && $2 == "github.com/jaegertracing/jaeger" { print $3 }' "$SRC/go.mod")"
[ -n "$pinned" ] || die "cannot find the github.com/jaegertracing/jaeger requirement in $SRC/go.mod"

hash="$(cd "$SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
  sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
OUT_DIR="$STACK_CACHE/jaeger/$pinned-$hash"
BIN="$OUT_DIR/jaeger"

if [ "$FORCE" -eq 0 ] && [ -x "$BIN" ]; then
  log "jaeger $pinned is cached at $BIN"
  ln -sfn "$OUT_DIR" "$STACK_CACHE/jaeger/current"
  echo "$BIN"
  exit 0
fi

log "building jaeger $pinned (cmd/jaeger) with $("$GO" env GOVERSION) under nice -n 19; this takes a while on a small machine"
mkdir -p "$OUT_DIR"
start="$(now_s)"
(
  cd "$SRC"
  CGO_ENABLED=0 nice -n 19 "$GO" build -mod=readonly -trimpath -ldflags "-s -w" \
    -o "$BIN.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
) >&2 || die "go build of jaeger $pinned failed (see the compiler output above)"
mv -f "$BIN.tmp" "$BIN"
log "built jaeger $pinned in $(elapsed "$start")s -> $BIN"
ln -sfn "$OUT_DIR" "$STACK_CACHE/jaeger/current"
find "$STACK_CACHE/jaeger" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$OUT_DIR")" -exec rm -rf {} + 2>/dev/null || true
echo "$BIN"
