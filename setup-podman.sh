#!/usr/bin/env bash
# Summary: Set up the OpenClaw gateway under rootless Podman (shim for scripts/podman/setup.ts)
# Usage: ./setup-podman.sh [--container|--quadlet] [--dry-run] [--user NAME] [--fix-subids] [--rebuild]
#
# Installs dependencies and builds on first use (as you), then runs the setup as root through sudo
# unless you are root already or set up your own user (--user "$USER"). sudo drops the environment,
# so the variables setup reads are passed on explicitly. `./setup-podman.sh --help` for the rest.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENTRY=$ROOT/dist/scripts/podman/setup.js

command -v node >/dev/null 2>&1 || {
  echo "openclaw: setup: need 'node' (command not found) (install Node >= 20, then re-run)" >&2
  exit 1
}
if [ ! -f "$ENTRY" ] || [ ! -d "$ROOT/node_modules/zx" ]; then
  node "$ROOT/scripts/ensure-deps.mjs"
fi

target=${OPENCLAW_PODMAN_USER:-openclaw}
prev=
for a in "$@"; do
  case $a in --user=*) target=${a#--user=} ;; esac
  [ "$prev" = --user ] && target=$a
  prev=$a
done

if [ "$(id -u)" != 0 ] && [ "$target" != "$(id -un)" ]; then
  case " $* " in *" -h "* | *" --help "*) exec node "$ENTRY" "$@" ;; esac
  command -v sudo >/dev/null 2>&1 || {
    echo "openclaw: setup: setting up user '$target' needs root and sudo is missing (run as root, or use --user $(id -un))" >&2
    exit 1
  }
  keep=()
  for v in OPENCLAW_PODMAN_QUADLET OPENCLAW_PODMAN_USER OPENCLAW_PODMAN_IMAGE OPENCLAW_PODMAN_GATEWAY_HOST_PORT \
    OPENCLAW_PODMAN_BRIDGE_HOST_PORT OPENCLAW_BASE_IMAGE OPENCLAW_IMAGE_APT_PACKAGES OPENCLAW_DOCKER_APT_PACKAGES \
    OPENCLAW_INSTALL_DOCKER_CLI OPENCLAW_DEBUG; do
    [ -n "${!v+x}" ] && keep+=("$v=${!v}")
  done
  exec sudo -- env "${keep[@]}" "$(command -v node)" "$ENTRY" "$@"
fi
exec node "$ENTRY" "$@"
