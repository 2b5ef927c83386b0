#!/usr/bin/env bash
# Run by `pnpm test` before any test. System packages the test suites use as real third-party peers and clients (Debian):
# curl, systemd-socket-activate (package systemd), python3-systemd, gunicorn.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
command -v curl >/dev/null || need+=(curl)
command -v systemd-socket-activate >/dev/null || need+=(systemd)
/usr/bin/python3 -c 'import systemd.daemon' 2>/dev/null || need+=(python3-systemd)
command -v gunicorn >/dev/null || [ -x /usr/bin/gunicorn ] || need+=(gunicorn)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
