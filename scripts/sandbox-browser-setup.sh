#!/usr/bin/env bash
# Summary: Build openclaw-sandbox-browser (Chromium with CDP on 9222; optional noVNC on 6080 via Xvfb)
# Usage: scripts/sandbox-browser-setup.sh [--dry-run]
#
# BASE_IMAGE (default debian:bookworm-slim), TARGET_IMAGE (default openclaw-sandbox-browser:bookworm-slim),
# NOVNC=1 adds x11vnc + noVNC/websockify. The entrypoint starts Xvfb, Chromium with DevTools (CDP)
# on 9222 (socat in front of 127.0.0.1:9223), and (with ENABLE_NOVNC=1 at run time) noVNC on 6080.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/sandbox-lib.sh
. "$here/sandbox-lib.sh"
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
TARGET_IMAGE=${TARGET_IMAGE:-openclaw-sandbox-browser:bookworm-slim}
NOVNC=${NOVNC:-1}
extra=""; [ "$NOVNC" = 1 ] && extra="x11vnc novnc websockify"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/entrypoint.sh" <<'ENTRY'
#!/bin/sh
set -eu
export DISPLAY=:99
Xvfb :99 -screen 0 1280x800x24 -nolisten tcp &
# Chromium exits at once when the display is not up yet: wait (up to 10 s) for Xvfb's socket.
i=0; while [ ! -S /tmp/.X11-unix/X99 ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ "${ENABLE_NOVNC:-0}" = 1 ] && command -v x11vnc >/dev/null; then
  x11vnc -display :99 -forever -shared -localhost -rfbport 5900 -nopw -quiet &
  websockify --web /usr/share/novnc 6080 127.0.0.1:5900 &
fi
# Headful Chromium binds DevTools to 127.0.0.1 whatever --remote-debugging-address says, so socat
# publishes it on 9222. --no-sandbox: Chromium's sandbox needs user namespaces, which the engines'
# default seccomp profile refuses ("No usable sandbox!"); the container is the sandbox here.
socat TCP-LISTEN:9222,fork,reuseaddr,bind=0.0.0.0 TCP:127.0.0.1:9223 &
exec chromium --no-sandbox --no-first-run --no-default-browser-check --disable-dev-shm-usage \
  --remote-debugging-address=127.0.0.1 --remote-debugging-port=9223 --user-data-dir=/tmp/chrome "$@"
ENTRY
cat >"$tmp/Dockerfile" <<'DOCKERFILE'
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG EXTRA
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium xvfb socat fonts-liberation fonts-noto-color-emoji ca-certificates ${EXTRA} \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -m 1777 /tmp/.X11-unix \
 && useradd -m -u 1000 -s /bin/sh sandbox
COPY entrypoint.sh /usr/local/bin/openclaw-sandbox-browser
RUN chmod 0755 /usr/local/bin/openclaw-sandbox-browser
LABEL org.openclaw.sandbox-browser.contract="openclaw-kit-browser-1"
EXPOSE 9222 5900 6080
USER sandbox
ENTRYPOINT ["/usr/local/bin/openclaw-sandbox-browser"]
DOCKERFILE
sbx_build "$TARGET_IMAGE" "$tmp/Dockerfile" "$tmp" BASE_IMAGE="$BASE_IMAGE" EXTRA="$extra" "$@"
