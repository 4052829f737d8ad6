#!/usr/bin/env bats
# setup-podman.sh (scripts/podman/setup.ts) against stubs: flags, dry-run, idempotence, subuid and
# subgid messages, token fallbacks, build args, Quadlet rendering and activation, bad input.
# bats file_tags=podman:stubs
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load helper

setup() { podman_sandbox; }

@test "unknown flag: usage error, exit 2" {
  run -2 setup_podman --bogus
  assert_output --partial "openclaw: unknown option '--bogus' (usage: setup-podman.sh [--container|--quadlet]"
}

@test "--help prints the header help" {
  run -0 setup_podman --help
  assert_line --index 1 --partial 'Usage: setup-podman.sh [--container|--quadlet] [--dry-run] [--user NAME]'
}

@test "--container and --quadlet together: exit 2" {
  run -2 setup_podman --container --quadlet
  assert_output --partial '--container and --quadlet are exclusive'
}

@test "OPENCLAW_PODMAN_QUADLET overrides the flags and rejects junk" {
  add_user openclaw 1400
  OPENCLAW_PODMAN_QUADLET=Yes run -0 setup_podman --container --dry-run
  assert_line --index 0 '==> openclaw podman setup: quadlet for user openclaw (dry run: nothing is changed)'
  OPENCLAW_PODMAN_QUADLET=maybe run -2 setup_podman
  assert_output --partial "OPENCLAW_PODMAN_QUADLET: expected 1/yes/true or 0/no/false, got 'maybe'"
}

@test "not root, other user: explains how to run it" {
  echo "alice:x:1000:1000::$HOME:/bin/bash" >>"$STUB_DIR/passwd"
  OPENCLAW_TEST_EUID=1000 run -2 setup_podman --container
  assert_output "openclaw: must run as root to set up user 'openclaw' (running as alice) (try: sudo ./setup-podman.sh --container, or for your own user: ./setup-podman.sh --user alice)"
}

@test "--dry-run for a missing user: would useradd, changes nothing" {
  run -0 setup_podman --dry-run
  assert_line "would  useradd --create-home --user-group --shell /usr/sbin/nologin --comment 'OpenClaw gateway (rootless Podman)' openclaw"
  assert_line --partial 'would  run the remaining steps for the new user openclaw'
  [ -z "$(mutating_calls)" ]
  [ ! -s "$STUB_DIR/passwd" ]
}

@test "creates the user, builds in its store, installs launcher, token and config" {
  run -0 setup_podman --container
  assert_line "changed  useradd --create-home --user-group --shell /usr/sbin/nologin --comment 'OpenClaw gateway (rootless Podman)' openclaw"
  h=$STUB_HOMES/openclaw
  grep -q "^useradd --create-home --user-group --shell /usr/sbin/nologin --comment OpenClaw\\\\ gateway\\\\ \\\\(rootless\\\\ Podman\\\\) openclaw$" "$STUB_LOG"
  grep -qE "^runuser -u openclaw -- env -i HOME=$h USER=openclaw LOGNAME=openclaw PATH=[^ ]+ XDG_RUNTIME_DIR=/run/user/1500 .*podman build --format docker --label org.openclaw-kit.context=[0-9a-f]{64} --build-arg OPENCLAW_VERSION=[0-9.]+ -t localhost/openclaw-kit:local -f $h/.cache/openclaw-kit/build-context/Dockerfile $h/.cache/openclaw-kit/build-context$" "$STUB_LOG"
  [ -f "$h/.cache/openclaw-kit/build-context/Dockerfile" ]
  [ "$(mode_of "$h/run-openclaw-podman.sh")" = 755 ]
  cmp "$h/run-openclaw-podman.sh" "$LAUNCHER"
  [ "$(mode_of "$h/.openclaw/.env")" = 600 ]
  grep -qE '^OPENCLAW_GATEWAY_TOKEN=[0-9a-f]{64}$' "$h/.openclaw/.env"
  [ "$(mode_of "$h/.openclaw/openclaw.json")" = 600 ]
  run node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(c.gateway.mode, c.gateway.controlUi.allowedOrigins.join(" "))' "$h/.openclaw/openclaw.json"
  assert_output 'local http://127.0.0.1:18789 http://localhost:18789'
  [ "$(mode_of "$h/.openclaw")" = 700 ] && [ "$(mode_of "$h/.openclaw/workspace")" = 700 ]
  # the token never reaches argv
  token=$(sed -n 's/^OPENCLAW_GATEWAY_TOKEN=//p' "$h/.openclaw/.env")
  ! grep -q "$token" "$STUB_LOG"
}

