// The in-container half of the persistent exec channel: a bash script passed as an argv string to
// one long-lived `exec -i <name> bash -c <script>`, so it works with any image that has bash and
// coreutils (nothing is installed, nothing is written outside a private dir in $TMPDIR or /tmp).
//
// Requests, one line each, fields separated by spaces; every field is byte-escaped (\xHH for
// anything outside printable ASCII, space and backslash; "-" means empty) and decoded with printf %b:
//   r <id> <cap> <cwd> <command> <stdin> <n> <K=V>…   run `/bin/sh -c <command>`
//   k <id>                                            kill every process of that run
//   c <id>…                                           delete finished runs' files (batched: one rm)
// Replies, written by one process per run, one line per chunk of at most 1800 bytes with `\` and
// newline escaped (`\\`, `\n`). Bash line-buffers stdout, so a line whose only newline is its last
// byte is one write(2) below PIPE_BUF, and concurrent runs never interleave inside a chunk:
//   o <id> <escaped bytes>\n    stdout      e <id> <escaped bytes>\n    stderr
//   x <id> <rc> <trunc>\n       end: rc is the exit status (128+N: killed by signal N), trunc 1 = cut at <cap>
// The kill path is bash builtins only (no fork), so it still works when the pids limit is reached:
// each run's command leads a process group of its own, which `k` SIGKILLs in one call; then every
// process still carrying the run's OPENCLAW_EXEC_ID (one that left the group) is stopped, then
// SIGKILLed (stopped first, so no parent shell runs on between two kills).
export const HELPER_BANNER = 'openclaw-exec-helper 1';

const SCRIPT = String.raw`
LC_ALL=C
d="@{TMPDIR:-/tmp}/.openclaw-exec.$$"
mkdir -p -m 700 "$d" || { echo "openclaw-exec-helper: cannot create $d" >&2; exit 70; }
killrun() {
  local want="OPENCLAW_EXEC_ID=$1" pgid= p e pass pids
  # The run's own process group first: one kill(2) for the whole group, which the kernel makes
  # race-free against fork, so even a fork bomb is gone at once.
  if [ -r "$d/$1.pid" ]; then read -r pgid < "$d/$1.pid"; fi
  if [ -n "$pgid" ]; then kill -KILL -- "-$pgid" 2>/dev/null; fi
  # Then whatever left the group (setsid, daemons) but still carries the run's marker.
  for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    pids=()
    for p in /proc/[0-9]*; do
      [ -r "$p/environ" ] || continue
      while IFS= read -r -d '' e; do
        if [ "$e" = "$want" ]; then pids+=("@{p#/proc/}"); break; fi
      done < "$p/environ" 2>/dev/null
    done
    [ "@{#pids[@]}" -gt 0 ] || break
    kill -STOP "@{pids[@]}" 2>/dev/null
    kill -KILL "@{pids[@]}" 2>/dev/null
  done
}
emit() {
  local tag=$1 id=$2 f=$3 cap=$4 data= off=0 len c
  [ -s "$f" ] || return 0
  IFS= read -r -N "$((cap + 1))" data < "$f"
  len=@{#data}
  if [ "$len" -gt "$cap" ]; then data=@{data:0:cap}; len=$cap; trunc=1; fi
  while [ "$off" -lt "$len" ]; do
    c=@{data:off:1800}; off=$((off + 1800))
    c=@{c//\\/\\\\}; c=@{c//$'\n'/\\n}
    printf '%s %s %s\n' "$tag" "$id" "$c"
  done
}
run() {
  local id=$1 cap=$2 cwd cmd i
  printf -v cwd '%b' "$3"; printf -v cmd '%b' "$4"
  local in=/dev/null
  if [ "$5" != - ]; then in="$d/$id.in"; printf '%b' "$5" > "$in"; fi
  shift 6
  # Job control for this one launch only: the command gets a process group of its own, for 'k'.
  set -m
  (
    for i in "$@"; do printf -v i '%b' "$i"; export "$i"; done
    export OPENCLAW_EXEC_ID=$id
    if [ "$cwd" != - ] && ! cd -- "$cwd"; then exit 126; fi
    exec /bin/sh -c "$cmd"
  ) < "$in" > "$d/$id.out" 2> "$d/$id.err" &
  local pid=$!
  set +m
  printf '%s\n' "$pid" > "$d/$id.pid"
  wait "$pid"
  local rc=$? trunc=0
  : > "$d/$id.pid" # the group is gone and its id may be reused: nothing left to kill
  emit o "$id" "$d/$id.out" "$cap"
  emit e "$id" "$d/$id.err" "$cap"
  printf 'x %s %d %d\n' "$id" "$rc" "$trunc"
}
clean() {
  local id files=()
  for id in "$@"; do files+=("$d/$id.out" "$d/$id.err" "$d/$id.in" "$d/$id.pid"); done
  rm -f "@{files[@]}" &
}
trap 'rm -rf "$d"' EXIT
printf '%s\n' 'BANNER'
while IFS=' ' read -r -a f; do
  case "@{f[0]-}" in
    r) run "@{f[@]:1}" & ;;
    k) killrun "@{f[1]}" ;;
    c) clean "@{f[@]:1}" ;;
    q) break ;;
  esac
done
`;

export const HELPER_SCRIPT = SCRIPT.replace(/@\{/g, '${').replace('BANNER', HELPER_BANNER);

const SAFE = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) SAFE[c] = c === 0x5c ? 0 : 1;

/** Encode one field for the request line (decoded in the helper with printf %b). */
export function escapeField(value: string | Buffer): string {
  const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (buf.length === 0) return '-';
  if (buf.length === 1 && buf[0] === 0x2d) return '\\x2d';
  let out = '';
  for (const b of buf) out += SAFE[b] ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}
