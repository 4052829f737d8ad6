// Tools inside a sandbox container. Every path is checked twice: lexically here (no `..` out of the
// workspace roots), then by a POSIX sh script in the container that resolves symlinks with
// `realpath -m` and refuses anything that lands outside /workspace (or /agent, read-only). File
// bytes travel as base64, so no python3 (or anything beyond coreutils + findutils) is needed.
import path from 'node:path';
import type { ExecResult } from '../sandbox/channel.js';
import type { Sandbox } from '../sandbox/manager.js';
import { DEFAULT_READ_MAX, ToolError, type ExecOptions, type FileEntry, type ToolHost } from './host.js';
import { FileToolHost } from './file-tools.js';

const FS_SCRIPT = `
op=$1; p=$2
r=$(realpath -m -- "$p") || { echo "openclaw-fs: cannot resolve $p" >&2; exit 2; }
ok=; w=
for root in $OPENCLAW_FS_ROOTS; do case "$r" in "$root"|"$root"/*) ok=$root;; esac; done
[ -n "$ok" ] || { echo "openclaw-fs: $p resolves to $r, outside the workspace" >&2; exit 3; }
case " $OPENCLAW_FS_WRITABLE " in *" $ok "*) w=1;; esac
case $op in
read)
  [ -f "$r" ] || { echo "openclaw-fs: $p is not a regular file" >&2; exit 4; }
  stat -c %s -- "$r" && head -c "$3" -- "$r" | base64 -w0 ;;
write)
  [ -n "$w" ] || { echo "openclaw-fs: $ok is read-only" >&2; exit 5; }
  [ ! -d "$r" ] || { echo "openclaw-fs: $p is a directory" >&2; exit 4; }
  mkdir -p -- "$(dirname -- "$r")" && base64 -d > "$r" ;;
delete)
  [ -n "$w" ] || { echo "openclaw-fs: $ok is read-only" >&2; exit 5; }
  [ -f "$r" ] || { echo "openclaw-fs: $p is not a regular file" >&2; exit 4; }
  rm -f -- "$r" ;;
list)
  [ -d "$r" ] || { echo "openclaw-fs: $p is not a directory" >&2; exit 4; }
  find "$r" -mindepth 1 -maxdepth 1 -printf '%y\\t%s\\t%f\\n' ;;
esac`;

const CODES: Record<number, string> = { 2: 'TOOL_PATH', 3: 'TOOL_PATH', 4: 'TOOL_NOT_FOUND', 5: 'TOOL_READONLY' };

export class SandboxToolHost extends FileToolHost implements ToolHost {
  readonly kind = 'sandbox' as const;
  readonly workdir: string;
  private readonly roots: string[];
  private readonly writable: string[];

  constructor(private readonly sandbox: Pick<Sandbox, 'exec' | 'settings'>) {
    super();
    this.workdir = sandbox.settings.docker.workdir;
    this.roots = sandbox.settings.workspaceAccess === 'ro' ? ['/workspace', '/agent'] : ['/workspace'];
    this.writable = ['/workspace'];
  }

  /** Lexical check: absolute container path inside a root, or TOOL_PATH. */
  containerPath(file: string): string {
    const abs = path.posix.resolve(this.workdir, file);
    if (!this.roots.some((r) => abs === r || abs.startsWith(r + '/'))) {
      throw new ToolError(`${file}: outside the workspace (${this.roots.join(', ')})`, 'TOOL_PATH', 'paths are relative to /workspace');
    }
    return abs;
  }

  private async fs(op: string, file: string, extra: string[] = [], stdin?: string): Promise<ExecResult> {
    const p = this.containerPath(file);
    const r = await this.sandbox.exec({
      // The roots travel in the script, not as env: exec env is filtered, and OPENCLAW_* names are
      // dropped as secrets (per-call exec did, so every path was "outside the workspace").
      command: `set -- ${[op, p, ...extra].map(shq).join(' ')}; OPENCLAW_FS_ROOTS=${shq(this.roots.join(' '))}; OPENCLAW_FS_WRITABLE=${shq(this.writable.join(' '))}; ${FS_SCRIPT}`,
      maxOutputBytes: 96 * 1024 * 1024,
      timeoutMs: 60_000,
      ...(stdin === undefined ? {} : { stdin }),
    });
    if (r.exitCode !== 0) {
      const msg = r.stderr.trim().replace(/^openclaw-fs: /, '') || `exit ${r.exitCode}`;
      throw new ToolError(`${op}: ${msg}`, CODES[r.exitCode] ?? 'TOOL_FAILED', r.exitCode === 3 ? 'paths (and symlinks) must stay inside the workspace' : undefined);
    }
    return r;
  }

  /** Lexical only: symlinks are resolved in the container when the file is written. */
  protected async checkPath(file: string): Promise<void> {
    this.containerPath(file);
  }

  protected async remove(file: string): Promise<void> {
    await this.fs('delete', file);
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const cwd = this.containerPath(opts.cwd ?? '.');
    return this.sandbox.exec({ command, cwd, ...(opts.env ? { env: opts.env } : {}), ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.maxOutputBytes ? { maxOutputBytes: opts.maxOutputBytes } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  async read(file: string, opts: { maxBytes?: number } = {}) {
    const max = opts.maxBytes ?? DEFAULT_READ_MAX;
    const r = await this.fs('read', file, [String(max)]);
    const nl = r.stdout.indexOf('\n');
    const size = Number(r.stdout.slice(0, nl));
    return { path: file, content: Buffer.from(r.stdout.slice(nl + 1), 'base64').toString('utf8'), size, truncated: size > max };
  }

  async write(file: string, content: string) {
    await this.fs('write', file, [], Buffer.from(content, 'utf8').toString('base64'));
    return { path: file, bytes: Buffer.byteLength(content) };
  }

  async list(dir = '.'): Promise<FileEntry[]> {
    const r = await this.fs('list', dir);
    const types: Record<string, FileEntry['type']> = { f: 'file', d: 'dir', l: 'symlink' };
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [t = '', size = '0', ...name] = line.split('\t');
        return { name: name.join('\t'), type: types[t] ?? 'other', size: Number(size) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Single-quote for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
