#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives it; no browser download).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing: install it (apt-get install -y chromium) or run as root" >&2
  exit 1
fi
echo "installing Debian's chromium (once)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null || { echo "chromium did not install" >&2; exit 1; }
