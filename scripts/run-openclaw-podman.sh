#!/usr/bin/env bash
# Summary: Start the OpenClaw gateway container as this (rootless) user
# Usage: run-openclaw-podman.sh [launch] [setup [<openclaw args>...]]
#
#   launch (default)  podman run --replace -d --name openclaw with the state dir and workspace
#                     mounted, ports published on 127.0.0.1 only, the token passed in a 0600 env
#                     file (never on a command line); generates the token if .env has none
#   setup [ARGS]      one-off CLI container on the same mounts: `openclaw ARGS` (default: the onboarding
#                     wizard, with the container's fixed answers: local mode, lan bind inside, the token
#                     from .env by reference),
#                     interactive when run from a terminal
#
# Works from cron (no TTY, PATH=/usr/bin:/bin, no XDG_RUNTIME_DIR, no D-Bus):
#   @reboot $HOME/run-openclaw-podman.sh launch >>$HOME/.openclaw/launch.log 2>&1
#
# Environment (from the caller only): OPENCLAW_CONFIG_DIR (default ~/.openclaw),
# OPENCLAW_WORKSPACE_DIR (default <config>/workspace), OPENCLAW_PODMAN_ENV (default <config>/.env).
# From the caller or that .env file (only these keys are read from it; the caller wins):
#   OPENCLAW_GATEWAY_TOKEN, OPENCLAW_PODMAN_CONTAINER (openclaw), OPENCLAW_PODMAN_IMAGE /
#   OPENCLAW_IMAGE (localhost/openclaw-kit:local), OPENCLAW_PODMAN_PULL (never),
#   OPENCLAW_PODMAN_GATEWAY_HOST_PORT / OPENCLAW_GATEWAY_PORT (18789),
#   OPENCLAW_PODMAN_BRIDGE_HOST_PORT / OPENCLAW_BRIDGE_PORT (18790), OPENCLAW_PODMAN_PUBLISH_HOST
#   (127.0.0.1), OPENCLAW_GATEWAY_BIND (lan), OPENCLAW_PODMAN_USERNS (keep-id | host | auto),
#   OPENCLAW_BIND_MOUNT_OPTIONS (default: Z when SELinux is enforcing or permissive)
#
# Exit status: 0 started, 1 failed, 2 usage or configuration error.
set -uo pipefail

ALLOWED_KEYS=(OPENCLAW_GATEWAY_TOKEN OPENCLAW_PODMAN_CONTAINER OPENCLAW_PODMAN_IMAGE OPENCLAW_IMAGE
  OPENCLAW_PODMAN_PULL OPENCLAW_PODMAN_GATEWAY_HOST_PORT OPENCLAW_GATEWAY_PORT OPENCLAW_PODMAN_BRIDGE_HOST_PORT
  OPENCLAW_BRIDGE_PORT OPENCLAW_GATEWAY_BIND OPENCLAW_PODMAN_USERNS OPENCLAW_BIND_MOUNT_OPTIONS
  OPENCLAW_PODMAN_PUBLISH_HOST)

die() { # die CODE WHAT WHY NEXT
  printf 'openclaw: launcher: %s: %s (%s)\n' "$2" "$3" "$4" >&2
  exit "$1"
}

# ---- arguments
action=launch
if [ "${1:-}" = launch ]; then shift; fi
case ${1:-} in
  '') ;;
  setup | onboard) action=setup; shift ;;
  -h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  *) die 2 "usage" "unknown argument '$1'" "usage: run-openclaw-podman.sh [launch] [setup [args...]]" ;;
esac
[ "$action" = setup ] || [ $# -eq 0 ] || die 2 usage "unexpected argument '$1'" "usage: run-openclaw-podman.sh [launch] [setup [args...]]"

# ---- the environment cron leaves us: fill in what rootless podman needs
uid=$(id -u) || die 1 "id" "cannot read the current uid" "check the system"
[ "$uid" != 0 ] ||
  die 2 "refusing to run as root" "the gateway runs rootless as its own user" "run it as that user, e.g.: sudo -u openclaw ~openclaw/run-openclaw-podman.sh"
PATH="${PATH:-/usr/bin:/bin}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
export PATH
if [ -z "${HOME:-}" ]; then
  HOME=$(getent passwd "$uid" | cut -d: -f6)
  [ -n "$HOME" ] || die 1 "HOME" "unset, and uid $uid has no passwd entry" "set HOME"
  export HOME
fi
if [ -z "${XDG_RUNTIME_DIR:-}" ] && [ -d "/run/user/$uid" ] && [ -O "/run/user/$uid" ]; then
  export XDG_RUNTIME_DIR="/run/user/$uid"
fi
command -v podman >/dev/null 2>&1 || die 1 "podman" "not found in PATH ($PATH)" "install podman, or set PATH in the crontab"
PODMAN=(podman)
# Without a user D-Bus (cron, su, no linger) podman cannot use the systemd cgroup manager.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -S "$XDG_RUNTIME_DIR/bus" ]; then
    export DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/bus"
  else
    PODMAN+=(--cgroup-manager=cgroupfs)
  fi
fi
# Podman schedules HEALTHCHECKs with systemd user timers: without a user manager, keep the check
# (podman healthcheck run still works) but do not ask for a timer that cannot exist.
HEALTH=()
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -S "$XDG_RUNTIME_DIR/systemd/private" ]; then HEALTH=(--health-interval=disable); fi

