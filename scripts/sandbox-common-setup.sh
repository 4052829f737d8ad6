#!/usr/bin/env bash
# Summary: Build openclaw-sandbox-common (node, python3, go, rust, build tools) on the sandbox image
# Usage: scripts/sandbox-common-setup.sh [--dry-run]
#
# PACKAGES overrides the apt list; BASE_IMAGE is the sandbox image (built first when missing, from
# SANDBOX_BASE_IMAGE, default debian:bookworm-slim);
# TARGET_IMAGE defaults to openclaw-sandbox-common:bookworm-slim. Remove old sandboxes afterwards:
#   docker rm -f $(docker ps -aq --filter label=openclaw.sandbox=1)   (or: openclaw sandbox recreate --all)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/sandbox-lib.sh
. "$here/sandbox-lib.sh"
BASE_IMAGE=${BASE_IMAGE:-openclaw-sandbox:bookworm-slim}
TARGET_IMAGE=${TARGET_IMAGE:-openclaw-sandbox-common:bookworm-slim}
PACKAGES=${PACKAGES:-curl wget jq coreutils grep nodejs npm python3 git ca-certificates golang-go rustc cargo unzip pkg-config build-essential file}
engine=$(sbx_engine)
if ! "$engine" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  # An exported BASE_IMAGE names the sandbox image here, not the Debian base sandbox-setup.sh wants.
  TARGET_IMAGE=$BASE_IMAGE BASE_IMAGE=${SANDBOX_BASE_IMAGE:-debian:bookworm-slim} "$here/sandbox-setup.sh" "$@"
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/Dockerfile" <<'DOCKERFILE'
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG PACKAGES
USER root
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
LABEL org.openclaw.sandbox.contract="openclaw-kit-sandbox-1"
USER sandbox
DOCKERFILE
sbx_build "$TARGET_IMAGE" "$tmp/Dockerfile" "$tmp" BASE_IMAGE="$BASE_IMAGE" PACKAGES="$PACKAGES" "$@"
[ -n "${SBX_DRY:-}" ] || say "built $TARGET_IMAGE; use it with: openclaw config set agents.defaults.sandbox.docker.image $TARGET_IMAGE"
