#!/usr/bin/env bash
# Summary: Set up the OpenClaw gateway with Docker Compose (shim for scripts/docker/setup.ts)
# Usage: ./docker-setup.sh [--dry-run] [--rebuild]
#
# Installs dependencies and builds on first use, then runs the setup as you (no sudo: you need
# access to the Docker daemon). `./docker-setup.sh --help` lists the steps and variables.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENTRY=$ROOT/dist/scripts/docker/setup.js

command -v node >/dev/null 2>&1 || {
  echo "openclaw: setup: need 'node' (command not found) (install Node >= 20, then re-run)" >&2
  exit 1
}
if [ ! -f "$ENTRY" ] || [ ! -d "$ROOT/node_modules/zx" ]; then
  node "$ROOT/scripts/ensure-deps.mjs"
fi
exec node "$ENTRY" "$@"
