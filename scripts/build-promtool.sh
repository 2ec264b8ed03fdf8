#!/usr/bin/env bash
# Builds promtool (cmd/promtool) from the official Go module github.com/prometheus/prometheus at
# the version pinned in scripts/promtool/go.mod, and caches the binary; test/observability.test.ts
# runs `promtool check rules deploy/prometheus/alerts.yaml` with it.
#
#   scripts/build-promtool.sh          build if needed; prints the binary's path on stdout
#   scripts/build-promtool.sh --force  rebuild even if the cached binary is current
#
# The binary lands in $STACK_CACHE/promtool/<version>-<hash of scripts/promtool>/promtool and is
# rebuilt only when the pin or the wrapper module changes; the build runs under nice -n 19 (its
# measured time is in docs/observability.md).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

SRC="$SCRIPTS_DIR/promtool"
GO="$(go_bin)" || die "Go is not installed (need the Go version scripts/promtool/go.mod names, on PATH or at /usr/local/go/bin/go)"

pinned="$(awk '$1 == "require" && $2 == "github.com/prometheus/prometheus" { print $3 }' "$SRC/go.mod")"
[ -n "$pinned" ] || die "cannot find the github.com/prometheus/prometheus requirement in $SRC/go.mod"

hash="$(cd "$SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
  sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
OUT_DIR="$STACK_CACHE/promtool/$pinned-$hash"
BIN="$OUT_DIR/promtool"

if [ "$FORCE" -eq 0 ] && [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  log "promtool $pinned is cached at $BIN"
  echo "$BIN"
  exit 0
fi

log "building promtool $pinned with $("$GO" env GOVERSION) under nice -n 19; this takes a while on a small machine"
mkdir -p "$OUT_DIR"
start="$(now_s)"
(
  cd "$SRC"
  CGO_ENABLED=0 nice -n 19 "$GO" build -mod=readonly -trimpath -ldflags "-s -w" \
    -o "$BIN.tmp" github.com/prometheus/prometheus/cmd/promtool
) >&2 || die "go build of promtool $pinned failed (see the compiler output above)"
mv -f "$BIN.tmp" "$BIN"
log "built promtool $pinned in $(elapsed "$start")s -> $BIN"
find "$STACK_CACHE/promtool" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$OUT_DIR")" -exec rm -rf {} + 2>/dev/null || true
echo "$BIN"