@test "a second run changes nothing: only ok lines, same token, no build" {
  setup_podman --container 2>/dev/null
  token=$(cat "$STUB_HOMES/openclaw/.openclaw/.env")
  : >"$STUB_LOG"
  run -0 setup_podman --container
  refute_line --regexp '^(changed|would|warn) '
  assert_line --partial 'ok  image localhost/openclaw-kit:local in openclaw'"'"'s store is current'
  assert_line --partial '==> nothing to do in'
  [ "$token" = "$(cat "$STUB_HOMES/openclaw/.openclaw/.env")" ]
  [ -z "$(mutating_calls)" ]
}

@test "--rebuild builds even when the image is current" {
  setup_podman --container 2>/dev/null
  : >"$STUB_LOG"
  run -0 setup_podman --container --rebuild
  assert_line --regexp '^changed  build localhost/openclaw-kit:local'
  grep -q ' podman build ' "$STUB_LOG"
}

@test "--dry-run on an existing user lists every write and makes none" {
  add_user openclaw 1400
  run -0 setup_podman --container --dry-run
  assert_line --regexp "^would  build localhost/openclaw-kit:local in openclaw's store: runuser -u openclaw -- "
  assert_line "would  install launcher $STUB_HOMES/openclaw/run-openclaw-podman.sh (mode 0755, owner openclaw)"
  assert_line "would  generate OPENCLAW_GATEWAY_TOKEN into $STUB_HOMES/openclaw/.openclaw/.env (mode 0600, owner openclaw)"
  [ -z "$(mutating_calls)" ]
  [ ! -e "$STUB_HOMES/openclaw/.openclaw" ]
}

@test "build args: the same builder as the Docker path, passed through as argv" {
  add_user openclaw 1400
  OPENCLAW_IMAGE_APT_PACKAGES='curl  git' OPENCLAW_BASE_IMAGE=localhost/node:24-bookworm-slim run -0 setup_podman --container
  grep -q -- "--build-arg BASE_IMAGE=localhost/node:24-bookworm-slim --build-arg OPENCLAW_VERSION=[0-9.]* --build-arg OPENCLAW_IMAGE_APT_PACKAGES=curl\\\\ git -t " "$STUB_LOG"
  OPENCLAW_IMAGE_APT_PACKAGES='curl; rm -rf /' run -2 setup_podman --container
  assert_output --partial "OPENCLAW_IMAGE_APT_PACKAGES: not a space-separated list of Debian package names"
}

@test "subuid and subgid missing: exact fix, exit 1; --fix-subids applies it" {
  echo "openclaw:x:1400:1400::$STUB_HOMES/openclaw:/usr/sbin/nologin" >>"$STUB_DIR/passwd"
  mkdir -p "$STUB_HOMES/openclaw" "$OPENCLAW_TEST_SYSROOT/run/user/1400"
  run -1 setup_podman --container
  assert_line "openclaw: subuid: no range for user 'openclaw' in /etc/subuid; no range for user 'openclaw' in /etc/subgid (try: sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 openclaw   (or re-run setup with --fix-subids))"
  run -0 setup_podman --container --fix-subids
  assert_line 'changed  usermod --add-subuids 165536-231071 --add-subgids 165536-231071 openclaw'
  assert_line --partial 'changed  as openclaw: podman system migrate'
  grep -qx 'openclaw:165536:65536' "$OPENCLAW_TEST_SYSROOT/etc/subuid"
  grep -qx 'openclaw:165536:65536' "$OPENCLAW_TEST_SYSROOT/etc/subgid"
}

@test "subgid is checked too: subuid alone is not enough" {
  add_user openclaw 1400
  sed -i '/^openclaw:/d' "$OPENCLAW_TEST_SYSROOT/etc/subgid"
  run -1 setup_podman --container
  assert_line "openclaw: subuid: no range for user 'openclaw' in /etc/subgid (try: sudo usermod --add-subgids 140265536-140331071 openclaw   (or re-run setup with --fix-subids))"
}

@test "overlapping or small ranges are reported, never auto-fixed" {
  add_user openclaw 1400
  sed -i 's/^openclaw:.*/openclaw:100100:65536/' "$OPENCLAW_TEST_SYSROOT/etc/subuid"
  run -1 setup_podman --container --fix-subids
  assert_output --partial "openclaw: subuid: range 100100:65536 for 'openclaw' in /etc/subuid overlaps 'ci' 100000:65536"
  ! grep -q '^usermod' "$STUB_LOG"
  sed -i 's/^openclaw:.*/openclaw:900000000:1000/' "$OPENCLAW_TEST_SYSROOT/etc/subuid"
  run -1 setup_podman --container
  assert_output --partial "range 900000000:1000 for 'openclaw' in /etc/subuid is smaller than 65536"
}

