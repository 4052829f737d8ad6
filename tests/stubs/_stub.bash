# Shared by the stubs: log argv (one line, %q-quoted) to $STUB_LOG; find the real tool beyond us.
STUBS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stub_log() {
  local name=$1
  shift
  { printf '%s' "$name"; printf ' %q' "$@"; printf '\n'; } | sed 's/\\,/,/g' >>"${STUB_LOG:-/dev/null}"
}
# hidden NAME: true when NAME is listed in $STUB_HIDE ("command not found" for the caller).
hidden() { [[ " ${STUB_HIDE:-} " == *" $1 "* ]]; }
real_tool() {
  local IFS=: d
  for d in $PATH; do
    [ "$d" = "$STUBS_DIR" ] && continue
    [ -x "$d/$1" ] && { printf '%s/%s' "$d" "$1"; return 0; }
  done
  return 1
}
