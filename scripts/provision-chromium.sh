#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives it; no browser download).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "installing Debian's chromium (once)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null || { echo "chromium did not install" >&2; exit 1; }