@test "token fallbacks: openssl hidden, then python3 hidden, then all three" {
  add_user openclaw 1400
  env=$STUB_HOMES/openclaw/.openclaw/.env
  STUB_HIDE=openssl run -0 setup_podman --container
  grep -qE '^OPENCLAW_GATEWAY_TOKEN=[0-9a-f]{64}$' "$env"
  rm "$env"
  STUB_HIDE='openssl python3' run -0 setup_podman --container
  grep -qE '^OPENCLAW_GATEWAY_TOKEN=[0-9a-f]{64}$' "$env"
  rm "$env"
  STUB_HIDE='openssl python3 od' run -1 setup_podman --container
  assert_line 'openclaw: Missing dependency: need openssl or python3 (or od) to generate OPENCLAW_GATEWAY_TOKEN (install openssl (apt-get install openssl), then re-run setup)'
  [ ! -e "$env" ]
}

@test "an existing .env keeps its token and other lines; a loose mode is tightened" {
  add_user openclaw 1400
  mkdir -m 700 -p "$STUB_HOMES/openclaw/.openclaw"
  printf 'FOO=bar\nOPENCLAW_GATEWAY_TOKEN=keepme\n' >"$STUB_HOMES/openclaw/.openclaw/.env"
  chmod 644 "$STUB_HOMES/openclaw/.openclaw/.env"
  run -0 setup_podman --container
  assert_line "changed  chmod 0600 $STUB_HOMES/openclaw/.openclaw/.env (was 0644)"
  [ "$(cat "$STUB_HOMES/openclaw/.openclaw/.env")" = $'FOO=bar\nOPENCLAW_GATEWAY_TOKEN=keepme' ]
  [ "$(mode_of "$STUB_HOMES/openclaw/.openclaw/.env")" = 600 ]
}

@test "an existing config without gateway.mode is left alone, with a warning" {
  add_user openclaw 1400
  mkdir -m 700 -p "$STUB_HOMES/openclaw/.openclaw"
  echo '{ gateway: { port: 1 } }' >"$STUB_HOMES/openclaw/.openclaw/openclaw.json"
  run -0 setup_podman --container
  assert_line --partial 'has no gateway.mode="local": left unchanged, and the gateway will refuse to start'
  [ "$(cat "$STUB_HOMES/openclaw/.openclaw/openclaw.json")" = '{ gateway: { port: 1 } }' ]
}

@test "bad input is rejected before anything runs" {
  run -2 setup_podman --user 'evil;rm'
  assert_output --partial "--user: invalid user name 'evil;rm'"
  run -2 setup_podman --user $'a\nb'
  assert_output --partial "--user: invalid user name 'a\\nb'"
  OPENCLAW_PODMAN_IMAGE=oci:foo run -2 setup_podman
  assert_output --partial "OPENCLAW_PODMAN_IMAGE: transport prefixes are not supported: 'oci:foo'"
  OPENCLAW_PODMAN_GATEWAY_HOST_PORT=70000 run -2 setup_podman
  assert_output --partial "OPENCLAW_PODMAN_GATEWAY_HOST_PORT: invalid port '70000'"
  [ -z "$(mutating_calls)" ]
}

@test "--quadlet with a home path that needs quoting: refused, no unit written" {
  add_user openclaw 1400 "$BATS_TEST_TMPDIR/home/open claw"
  run -2 setup_podman --quadlet
  assert_output --partial "config dir: unsupported character in path '$BATS_TEST_TMPDIR/home/open claw/.openclaw'"
  [ ! -e "$BATS_TEST_TMPDIR/home/open claw/.config/containers/systemd/openclaw.container" ]
}

