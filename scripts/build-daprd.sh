#!/usr/bin/env bash
# Builds daprd (the Dapr sidecar) from the official Go module github.com/dapr/dapr
# at the pinned release, with only the components this project uses
# (see scripts/daprd/components/components.go), and caches the binary.
#
#   scripts/build-daprd.sh          build if needed; prints the binary's path on stdout
#   scripts/build-daprd.sh --force  rebuild even if the cached binary is current
#
# The binary lands in $STACK_CACHE/daprd/<version>-<hash of scripts/daprd>/daprd
# and is rebuilt only when the pin or the wrapper module changes. Go's own build
# and module caches make a rebuild after a small change fast.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

SRC="$SCRIPTS_DIR/daprd"
GO="$(go_bin)" || die "Go is not installed (need Go >= 1.24 on PATH or at /usr/local/go/bin/go)"

pinned="$(awk '$1 == "github.com/dapr/dapr" { print $2 }' "$SRC/go.mod")"
[ -n "$pinned" ] || die "cannot find the github.com/dapr/dapr requirement in $SRC/go.mod"
[ "$pinned" = "$DAPR_VERSION" ] ||
  die "scripts/daprd/go.mod pins dapr $pinned but DAPR_VERSION is $DAPR_VERSION: change both together (then run 'go mod tidy' in scripts/daprd)"

hash="$(cd "$SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
  sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
OUT_DIR="$STACK_CACHE/daprd/$DAPR_VERSION-$hash"
BIN="$OUT_DIR/daprd"

if [ "$FORCE" -eq 0 ] && [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  log "daprd $DAPR_VERSION is cached at $BIN"
  ln -sfn "$OUT_DIR" "$STACK_CACHE/daprd/current"
  echo "$BIN"
  exit 0
fi

go_version="$("$GO" env GOVERSION)"
log "building daprd $DAPR_VERSION with $go_version (trimmed: kafka, cron, postgresql, local secret stores); this takes a while on a small machine"
mkdir -p "$OUT_DIR"
start="$(now_s)"
# The wrapper's go.sum pins every dependency; -mod=readonly fails instead of
# silently changing it. GOFLAGS from the environment (e.g. -buildvcs=false) are kept.
(
  cd "$SRC"
  CGO_ENABLED=0 "$GO" build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_VERSION#v} -X github.com/dapr/dapr/pkg/buildinfo.gitversion=$DAPR_VERSION -X github.com/dapr/dapr/pkg/buildinfo.gitcommit=taskstream-trimmed-$hash" \
    -o "$BIN.tmp" .
) || die "go build of daprd $DAPR_VERSION failed (see the compiler output above)"
mv -f "$BIN.tmp" "$BIN"
took="$(elapsed "$start")"

version="$("$BIN" --version 2>/dev/null)" || die "the built daprd does not run: $BIN --version failed"
ln -sfn "$OUT_DIR" "$STACK_CACHE/daprd/current"
# Remove builds of older pins.
find "$STACK_CACHE/daprd" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$OUT_DIR")" -exec rm -rf {} + 2>/dev/null || true
log "built daprd $version in ${took}s -> $BIN"
echo "$BIN"
