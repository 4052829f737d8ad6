#!/usr/bin/env bats
# scripts/run-openclaw-podman.sh against a stub podman: argv, cron's environment, the env-file
# allowlist, token handling and fallbacks, and hostile values.
# bats file_tags=podman:stubs
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load helper

setup() {
  podman_sandbox
  export STUB_ID_U=1000 # the launcher refuses root; the stub id makes this run look unprivileged
  mkdir -m 700 -p "$HOME/.openclaw/workspace"
  printf 'OPENCLAW_GATEWAY_TOKEN=%s\n' "$(printf 'a%.0s' {1..64})" >"$HOME/.openclaw/.env"
  chmod 600 "$HOME/.openclaw/.env"
}

# cron: no TTY, PATH=/usr/bin:/bin (plus our stubs), no XDG_RUNTIME_DIR, no D-Bus
# (OPENCLAW_* and STUB_* set by a test are passed on, as a crontab line would set them)
launch() {
  local pass=() v
  for v in $(compgen -e | grep -E '^(OPENCLAW_|STUB_)'); do pass+=("$v=${!v}"); done
  env -i PATH="$REPO/tests/stubs:/usr/bin:/bin" HOME="$HOME" "${pass[@]}" STUB_ID_U=1000 "$LAUNCHER" "$@" </dev/null
}

@test "refuses to run as root" {
  STUB_ID_U=0 run -2 "$LAUNCHER"
  assert_output --partial 'openclaw: launcher: refusing to run as root'
}

@test "cron environment: podman run argv, loopback ports, keep-id, token only in a private env file" {
  run -0 launch
  run grep '^podman ' "$STUB_LOG"
  assert_output --regexp "^podman --cgroup-manager=cgroupfs run --pull=never -d --replace --name openclaw --userns=keep-id:uid=1000,gid=1000 --env-file [^ ]+ -e HOME=/home/node -e TERM=xterm-256color -v $HOME/.openclaw:/home/node/.openclaw:rw -v $HOME/.openclaw/workspace:/home/node/.openclaw/workspace:rw --health-interval=disable -p 127.0.0.1:18789:18789 -p 127.0.0.1:18790:18790 localhost/openclaw-kit:local openclaw gateway --bind lan --port 18789\$"
  ! grep -q aaaaaaaa "$STUB_LOG"
  [ "$(cat "$STUB_DIR/run-env")" = "OPENCLAW_GATEWAY_TOKEN=$(printf 'a%.0s' {1..64})" ]
  [ -z "$(ls -A "$HOME/.openclaw" | grep run-env)" ] # deleted on exit
}

@test "env file: only allowlisted keys; paths and other variables are ignored" {
  printf 'OPENCLAW_CONFIG_DIR=/etc\nEVIL=1\nexport OPENCLAW_PODMAN_GATEWAY_HOST_PORT="19000"\nPATH=/nope\nOPENCLAW_PODMAN_IMAGE=localhost/other:1\n' >>"$HOME/.openclaw/.env"
  run -0 launch
  run grep '^podman ' "$STUB_LOG"
  assert_output --partial "-v $HOME/.openclaw:/home/node/.openclaw:rw"
  assert_output --partial '-p 127.0.0.1:19000:18789'
  assert_output --partial 'localhost/other:1 openclaw gateway'
  refute_output --partial '/etc'
  refute_output --partial 'EVIL'
  ! grep -q EVIL "$STUB_DIR/run-env"
}

@test "env file must be private, regular and ours" {
  chmod 644 "$HOME/.openclaw/.env"
  run -2 launch
  assert_output --partial "openclaw: launcher: env file: $HOME/.openclaw/.env is readable or writable by others (chmod 600"
  chmod 600 "$HOME/.openclaw/.env"
  mv "$HOME/.openclaw/.env" "$HOME/real.env" && ln -s "$HOME/real.env" "$HOME/.openclaw/.env"
  run -2 launch
  assert_output --partial 'is not a regular file'
}

@test "token generated when missing: openssl, then python3, then od; none left: clear error" {
  for hide in '' openssl 'openssl python3'; do
    rm -f "$HOME/.openclaw/.env"
    STUB_HIDE=$hide run -0 launch
    grep -qE '^OPENCLAW_GATEWAY_TOKEN=[0-9a-f]{64}$' "$HOME/.openclaw/.env"
    [ "$(mode_of "$HOME/.openclaw/.env")" = 600 ]
  done
  rm -f "$HOME/.openclaw/.env"
  STUB_HIDE='openssl python3 od' run -1 launch
  assert_output --partial 'openclaw: launcher: token: Missing dependency: need openssl or python3 (or od) to generate OPENCLAW_GATEWAY_TOKEN'
}

@test "hostile values never reach podman" {
  OPENCLAW_CONFIG_DIR='/tmp/a:/etc' run -2 launch
  assert_output --partial "unsupported character in '/tmp/a:/etc'"
  OPENCLAW_CONFIG_DIR=$'/tmp/a\n-v /:/host' run -2 launch
  assert_output --partial 'unsupported character'
  OPENCLAW_CONFIG_DIR=relative/dir run -2 launch
  assert_output --partial 'not an absolute path'
  OPENCLAW_CONFIG_DIR=$HOME/../etc run -2 launch
  assert_output --partial 'path is not normalised'
  OPENCLAW_BIND_MOUNT_OPTIONS='Z -v /:/host' run -2 launch
  assert_output --partial "invalid options 'Z -v /:/host'"
  OPENCLAW_PODMAN_IMAGE=oci:foo run -2 launch
  assert_output --partial "transport prefixes are not supported: 'oci:foo'"
  echo 'OPENCLAW_PODMAN_GATEWAY_HOST_PORT=80;id' >>"$HOME/.openclaw/.env"
  run -2 launch
  assert_output --partial "invalid port '80;id'"
  ! grep -q '^podman' "$STUB_LOG"
}

@test "SELinux enforcing adds Z to the mounts" {
  STUB_GETENFORCE=Enforcing run -0 launch
  grep -q -- "-v $HOME/.openclaw:/home/node/.openclaw:rw,Z " "$STUB_LOG"
}

@test "container name in use: says what to stop" {
  STUB_PODMAN_RUN_FAIL='Error: the container name "openclaw" is already in use by abc' run -1 launch
  assert_output --partial 'openclaw: launcher: podman run: container name openclaw is in use (stop it: podman rm -f openclaw, or systemctl --user stop openclaw if Quadlet runs it)'
}

@test "setup runs a one-off CLI container on the same mounts (default: onboarding with the container's answers)" {
  run -0 launch
  : >"$STUB_LOG"
  launch launch setup
  grep -qE "^podman --cgroup-manager=cgroupfs run --rm --pull=never --userns=keep-id:uid=1000,gid=1000 --env-file [^ ]+ .* --network=host localhost/openclaw-kit:local openclaw onboard --mode local --gateway-bind lan --gateway-port 18789 --gateway-auth token --gateway-token-ref-env OPENCLAW_GATEWAY_TOKEN --no-install-daemon$" "$STUB_LOG"
  : >"$STUB_LOG"
  launch launch setup doctor
  grep -qE " localhost/openclaw-kit:local openclaw doctor$" "$STUB_LOG"
}