@test "--quadlet without systemd: unit installed (no token in it), linger first, not started, exit 0" {
  add_user openclaw 1400
  run -0 setup_podman --quadlet
  unit=$STUB_HOMES/openclaw/.config/containers/systemd/openclaw.container
  [ "$(mode_of "$unit")" = 644 ]
  assert_line --partial 'warn  cgroups v2 is absent'
  assert_line "changed  create /var/lib/systemd/linger/openclaw (no systemd running here: the marker logind reads at boot)" || assert_line --partial 'changed  create '
  [ -e "$OPENCLAW_TEST_SYSROOT/var/lib/systemd/linger/openclaw" ]
  assert_line 'warn  Quadlet installed but not started: systemd is not running on this host (start it with: sudo systemctl --machine openclaw@ --user start openclaw)'
  grep -qx 'UserNS=keep-id:uid=1000,gid=1000' "$unit"
  grep -qx "Volume=$STUB_HOMES/openclaw/.openclaw:/home/node/.openclaw" "$unit"
  grep -qx "EnvironmentFile=$STUB_HOMES/openclaw/.openclaw/.env" "$unit"
  grep -qx 'PublishPort=127.0.0.1:18789:18789' "$unit"
  grep -qx 'PublishPort=127.0.0.1:18790:18790' "$unit"
  grep -qx 'WantedBy=default.target' "$unit"
  token=$(sed -n 's/^OPENCLAW_GATEWAY_TOKEN=//p' "$STUB_HOMES/openclaw/.openclaw/.env")
  ! grep -q "$token" "$unit"
  ! grep -q '^systemctl' "$STUB_LOG"
}

@test "--quadlet with a user manager: daemon-reload then start, never enable; then all ok" {
  add_user openclaw 1400
  mkdir -p "$OPENCLAW_TEST_SYSROOT/run/user/1400/systemd" && : >"$OPENCLAW_TEST_SYSROOT/run/user/1400/systemd/private"
  mkdir -p "$OPENCLAW_TEST_SYSROOT/var/lib/systemd/linger" && : >"$OPENCLAW_TEST_SYSROOT/var/lib/systemd/linger/openclaw"
  run -0 setup_podman --quadlet
  run grep -o '^systemctl --user [a-z-]* *[a-z.]*' "$STUB_LOG"
  assert_output $'systemctl --user is-active openclaw.service\nsystemctl --user daemon-reload\nsystemctl --user start openclaw.service\nsystemctl --user is-active openclaw.service'
  ! grep -q 'enable' "$STUB_LOG"
  run -0 setup_podman --quadlet
  assert_line 'ok  openclaw.service active for openclaw'
  refute_line --regexp '^(changed|would) '
}

@test "--quadlet with SELinux enforcing relabels the mounts with :Z" {
  add_user openclaw 1400
  STUB_GETENFORCE=Enforcing run -0 setup_podman --quadlet
  grep -qx "Volume=$STUB_HOMES/openclaw/.openclaw:/home/node/.openclaw:Z" "$STUB_HOMES/openclaw/.config/containers/systemd/openclaw.container"
}

@test "--quadlet: the rendered unit goes through the real Quadlet generator when one is installed" {
  q=/usr/local/libexec/podman/quadlet
  [ -x "$q" ] || skip "no Quadlet generator at $q"
  add_user openclaw 1400
  mkdir -p "$OPENCLAW_TEST_SYSROOT/usr/local/libexec/podman" && cp "$q" "$OPENCLAW_TEST_SYSROOT/usr/local/libexec/podman/quadlet"
  run -0 setup_podman --quadlet
  assert_line --regexp "^changed  write .*/openclaw.container \\(mode 0644, accepted by $OPENCLAW_TEST_SYSROOT/usr/local/libexec/podman/quadlet\\)$"
}

@test "own user without root: no runuser, no sudo" {
  echo "alice:x:1000:1000::$HOME:/bin/bash" >>"$STUB_DIR/passwd"
  printf 'alice:300000:65536\n' >>"$OPENCLAW_TEST_SYSROOT/etc/subuid"
  printf 'alice:300000:65536\n' >>"$OPENCLAW_TEST_SYSROOT/etc/subgid"
  mkdir -p "$OPENCLAW_TEST_SYSROOT/run/user/1000"
  OPENCLAW_TEST_EUID=1000 run -0 setup_podman --container --user alice
  grep -q '^env -i HOME=' "$STUB_LOG" || ! grep -q '^runuser' "$STUB_LOG"
  ! grep -q '^runuser' "$STUB_LOG"
  [ -x "$HOME/run-openclaw-podman.sh" ]
  assert_line --partial "Start:       $HOME/run-openclaw-podman.sh launch"
}

@test "shim: not root for another user re-runs through sudo and carries the env over" {
  [ -f "$SETUP_JS" ] || skip 'not built'
  STUB_ID_U=1000 STUB_ID_UN=alice OPENCLAW_IMAGE_APT_PACKAGES='curl git' run -0 "$REPO/setup-podman.sh" --quadlet
  grep -q "^sudo -- env OPENCLAW_IMAGE_APT_PACKAGES=curl\\\\ git $(command -v node) $SETUP_JS --quadlet$" "$STUB_LOG"
}
