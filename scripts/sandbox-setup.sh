#!/usr/bin/env bash
# Summary: Build the agent sandbox image (openclaw-sandbox:bookworm-slim) with docker or podman
# Usage: scripts/sandbox-setup.sh [--dry-run]
#
# ENGINE=docker|podman (default: docker when its daemon answers, else podman), BASE_IMAGE
# (default debian:bookworm-slim), TARGET_IMAGE (default openclaw-sandbox:bookworm-slim).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/sandbox-lib.sh
. "$here/sandbox-lib.sh"
TARGET_IMAGE=${TARGET_IMAGE:-openclaw-sandbox:bookworm-slim}
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
# A context with only the Dockerfile: the build needs nothing else from the repository.
ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
cp "$here/../Dockerfile.sandbox" "$ctx/Dockerfile"
sbx_build "$TARGET_IMAGE" "$ctx/Dockerfile" "$ctx" BASE_IMAGE="$BASE_IMAGE" "$@"
[ -n "${SBX_DRY:-}" ] ||
  say "built $TARGET_IMAGE (set agents.defaults.sandbox.docker.image if you used another tag)"
