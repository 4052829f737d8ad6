# shellcheck shell=bash
# Summary: ClawDock: shell functions for an OpenClaw Docker Compose checkout
# Usage: source scripts/clawdock/clawdock-helpers.sh   (e.g. from ~/.bashrc or ~/.zshrc)
#
# The checkout is $CLAWDOCK_DIR, else the one remembered in ~/.clawdock/config, else the current
# directory when it holds docker-compose.yml (then remembered). Every command runs
# `docker compose` there, with the same files docker-setup.sh uses (COMPOSE_FILE in its .env).
# `clawdock-help` lists the commands. Nothing here prints the token unless you ask (clawdock-token).

_clawdock_err() { printf 'clawdock: %s\n' "$*" >&2; }

_clawdock_dir() {
  local dir=${CLAWDOCK_DIR:-} conf=${HOME:-}/.clawdock/config
  if [ -z "$dir" ] && [ -f "$conf" ]; then
    dir=$(sed -n 's/^CLAWDOCK_DIR=//p' "$conf" | tail -n 1)
  fi
  if [ -z "$dir" ] && [ -f "$PWD/docker-compose.yml" ] && [ -f "$PWD/docker-setup.sh" ]; then
    dir=$PWD
    mkdir -p "${conf%/*}" && printf 'CLAWDOCK_DIR=%s\n' "$dir" >"$conf"
  fi
  if [ -z "$dir" ] || [ ! -f "$dir/docker-compose.yml" ]; then
    _clawdock_err "no OpenClaw checkout found${dir:+ at '$dir'} (set CLAWDOCK_DIR=/path/to/openclaw-kit, or run a clawdock command inside the checkout once)"
    return 1
  fi
  printf '%s\n' "$dir"
}

# _clawdock_compose ARGS...: docker compose in the checkout (its .env supplies COMPOSE_FILE).
_clawdock_compose() {
  local dir
  dir=$(_clawdock_dir) || return 1
  (cd "$dir" && docker compose "$@")
}

# _clawdock_env KEY: a value from the checkout's .env (last assignment; quotes removed).
_clawdock_env() {
  local dir
  dir=$(_clawdock_dir) || return 1
  [ -f "$dir/.env" ] || return 1
  sed -n "s/^$1=//p" "$dir/.env" | tail -n 1 | sed "s/^'\\(.*\\)'\$/\\1/; s/^\"\\(.*\\)\"\$/\\1/"
}

clawdock-start() { _clawdock_compose up -d openclaw-gateway "$@"; }
clawdock-stop() { _clawdock_compose down "$@"; }
clawdock-restart() { _clawdock_compose restart openclaw-gateway "$@"; }
clawdock-logs() { _clawdock_compose logs -f --tail "${CLAWDOCK_LOG_LINES:-200}" openclaw-gateway "$@"; }
clawdock-status() { _clawdock_compose ps "$@"; }
clawdock-shell() { _clawdock_compose exec openclaw-gateway bash "$@"; }
# clawdock-cli ARGS...: any openclaw command in a one-off CLI container (shares the gateway's network).
clawdock-cli() { _clawdock_compose run --rm openclaw-cli "$@"; }
# The token is already in the container's environment (from .env): nothing on the command line.
clawdock-health() { _clawdock_compose exec openclaw-gateway openclaw health "$@"; }

clawdock-token() {
  local t
  t=$(_clawdock_env OPENCLAW_GATEWAY_TOKEN) || true
  if [ -z "$t" ]; then
    _clawdock_err "no OPENCLAW_GATEWAY_TOKEN in $(_clawdock_dir)/.env (run ./docker-setup.sh first)"
    return 1
  fi
  printf '%s\n' "$t"
}

clawdock-dashboard() {
  local port host url
  port=$(_clawdock_env OPENCLAW_GATEWAY_PORT) || true
  host=$(_clawdock_env OPENCLAW_PUBLISH_HOST) || true
  case ${host:-127.0.0.1} in 0.0.0.0 | "") host=127.0.0.1 ;; esac
  url="http://${host}:${port:-18789}/"
  printf 'Control UI: %s\nToken:      clawdock-token (OPENCLAW_GATEWAY_TOKEN in %s/.env)\n' "$url" "$(_clawdock_dir)"
  # The token never goes into the URL: paste it into the UI.
  if [ -z "${CLAWDOCK_NO_OPEN:-}" ]; then
    if command -v xdg-open >/dev/null 2>&1; then
      xdg-open "$url" >/dev/null 2>&1 &
    elif command -v open >/dev/null 2>&1; then open "$url"; fi
  fi
}

clawdock-devices() { clawdock-cli devices list "$@"; }
clawdock-approve() {
  if [ $# -lt 1 ]; then
    _clawdock_err "usage: clawdock-approve <requestId> (see clawdock-devices)"
    return 2
  fi
  clawdock-cli devices approve "$@"
}

# Rebuild through docker-setup.sh: the same build args and context hash as the first setup.
clawdock-rebuild() {
  local dir
  dir=$(_clawdock_dir) || return 1
  OPENCLAW_SKIP_ONBOARDING=1 "$dir/docker-setup.sh" --rebuild "$@"
}

clawdock-update() {
  local dir
  dir=$(_clawdock_dir) || return 1
  git -C "$dir" pull --ff-only || {
    _clawdock_err "git pull --ff-only failed in $dir (resolve it, then run clawdock-rebuild)"
    return 1
  }
  OPENCLAW_SKIP_ONBOARDING=1 "$dir/docker-setup.sh" "$@"
}

# clawdock-clean [--yes]: down -v. Deletes the named volumes (a home volume included); asks first.
clawdock-clean() {
  local dir vols answer
  dir=$(_clawdock_dir) || return 1
  vols=$(cd "$dir" && docker compose config --volumes 2>/dev/null | tr '\n' ' ')
  printf 'clawdock: this stops every container of %s and DELETES these volumes: %s\n' "$dir" "${vols:-(none declared)}" >&2
  printf 'clawdock: your config and workspace bind mounts on the host are kept.\n' >&2
  if [ "${1:-}" != --yes ]; then
    if [ ! -t 0 ]; then
      _clawdock_err "refusing to delete volumes without a terminal (run: clawdock-clean --yes)"
      return 1
    fi
    printf 'Type "delete" to go on: ' >&2
    read -r answer
    [ "$answer" = delete ] || {
      _clawdock_err "nothing deleted"
      return 1
    }
  fi
  _clawdock_compose down -v --remove-orphans
}

clawdock-help() {
  cat <<'EOF'
ClawDock: OpenClaw Docker helpers (checkout: $CLAWDOCK_DIR or ~/.clawdock/config)
  clawdock-start       start the gateway (docker compose up -d openclaw-gateway)
  clawdock-stop        stop and remove the containers (volumes kept)
  clawdock-restart     restart the gateway
  clawdock-logs        follow the gateway logs
  clawdock-status      docker compose ps
  clawdock-shell       a shell in the gateway container
  clawdock-cli ARGS    an openclaw command in a one-off CLI container
  clawdock-health      openclaw health inside the gateway
  clawdock-token       print OPENCLAW_GATEWAY_TOKEN from .env
  clawdock-dashboard   print (and open) the Control UI URL; the token is pasted, never in the URL
  clawdock-devices     list devices (openclaw devices list)
  clawdock-approve ID  approve a pairing request
  clawdock-rebuild     rebuild the image through docker-setup.sh --rebuild
  clawdock-update      git pull --ff-only, then docker-setup.sh
  clawdock-clean       down -v: DELETES named volumes (asks first; --yes to skip)
  clawdock-help        this list
EOF
}
