# Real container engines for bats tests; the bash twin of tests/helpers/engine.ts.
#
#   load '../helpers/engine'
#   setup()    { engine_setup; }
#   teardown() { engine_teardown; }      # removes containers; prints their logs if the test failed
#   @test "..." {
#     require_engine podman-rootless      # CI=true: fail if missing; otherwise skip with the reason
#     port=$(free_port)
#     container_run podman-rootless -p "127.0.0.1:$port:18789" localhost/node:24-bookworm-slim ...
#     wait_for_http "http://127.0.0.1:$port/healthz" 30
#   }
#
# Engines: docker (rootful), podman (rootful), podman-rootless (podman as $OPENCLAW_TEST_ROOTLESS_USER,
# default ci, through runuser when the tests run as root).

OPENCLAW_TEST_ROOTLESS_USER=${OPENCLAW_TEST_ROOTLESS_USER:-ci}

engine_setup() {
  ENGINE_CONTAINERS_FILE="$BATS_TEST_TMPDIR/engine-containers"
  : >"$ENGINE_CONTAINERS_FILE"
}

# engine NAME ARGS...: run the engine CLI (bounded by timeout, default 300 s via ENGINE_TIMEOUT).
engine() {
  local name=$1
  shift
  local t=${ENGINE_TIMEOUT:-300}
  case $name in
  docker) timeout --kill-after=10 "$t" docker "$@" ;;
  podman) timeout --kill-after=10 "$t" podman "$@" ;;
  podman-rootless)
    if [ "$(id -u)" = 0 ]; then
      local uid
      uid=$(id -u "$OPENCLAW_TEST_ROOTLESS_USER") || return 1
      (cd / && timeout --kill-after=10 "$t" runuser -u "$OPENCLAW_TEST_ROOTLESS_USER" -- \
        env "XDG_RUNTIME_DIR=/run/user/$uid" podman "$@")
    else
      timeout --kill-after=10 "$t" podman "$@"
    fi
    ;;
  *)
    echo "openclaw: engine: unknown engine '$name' (use docker, podman or podman-rootless)" >&2
    return 2
    ;;
  esac
}

# engine_probe NAME: exit 0 if usable, else print why on stdout.
engine_probe() {
  local name=$1 out rc=0 want=
  case $name in
  docker) out=$(ENGINE_TIMEOUT=30 engine docker version --format '{{.Server.Version}}' 2>&1) || rc=$? ;;
  podman)
    if [ "$(id -u)" != 0 ]; then echo "rootful podman needs root"; return 1; fi
    out=$(ENGINE_TIMEOUT=30 engine podman info --format '{{.Version.Version}}' 2>&1) || rc=$?
    ;;
  podman-rootless)
    if [ "$(id -u)" = 0 ]; then
      local uid
      if ! uid=$(id -u "$OPENCLAW_TEST_ROOTLESS_USER" 2>/dev/null); then
        echo "no user '$OPENCLAW_TEST_ROOTLESS_USER' for rootless podman"
        return 1
      fi
      if [ ! -d "/run/user/$uid" ]; then echo "/run/user/$uid does not exist"; return 1; fi
    fi
    out=$(ENGINE_TIMEOUT=30 engine podman-rootless info --format '{{.Host.Security.Rootless}}' 2>&1) || rc=$?
    want=true
    ;;
  *)
    echo "unknown engine '$name'"
    return 1
    ;;
  esac
  if [ "$rc" != 0 ]; then
    printf 'exit %s: %s\n' "$rc" "$(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
    return 1
  fi
  if [ -n "$want" ] && [ "$out" != "$want" ]; then
    echo "podman is not rootless for $(engine_user "$name")"
    return 1
  fi
}

# require_engine NAME: skip (or, with CI=true, fail) when the engine is not usable.
require_engine() {
  local why
  if why=$(engine_probe "$1"); then return 0; fi
  local msg="openclaw: $1 unavailable: $why (run: sudo bash scripts/ci/provision.sh)"
  if [ "${CI:-}" = true ]; then
    echo "$msg; CI=true requires every engine" >&2
    return 1
  fi
  skip "$msg"
}

# engine_user NAME: the host user whose files the engine creates on bind mounts.
engine_user() {
  if [ "$1" = podman-rootless ] && [ "$(id -u)" = 0 ]; then echo "$OPENCLAW_TEST_ROOTLESS_USER"; else id -un; fi
}

# free_port: a TCP port free on 127.0.0.1 right now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# unique_name [SUFFIX]: a container name unique to this test.
unique_name() {
  echo "openclaw-bats-$$-${BATS_TEST_NUMBER:-0}-$RANDOM-${1:-ctr}"
}

# container_run ENGINE [run flags...] IMAGE [cmd...]: `run -d` with a unique name, recorded for
# teardown. Prints the name as CONTAINER_NAME (also set in the caller's scope).
container_run() {
  local e=$1
  shift
  CONTAINER_NAME=$(unique_name)
  printf '%s %s\n' "$e" "$CONTAINER_NAME" >>"$ENGINE_CONTAINERS_FILE"
  engine "$e" run -d --name "$CONTAINER_NAME" "$@" >/dev/null
}

# wait_for_http URL [DEADLINE_S] [STATUS]: poll until URL answers STATUS (default 200).
wait_for_http() {
  local url=$1 deadline=$((SECONDS + ${2:-60})) want=${3:-200} got
  while :; do
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url" || true)
    [ "$got" = "$want" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "openclaw: $url did not answer $want within ${2:-60} s: last status '$got' (see the container logs below)" >&2
      return 1
    fi
    sleep 0.1
  done
}

# engine_teardown: remove every container this test started; print logs first if it failed.
engine_teardown() {
  [ -f "${ENGINE_CONTAINERS_FILE:-}" ] || return 0
  local e name
  while read -r e name; do
    [ -n "$name" ] || continue
    if [ "${BATS_TEST_COMPLETED:-}" != 1 ]; then
      echo "----- $e logs $name:" >&2
      ENGINE_TIMEOUT=30 engine "$e" logs "$name" 2>&1 | tail -n 200 >&2 || true
      echo "----- end of $name" >&2
    fi
    if [ "$e" = docker ]; then
      ENGINE_TIMEOUT=60 engine "$e" rm -f "$name" >/dev/null 2>&1 || true
    else # podman rm -f waits out the stop timeout first (10 s for a PID 1 that ignores SIGTERM)
      ENGINE_TIMEOUT=60 engine "$e" rm -f -t 0 "$name" >/dev/null 2>&1 || true
    fi
  done <"$ENGINE_CONTAINERS_FILE"
  : >"$ENGINE_CONTAINERS_FILE"
}
