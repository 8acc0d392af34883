#!/usr/bin/env bash
# Sets up a fresh machine for redis-memory development: Debian's redis-server
# (used by the tests, the benchmarks and the demo) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq redis-server >/dev/null
fi
npm ci --no-audit --no-fund
