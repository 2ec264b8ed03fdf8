#!/usr/bin/env bash
# Builds promtool (cmd/promtool) from the official Go module github.com/prometheus/prometheus at
# the version pinned in scripts/promtool/go.mod, and caches the binary; test/observability.test.ts
# runs `promtool check rules deploy/prometheus/alerts.yaml` with it.
#
#   scripts/build-promtool.sh          build if needed; prints the binary's path on stdout
#   scripts/build-promtool.sh --force  rebuild even if the cached binary is current
#
# The binary lands in $STACK_CACHE/promtool/<version>-<hash of scripts/promtool>/promtool and is
# rebuilt only when the pin or the wrapper module changes (go_build_cached in lib.sh); the build runs under nice -n 19 (its
# measured time is in docs/observability.md).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

go_build_cached promtool github.com/prometheus/prometheus github.com/prometheus/prometheus/cmd/promtool "$FORCE" --version
