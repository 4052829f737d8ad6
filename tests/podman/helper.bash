# Sandbox for the Podman toolkit's bats tests (rbenv test_helper style): HOME, a fake sysroot for
# /etc/subuid, /run/user, linger and cgroups, and tests/stubs first on PATH so podman, runuser,
# useradd, systemctl... only log their argv to $STUB_LOG.
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SETUP_JS=$REPO/dist/scripts/podman/setup.js
LAUNCHER=$REPO/scripts/run-openclaw-podman.sh

podman_sandbox() {
  export STUB_DIR=$BATS_TEST_TMPDIR/stub STUB_LOG=$BATS_TEST_TMPDIR/stub/log STUB_HOMES=$BATS_TEST_TMPDIR/home
  export OPENCLAW_TEST_SYSROOT=$BATS_TEST_TMPDIR/root HOME=$BATS_TEST_TMPDIR/home/me
  mkdir -p "$STUB_DIR" "$STUB_HOMES/me" "$OPENCLAW_TEST_SYSROOT"/{etc,run/user,usr/sbin,sys/fs/cgroup}
  : >"$STUB_LOG"
  : >"$STUB_DIR/passwd"
  printf '#!/bin/sh\nexit 1\n' >"$OPENCLAW_TEST_SYSROOT/usr/sbin/nologin"
  chmod +x "$OPENCLAW_TEST_SYSROOT/usr/sbin/nologin"
  printf 'ci:100000:65536\n' >"$OPENCLAW_TEST_SYSROOT/etc/subuid"
  printf 'ci:100000:65536\n' >"$OPENCLAW_TEST_SYSROOT/etc/subgid"
  export PATH="$REPO/tests/stubs:$PATH"
  unset OPENCLAW_PODMAN_QUADLET OPENCLAW_PODMAN_USER OPENCLAW_PODMAN_IMAGE OPENCLAW_IMAGE_APT_PACKAGES \
    OPENCLAW_DOCKER_APT_PACKAGES OPENCLAW_BASE_IMAGE OPENCLAW_INSTALL_DOCKER_CLI OPENCLAW_TEST_EUID \
    OPENCLAW_CONFIG_DIR OPENCLAW_WORKSPACE_DIR OPENCLAW_PODMAN_ENV OPENCLAW_GATEWAY_TOKEN STUB_HIDE \
    XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS
}

# add_user NAME UID [HOME]: a passwd entry (and its home, subuid and subgid ranges)
add_user() {
  local home=${3:-$STUB_HOMES/$1}
  mkdir -p "$home"
  echo "$1:x:$2:$2::$home:/usr/sbin/nologin" >>"$STUB_DIR/passwd"
  echo "$1:$((200000 + $2 * 100000)):65536" >>"$OPENCLAW_TEST_SYSROOT/etc/subuid"
  echo "$1:$((200000 + $2 * 100000)):65536" >>"$OPENCLAW_TEST_SYSROOT/etc/subgid"
  mkdir -p "$OPENCLAW_TEST_SYSROOT/run/user/$2"
}

setup_podman() { node "$SETUP_JS" "$@"; }

# mutating_calls: the logged calls that would change the host (builds, users, writes, systemctl)
mutating_calls() {
  grep -E '^(useradd|usermod|loginctl|install|podman [a-z-]*( --[a-z-]+=?[^ ]*)* (build|load|run|system)|systemctl|runuser .* sh -c)' "$STUB_LOG" || true
}

mode_of() { stat -c %a "$1"; }
