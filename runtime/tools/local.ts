// Tools on the gateway host (sandboxing off): the same contract as the sandbox, confined to the
// agent workspace. Paths are checked lexically, then against the real path of what exists, so a
// symlink inside the workspace cannot point a read or write outside it.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { abortedResult, DEFAULT_MAX_OUTPUT, DEFAULT_TIMEOUT_MS, type ExecResult } from '../sandbox/channel.js';
import { filterEnv } from '../sandbox/env.js';
import { DEFAULT_READ_MAX, ToolError, type ExecOptions, type FileEntry, type ToolHost } from './host.js';
import { FileToolHost } from './file-tools.js';

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

export class LocalToolHost extends FileToolHost implements ToolHost {
  readonly kind = 'local' as const;
  constructor(readonly workdir: string, private readonly baseEnv: Record<string, string | undefined> = process.env) {
    super();
  }

  /** Resolve inside the workspace; throws TOOL_PATH when the path or a symlink on it leads outside. */
  async resolve(file: string): Promise<string> {
    const root = await fs.realpath(this.workdir);
    // An absolute path spelled through the workdir as given (which may itself be a symlink, such
    // as /tmp on macOS) is rebased onto its real path before the lexical check.
    const given = path.resolve(this.workdir);
    const rel = path.isAbsolute(file) && given !== root && under(path.resolve(file), given) ? path.relative(given, path.resolve(file)) : file;
    const abs = path.resolve(root, rel);
    if (!under(abs, root)) throw new ToolError(`${file}: outside the workspace ${this.workdir}`, 'TOOL_PATH', 'use a path inside the workspace');
    // Walk up to the deepest existing ancestor and compare its real path.
    let probe = abs;
    let rest = '';
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        const full = rest ? path.join(real, rest) : real;
        if (!under(full, root)) throw new ToolError(`${file}: a symlink leads outside the workspace (${full})`, 'TOOL_PATH', 'symlinks out of the workspace are refused');
        return full;
      } catch (err) {
        if (err instanceof ToolError) throw err;
        // ENOTDIR: a file on the way (a.txt/x); like a missing path, the caller reports it.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
        // A dangling symlink is refused: its target is unknown territory.
        const st = await fs.lstat(probe).catch(() => undefined);
        if (st?.isSymbolicLink()) throw new ToolError(`${file}: dangling symlink`, 'TOOL_PATH', 'symlinks out of the workspace are refused');
        rest = rest ? path.join(path.basename(probe), rest) : path.basename(probe);
        probe = path.dirname(probe);
      }
    }
  }

  protected async checkPath(file: string): Promise<void> {
    await this.resolve(file);
  }

  protected async remove(file: string): Promise<void> {
    await fs.rm(await this.resolve(file));
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return (async () => {
      const cwd = await this.resolve(opts.cwd ?? '.');
      if (!(await fs.stat(cwd).catch(() => undefined))?.isDirectory()) throw new ToolError(`${opts.cwd}: not a directory`, 'TOOL_NOT_FOUND', 'give cwd as a directory inside the workspace');
      const env = { ...filterEnv(Object.fromEntries(Object.entries(this.baseEnv).filter((e): e is [string, string] => e[1] !== undefined))).env, ...filterEnv(opts.env ?? {}).env };
      // Aborted before (or while the path was resolved): no 'abort' event will come; never start it.
      if (opts.signal?.aborted) return abortedResult('local');
      const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      const t0 = performance.now();
      return new Promise<ExecResult>((resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', command], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let lens = [0, 0];
        let truncated = false;
        const take = (i: number, arr: Buffer[]) => (b: Buffer) => {
          if (lens[i]! < max) arr.push(b.subarray(0, max - lens[i]!));
          if (lens[i]! + b.length > max) truncated = true;
          lens[i]! += b.length;
        };
        child.stdout.on('data', take(0, out));
        child.stderr.on('data', take(1, err));
        child.stdin.on('error', () => {});
        child.stdin.end(opts.stdin ?? '');
        let timedOut = false;
        const killTree = () => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        };
        const timer = setTimeout(killTree, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        opts.signal?.addEventListener('abort', killTree, { once: true });
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (code, sig) => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', killTree);
          const signals: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11, SIGXFSZ: 25 };
          const exitCode = code ?? 128 + (signals[sig ?? 'SIGKILL'] ?? 9);
          resolve({ exitCode, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut, truncated, durationMs: performance.now() - t0, via: 'local' });
        });
      });
    })();
  }

  async read(file: string, opts: { maxBytes?: number } = {}) {
    const p = await this.resolve(file);
    const st = await fs.stat(p).catch(() => undefined);
    if (!st?.isFile()) throw new ToolError(`${file}: not a regular file`, 'TOOL_NOT_FOUND');
    const max = opts.maxBytes ?? DEFAULT_READ_MAX;
    const h = await fs.open(p, 'r');
    try {
      const buf = Buffer.alloc(Math.min(st.size, max));
      const { bytesRead } = await h.read(buf, 0, buf.length, 0);
      return { path: file, content: buf.subarray(0, bytesRead).toString('utf8'), size: st.size, truncated: st.size > max };
    } finally {
      await h.close();
    }
  }

  async write(file: string, content: string) {
    const p = await this.resolve(file);
    if ((await fs.stat(p).catch(() => undefined))?.isDirectory()) throw new ToolError(`${file}: is a directory`, 'TOOL_NOT_FOUND');
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, content);
    return { path: file, bytes: Buffer.byteLength(content) };
  }

  async list(dir = '.'): Promise<FileEntry[]> {
    const p = await this.resolve(dir);
    if (!(await fs.stat(p).catch(() => undefined))?.isDirectory()) throw new ToolError(`${dir}: not a directory`, 'TOOL_NOT_FOUND');
    const entries = await fs.readdir(p, { withFileTypes: true });
    const out: FileEntry[] = [];
    for (const e of entries) {
      const st = await fs.lstat(path.join(p, e.name)).catch(() => undefined);
      out.push({ name: e.name, type: e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : 'other', size: st?.size ?? 0 });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}
