#!/usr/bin/env bats
# docker-setup.sh (scripts/docker/setup.ts) without an engine: usage errors, bad variables refused
# before any docker call, and --dry-run against a stub docker that plans everything and changes
# nothing (the env-var → .env / build arg / YAML matrix is in tests/runtime/docker-settings.test.ts).
# bats file_tags=docker:stubs
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
  export HOME=$BATS_TEST_TMPDIR/home STUB_LOG=$BATS_TEST_TMPDIR/log CHECKOUT=$BATS_TEST_TMPDIR/checkout
  mkdir -p "$HOME" "$CHECKOUT/scripts/docker" "$CHECKOUT/dist"
  : >"$STUB_LOG"
  # A checkout copy (the setup writes .env and overlays next to the compiled script's repo root).
  cp "$REPO/docker-setup.sh" "$REPO/docker-compose.yml" "$REPO/Dockerfile" "$REPO/package.json" "$CHECKOUT/"
  cp -r "$REPO/dist/scripts" "$REPO/dist/lib" "$CHECKOUT/dist/"
  ln -s "$REPO/node_modules" "$CHECKOUT/node_modules"
  export PATH="$REPO/tests/stubs/docker-bin:$PATH"
  for v in $(env | sed -n 's/^\(OPENCLAW_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
  unset COMPOSE_FILE COMPOSE_PROJECT_NAME DOCKER_HOST
}

dsetup() { "$CHECKOUT/docker-setup.sh" "$@"; }

@test "unknown flag: usage error, exit 2, no docker call" {
  run -2 dsetup --bogus
  assert_output "openclaw: unknown option '--bogus' (usage: docker-setup.sh [--dry-run] [--rebuild])"
  [ ! -s "$STUB_LOG" ]
}

@test "--help prints the header help" {
  run -0 dsetup --help
  assert_line --index 0 'Set up the OpenClaw gateway with Docker Compose (image, dirs, token, overlays, config, start)'
  assert_line --index 1 'Usage: docker-setup.sh [--dry-run] [--rebuild]'
}

@test "an injection attempt in OPENCLAW_EXTRA_MOUNTS is refused before anything runs" {
  OPENCLAW_EXTRA_MOUNTS=$'/srv/a:/mnt/a\n      privileged: true' run -2 dsetup
  assert_output "openclaw: OPENCLAW_EXTRA_MOUNTS: control character (newline, tab...) in entry '/srv/a:/mnt/a\\n      privileged: true' (use comma-separated source:target[:ro|rw|z|Z] entries, e.g. ~/projects:/home/node/projects:ro)"
  [ ! -s "$STUB_LOG" ]
  [ ! -e "$CHECKOUT/.env" ] && [ ! -e "$CHECKOUT/docker-compose.extra.yml" ]
}

@test "bad port and bad socket are usage errors naming the variable" {
  OPENCLAW_GATEWAY_PORT=99999 run -2 dsetup
  assert_output "openclaw: OPENCLAW_GATEWAY_PORT: invalid port '99999' (use 1-65535)"
  OPENCLAW_DOCKER_SOCKET=relative.sock run -2 dsetup
  assert_output --partial "openclaw: OPENCLAW_DOCKER_SOCKET: socket path 'relative.sock' is not an absolute path"
}

@test "--dry-run plans the .env keys, overlay, build args and start, and changes nothing" {
  mkdir -p "$BATS_TEST_TMPDIR/extra"
  OPENCLAW_CONFIG_DIR=$BATS_TEST_TMPDIR/cfg OPENCLAW_EXTRA_MOUNTS="$BATS_TEST_TMPDIR/extra:/mnt/extra:ro" \
    OPENCLAW_HOME_VOLUME=oc-home OPENCLAW_DOCKER_APT_PACKAGES='git jq' OPENCLAW_GATEWAY_PORT=28789 \
    run -0 dsetup --dry-run
  assert_line --index 0 "==> openclaw docker setup in $CHECKOUT (dry run: nothing is changed)"
  assert_line "would  mkdir -p -m 700 $BATS_TEST_TMPDIR/cfg"
  assert_line --regexp "^would  write $CHECKOUT/.env: OPENCLAW_IMAGE OPENCLAW_CONFIG_DIR OPENCLAW_WORKSPACE_DIR OPENCLAW_GATEWAY_PORT OPENCLAW_GATEWAY_BIND OPENCLAW_PUBLISH_HOST OPENCLAW_IMAGE_APT_PACKAGES OPENCLAW_EXTRA_MOUNTS OPENCLAW_HOME_VOLUME .*OPENCLAW_GATEWAY_TOKEN \\(new token; other lines kept; mode 0600\\)$"
  assert_line "would  write $CHECKOUT/docker-compose.extra.yml (1 extra mount(s), home volume oc-home, for both services)"
  assert_line --regexp "^would  build openclaw-kit:local: docker build --label org.openclaw-kit.context=[0-9a-f]{64} --build-arg OPENCLAW_VERSION=[0-9.]+ --build-arg 'OPENCLAW_IMAGE_APT_PACKAGES=git jq' -t openclaw-kit:local "
  assert_line --partial 'would  openclaw config set --batch-json'
  assert_line --partial '"http://127.0.0.1:28789","http://localhost:28789"'
  assert_line --regexp "^would  docker compose .* up -d openclaw-gateway$"
  assert_line --regexp '^==> [0-9]+ change\(s\) would be made'
  # Probes are allowed (a dry run reads real state): `openclaw help onboard` in a one-off
  # container and `compose --dry-run up`. Nothing that builds, pulls, writes or starts.
  run sh -c 'grep -E "docker (build|pull|run) | run | up " "$STUB_LOG" | grep -v -e "openclaw help onboard\$" -e " --dry-run up -d openclaw-gateway\$"'
  assert_output ''
  [ ! -e "$CHECKOUT/.env" ] && [ ! -e "$CHECKOUT/docker-compose.extra.yml" ] && [ ! -e "$BATS_TEST_TMPDIR/cfg" ]
}