# ---- paths (caller only: never from the env file)
check_dir() { # check_dir NAME PATH: absolute, plain characters, ours, not group/other-writable
  local name=$1 dir=$2
  case $dir in /*) ;; *) die 2 "$name" "not an absolute path: '$dir'" "use an absolute path" ;; esac
  [[ $dir =~ ^/[A-Za-z0-9._/@+-]*$ ]] || die 2 "$name" "unsupported character in '$dir'" "use letters, digits and . _ - @ + / only"
  [[ $dir/ != *//* && $dir/ != */./* && $dir/ != */../* ]] || die 2 "$name" "path is not normalised: '$dir'" "remove //, . and .. segments"
  if [ ! -e "$dir" ]; then
    (umask 077 && mkdir -p -- "$dir") || die 1 "$name" "cannot create $dir" "check the parent's permissions"
  fi
  [ -d "$dir" ] && [ ! -L "$dir" ] || die 2 "$name" "$dir is not a directory" "move it away"
  [ -O "$dir" ] || die 1 "$name" "$dir is not owned by uid $uid: the gateway would fail with EACCES" "sudo chown -R $(id -un): $dir"
  [ -z "$(find "$dir" -maxdepth 0 -perm /022)" ] || die 1 "$name" "$dir is group- or world-writable" "chmod 0700 $dir"
}
CONFIG_DIR=${OPENCLAW_CONFIG_DIR:-$HOME/.openclaw}
check_dir OPENCLAW_CONFIG_DIR "$CONFIG_DIR"
WORKSPACE_DIR=${OPENCLAW_WORKSPACE_DIR:-$CONFIG_DIR/workspace}
check_dir OPENCLAW_WORKSPACE_DIR "$WORKSPACE_DIR"
ENV_FILE=${OPENCLAW_PODMAN_ENV:-$CONFIG_DIR/.env}

# ---- the env file: a private regular file of ours; only allowlisted keys, no shell evaluation
declare -A FROM_FILE=()
if [ -e "$ENV_FILE" ] || [ -L "$ENV_FILE" ]; then
  [ -f "$ENV_FILE" ] && [ ! -L "$ENV_FILE" ] || die 2 "env file" "$ENV_FILE is not a regular file" "replace the symlink with the file itself"
  [ -O "$ENV_FILE" ] || die 2 "env file" "$ENV_FILE is not owned by uid $uid" "chown $(id -un) $ENV_FILE"
  [ -z "$(find "$ENV_FILE" -maxdepth 0 -perm /077)" ] || die 2 "env file" "$ENV_FILE is readable or writable by others" "chmod 600 $ENV_FILE"
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
    allowed=
    for k in "${ALLOWED_KEYS[@]}"; do [ "$k" = "$key" ] && allowed=1; done
    [ -n "$allowed" ] || continue
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    FROM_FILE[$key]=$value
  done <"$ENV_FILE"
fi
get() { # get KEY DEFAULT: caller env, then the env file, then DEFAULT
  local k=$1
  if [ -n "${!k+x}" ]; then printf '%s' "${!k}"; elif [ -n "${FROM_FILE[$k]+x}" ]; then printf '%s' "${FROM_FILE[$k]}"; else printf '%s' "$2"; fi
}

# ---- token: kept if present, else generated (openssl, python3, od) and saved 0600
gen_token() {
  local t
  t=$(openssl rand -hex 32 2>/dev/null) && [[ $t =~ ^[0-9a-f]{64}$ ]] && { printf '%s' "$t"; return; }
  t=$(python3 -c 'import secrets; print(secrets.token_hex(32))' 2>/dev/null) && [[ $t =~ ^[0-9a-f]{64}$ ]] && { printf '%s' "$t"; return; }
  t=$(od -An -N32 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n') && [[ $t =~ ^[0-9a-f]{64}$ ]] && { printf '%s' "$t"; return; }
  return 1
}
TOKEN=$(get OPENCLAW_GATEWAY_TOKEN '')
if [ -z "$TOKEN" ]; then
  TOKEN=$(gen_token) || die 1 "token" "Missing dependency: need openssl or python3 (or od) to generate OPENCLAW_GATEWAY_TOKEN" "install openssl"
  tmp=$(umask 077 && mktemp "$ENV_FILE.XXXXXX") || die 1 "token" "cannot write next to $ENV_FILE" "check $(dirname "$ENV_FILE")"
  { if [ -f "$ENV_FILE" ]; then grep -v '^[[:space:]]*\(export[[:space:]]\+\)\{0,1\}OPENCLAW_GATEWAY_TOKEN=' "$ENV_FILE"; fi
    printf 'OPENCLAW_GATEWAY_TOKEN=%s\n' "$TOKEN"; } >"$tmp" && chmod 600 "$tmp" && mv -f "$tmp" "$ENV_FILE" ||
    { rm -f "$tmp"; die 1 "token" "cannot write $ENV_FILE" "check its directory"; }
  echo "openclaw: launcher: generated OPENCLAW_GATEWAY_TOKEN into $ENV_FILE" >&2
fi
[[ $TOKEN =~ ^[^[:space:]]+$ ]] || die 2 "OPENCLAW_GATEWAY_TOKEN" "contains whitespace" "use the 64-hex token from setup"

# ---- settings, each validated before it reaches argv
CONTAINER=$(get OPENCLAW_PODMAN_CONTAINER openclaw)
[[ $CONTAINER =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die 2 OPENCLAW_PODMAN_CONTAINER "invalid container name '$CONTAINER'" "use letters, digits, _ . -"
IMAGE=$(get OPENCLAW_PODMAN_IMAGE "$(get OPENCLAW_IMAGE localhost/openclaw-kit:local)")
[[ $IMAGE =~ ^[A-Za-z0-9][A-Za-z0-9._/:@-]*$ ]] || die 2 OPENCLAW_PODMAN_IMAGE "invalid image name '$IMAGE'" "use e.g. localhost/openclaw-kit:local"
[[ $IMAGE =~ ^(oci-archive|docker-archive|dir|oci|containers-storage|docker-daemon|archive|docker): ]] &&
  die 2 OPENCLAW_PODMAN_IMAGE "transport prefixes are not supported: '$IMAGE'" "use a plain image name"
PULL=$(get OPENCLAW_PODMAN_PULL never)
[[ $PULL =~ ^(never|missing|always|newer)$ ]] || die 2 OPENCLAW_PODMAN_PULL "invalid value '$PULL'" "use never, missing, always or newer"
port_of() { # port_of NAME VALUE
  [[ $2 =~ ^[0-9]{1,5}$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die 2 "$1" "invalid port '$2'" "use 1-65535"
  printf '%s' "$2"
}
GW_PORT=$(port_of OPENCLAW_PODMAN_GATEWAY_HOST_PORT "$(get OPENCLAW_PODMAN_GATEWAY_HOST_PORT "$(get OPENCLAW_GATEWAY_PORT 18789)")") || exit
BRIDGE_PORT=$(port_of OPENCLAW_PODMAN_BRIDGE_HOST_PORT "$(get OPENCLAW_PODMAN_BRIDGE_HOST_PORT "$(get OPENCLAW_BRIDGE_PORT 18790)")") || exit
PUBLISH_HOST=$(get OPENCLAW_PODMAN_PUBLISH_HOST 127.0.0.1)
[[ $PUBLISH_HOST =~ ^[0-9.]+$ || $PUBLISH_HOST =~ ^\[[0-9A-Fa-f:]+\]$ ]] || die 2 OPENCLAW_PODMAN_PUBLISH_HOST "not an IP address: '$PUBLISH_HOST'" "use 127.0.0.1"
BIND=$(get OPENCLAW_GATEWAY_BIND lan)
[[ $BIND =~ ^(lan|loopback|auto|custom)$ ]] || die 2 OPENCLAW_GATEWAY_BIND "invalid bind '$BIND'" "use lan (the container publishes to the host's loopback)"
case $(get OPENCLAW_PODMAN_USERNS keep-id) in
  keep-id) USERNS=(--userns=keep-id:uid=1000,gid=1000) ;; # this user becomes node (1000) inside
  host) USERNS=(--userns=host) ;;
  auto | '') USERNS=() ;;
  *) die 2 OPENCLAW_PODMAN_USERNS "invalid value '$(get OPENCLAW_PODMAN_USERNS '')'" "use keep-id, host or auto" ;;
esac
MOUNT_OPTS=rw
if [ -n "$(get OPENCLAW_BIND_MOUNT_OPTIONS '')" ]; then
  o=$(get OPENCLAW_BIND_MOUNT_OPTIONS '')
  [[ $o =~ ^[A-Za-z0-9=,]+$ ]] || die 2 OPENCLAW_BIND_MOUNT_OPTIONS "invalid options '$o'" "use e.g. Z or z,U"
  MOUNT_OPTS="rw,$o"
elif command -v getenforce >/dev/null 2>&1 && [[ $(getenforce 2>/dev/null) =~ ^(Enforcing|Permissive)$ ]]; then
  MOUNT_OPTS=rw,Z
fi

# ---- the token reaches podman in a private file, deleted on exit (printf is a builtin: no argv)
RUN_ENV=$(umask 077 && mktemp "${XDG_RUNTIME_DIR:-$CONFIG_DIR}/.openclaw-run-env.XXXXXX") ||
  die 1 "token" "cannot create a private env file" "check ${XDG_RUNTIME_DIR:-$CONFIG_DIR}"
ERR_LOG=$(umask 077 && mktemp "$RUN_ENV.err.XXXXXX") || die 1 "podman run" "cannot create a temp file" "check ${XDG_RUNTIME_DIR:-$CONFIG_DIR}"
trap 'rm -f "$RUN_ENV" "$ERR_LOG"' EXIT
printf 'OPENCLAW_GATEWAY_TOKEN=%s\n' "$TOKEN" >"$RUN_ENV"

COMMON=("${USERNS[@]}" --env-file "$RUN_ENV" -e HOME=/home/node -e TERM=xterm-256color
  -v "$CONFIG_DIR:/home/node/.openclaw:$MOUNT_OPTS" -v "$WORKSPACE_DIR:/home/node/.openclaw/workspace:$MOUNT_OPTS")
if [ "$action" = setup ]; then
  tty=()
  [ -t 0 ] && [ -t 1 ] && tty=(-it)
  # The container's own answers are fixed: it binds lan inside (publishing stays on 127.0.0.1) and
  # refers to the token this launcher passes in, never copying it into openclaw.json.
  [ $# -gt 0 ] || set -- onboard --mode local --gateway-bind lan --gateway-port 18789 --gateway-auth token \
    --gateway-token-ref-env OPENCLAW_GATEWAY_TOKEN --no-install-daemon
  exec timeout --foreground "${OPENCLAW_PODMAN_RUN_TIMEOUT:-3600s}" "${PODMAN[@]}" run --rm "${tty[@]}" --pull="$PULL" "${COMMON[@]}" \
    --network=host "$IMAGE" openclaw "$@"
fi
id=$(timeout "${OPENCLAW_PODMAN_RUN_TIMEOUT:-600s}" "${PODMAN[@]}" run --pull="$PULL" -d --replace --name "$CONTAINER" "${COMMON[@]}" \
  "${HEALTH[@]}" -p "$PUBLISH_HOST:$GW_PORT:18789" -p "$PUBLISH_HOST:$BRIDGE_PORT:18790" \
  "$IMAGE" openclaw gateway --bind "$BIND" --port 18789 2>"$ERR_LOG")
rc=$?
out=$(cat "$ERR_LOG")
id=${id##*$'\n'}  # --replace first prints the name of the container it removed
if [ $rc != 0 ]; then
  printf '%s\n' "$out" >&2
  case $out in
    *"image not known"* | *"unable to find"*) die 1 "podman run" "image $IMAGE is not in $(id -un)'s store" "build it: sudo ./setup-podman.sh --user $(id -un)" ;;
    *"address already in use"*) die 1 "podman run" "port $GW_PORT or $BRIDGE_PORT on $PUBLISH_HOST is taken" "set OPENCLAW_PODMAN_GATEWAY_HOST_PORT, or stop what holds it" ;;
    *"is in use"* | *"already in use"*) die 1 "podman run" "container name $CONTAINER is in use" "stop it: podman rm -f $CONTAINER, or systemctl --user stop openclaw if Quadlet runs it" ;;
    *) die 1 "podman run" "exit $rc" "see the podman output above" ;;
  esac
fi
echo "openclaw: launcher: started $CONTAINER (${id:0:12}) from $IMAGE on http://$PUBLISH_HOST:$GW_PORT/" >&2
