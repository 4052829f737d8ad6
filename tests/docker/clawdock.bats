#!/usr/bin/env bats
# ClawDock helpers (scripts/clawdock/clawdock-helpers.sh) against a stub docker: which checkout,
# the exact compose argv per command, token and dashboard output, and clawdock-clean's warning.
# bats file_tags=docker:stubs
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
  export HOME=$BATS_TEST_TMPDIR/home STUB_LOG=$BATS_TEST_TMPDIR/log CHECKOUT=$BATS_TEST_TMPDIR/checkout
  mkdir -p "$HOME" "$CHECKOUT"
  : >"$STUB_LOG"
  touch "$CHECKOUT/docker-compose.yml"
  printf '#!/bin/sh\necho "setup $*" >>"$STUB_LOG"; env | grep -q "^OPENCLAW_SKIP_ONBOARDING=1$" && echo skip-onboarding >>"$STUB_LOG"\n' >"$CHECKOUT/docker-setup.sh"
  chmod +x "$CHECKOUT/docker-setup.sh"
  printf "OPENCLAW_GATEWAY_PORT=28789\nOPENCLAW_GATEWAY_TOKEN=%s\nOPENCLAW_PUBLISH_HOST=0.0.0.0\n" "$(printf 'a%.0s' {1..64})" >"$CHECKOUT/.env"
  export PATH="$REPO/tests/stubs/docker-bin:$PATH" CLAWDOCK_DIR=$CHECKOUT CLAWDOCK_NO_OPEN=1
  # shellcheck source=scripts/clawdock/clawdock-helpers.sh
  source "$REPO/scripts/clawdock/clawdock-helpers.sh"
}

@test "each command runs the expected docker compose argv in the checkout" {
  clawdock-start
  clawdock-stop
  clawdock-restart
  clawdock-status
  clawdock-logs --since 5m
  clawdock-health
  clawdock-cli status --json
  clawdock-devices
  clawdock-approve req-1
  run cat "$STUB_LOG"
  assert_output "$CHECKOUT: docker compose up -d openclaw-gateway
$CHECKOUT: docker compose down
$CHECKOUT: docker compose restart openclaw-gateway
$CHECKOUT: docker compose ps
$CHECKOUT: docker compose logs -f --tail 200 openclaw-gateway --since 5m
$CHECKOUT: docker compose exec openclaw-gateway openclaw health
$CHECKOUT: docker compose run --rm openclaw-cli status --json
$CHECKOUT: docker compose run --rm openclaw-cli devices list
$CHECKOUT: docker compose run --rm openclaw-cli devices approve req-1"
}

@test "the token never appears on a command line" {
  clawdock-health
  clawdock-dashboard >/dev/null
  run grep -c aaaaaaaa "$STUB_LOG"
  assert_output 0
}

@test "clawdock-token prints the .env token; a missing one is an error" {
  run -0 clawdock-token
  assert_output "$(printf 'a%.0s' {1..64})"
  : >"$CHECKOUT/.env"
  run -1 clawdock-token
  assert_output --partial "clawdock: no OPENCLAW_GATEWAY_TOKEN in $CHECKOUT/.env (run ./docker-setup.sh first)"
}

@test "clawdock-dashboard prints the URL for the published port, without the token" {
  run -0 clawdock-dashboard
  assert_line --index 0 'Control UI: http://127.0.0.1:28789/'
  refute_output --partial aaaaaaaa
}

@test "clawdock-approve without an id is a usage error" {
  run -2 clawdock-approve
  assert_output 'clawdock: usage: clawdock-approve <requestId> (see clawdock-devices)'
}

@test "clawdock-clean warns with the volumes and refuses without a terminal or --yes" {
  export STUB_VOLUMES='openclaw-home'
  run -1 clawdock-clean </dev/null
  assert_line --index 0 "clawdock: this stops every container of $CHECKOUT and DELETES these volumes: openclaw-home "
  assert_output --partial 'refusing to delete volumes without a terminal (run: clawdock-clean --yes)'
  run grep -c 'down' "$STUB_LOG"
  assert_output 0
  run -0 clawdock-clean --yes
  run tail -n 1 "$STUB_LOG"
  assert_output "$CHECKOUT: docker compose down -v --remove-orphans"
}

@test "rebuild and update go through docker-setup.sh without onboarding" {
  clawdock-rebuild
  run cat "$STUB_LOG"
  assert_output "setup --rebuild
skip-onboarding"
}

@test "no checkout: the error says how to set one; inside a checkout it is remembered" {
  unset CLAWDOCK_DIR
  cd "$BATS_TEST_TMPDIR"
  run -1 clawdock-status
  assert_output 'clawdock: no OpenClaw checkout found (set CLAWDOCK_DIR=/path/to/openclaw-kit, or run a clawdock command inside the checkout once)'
  cd "$CHECKOUT"
  clawdock-status
  [ "$(cat "$HOME/.clawdock/config")" = "CLAWDOCK_DIR=$CHECKOUT" ]
  cd /
  clawdock-status
  run tail -n 1 "$STUB_LOG"
  assert_output "$CHECKOUT: docker compose ps"
}
