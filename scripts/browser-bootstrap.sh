#!/usr/bin/env bash
# Install a headless browser for the report's browser test (loadtest/tests/test_report_browser.py):
# Debian's chromium package (plus fonts so text renders). Idempotent: nothing happens when
# `chromium` is already on PATH. Needs root (CI runs as root); elsewhere it says what to run.
set -euo pipefail

log() { printf '[browser-bootstrap] %s\n' "$*" >&2; }

if command -v chromium >/dev/null 2>&1; then
  log "chromium already installed: $(chromium --version 2>/dev/null || echo '?')"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  log "chromium is missing; run as root: apt-get install chromium fonts-dejavu-core"; exit 1
fi
log "installing chromium"
# Third-party sources on a machine may be unreachable: their failure must not stop us.
apt-get update -qq >/dev/null 2>&1 || log "apt-get update reported errors (ignored)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
log "installed: $(chromium --version 2>/dev/null || echo '?')"
