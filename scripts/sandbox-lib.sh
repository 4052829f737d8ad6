# Shared by scripts/sandbox-*.sh: engine choice and one build-arg builder for docker and podman.
say() { printf 'sandbox-setup: %s\n' "$*" >&2; }
die() { printf 'sandbox-setup: %s\n' "$*" >&2; exit 1; }
sbx_engine() {
  if [ -n "${ENGINE:-}" ]; then printf '%s' "$ENGINE"; return; fi
  if command -v docker >/dev/null 2>&1 && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then printf docker
  elif command -v podman >/dev/null 2>&1; then printf podman
  else die "need docker or podman (command not found); install one, or set ENGINE"; fi
}
# sbx_build TAG DOCKERFILE CONTEXT [KEY=VALUE build args...] [--dry-run]
sbx_build() {
  local tag=$1 file=$2 ctx=$3 engine dry= a; shift 3
  engine=$(sbx_engine)
  local argv=("$engine" build -t "$tag" -f "$file")
  [ "$engine" = podman ] && argv+=(--format docker)
  for a in "$@"; do
    case $a in --dry-run|-n) dry=1 ;; *=*) argv+=(--build-arg "$a") ;; *) die "unknown argument: $a (usage: $0 [--dry-run])" ;; esac
  done
  argv+=("$ctx")
  if [ -n "$dry" ]; then printf 'would  %s\n' "${argv[*]}"; SBX_DRY=1; return 0; fi
  say "==> ${argv[*]}"
  DOCKER_BUILDKIT=1 "${argv[@]}" || die "build failed: ${argv[*]} (see the output above)"
}
