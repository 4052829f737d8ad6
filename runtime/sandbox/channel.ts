// Gateway half of the persistent exec channel (see helper.ts): one `exec -i` per container, many
// concurrent runs multiplexed by id. A warm `true` costs a pipe round trip and two forks in the
// container instead of a whole `docker exec` (engine API call, runtime exec, attach).
import { spawn, type ChildProcess } from 'node:child_process';
import { cliEnv, SandboxError, type Engine } from './engine.js';
import { filterEnv } from './env.js';
import { escapeField, HELPER_BANNER, HELPER_SCRIPT } from './helper.js';

export interface ExecRequest {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string | Buffer;
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit status as the shell reports it (128+N when killed by signal N). */
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  via: 'channel' | 'exec' | 'local';
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;

interface Pending {
  out: Buffer[];
  err: Buffer[];
  t0: number;
  timedOut: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  cleanup: () => void;
}

export function signalOf(rc: number): NodeJS.Signals | null {
  if (rc <= 128 || rc > 128 + 64) return null;
  const names: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 25: 'SIGXFSZ' };
  return names[rc - 128] ?? null;
}

/** Undo the helper's escaping: `\\` → `\`, `\n` → newline. */
export function unescapeChunk(line: Buffer): Buffer {
  if (!line.includes(0x5c)) return Buffer.from(line);
  const out = Buffer.allocUnsafe(line.length);
  let j = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === 0x5c && i + 1 < line.length) {
      const n = line[++i]!;
      out[j++] = n === 0x6e ? 0x0a : n;
    } else out[j++] = c;
  }
  return out.subarray(0, j);
}

/** The result of a run whose AbortSignal had fired before it started: reported as killed. */
export function abortedResult(via: ExecResult['via']): ExecResult {
  return { exitCode: 137, signal: 'SIGKILL', stdout: '', stderr: '', timedOut: true, truncated: false, durationMs: 0, via };
}

export class ExecChannel {
  private proc: ChildProcess | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private ready = false;
  private closed = false;
  private seq = 0;
  private stderrText = '';
  private readonly pending = new Map<string, Pending>();
  private finished: string[] = [];

  private constructor(
    readonly engine: Engine,
    readonly container: string,
  ) {}

  /** Start the helper; rejects (so the caller falls back to per-call exec) when it cannot run. */
  static async open(engine: Engine, container: string, timeoutMs = 15_000): Promise<ExecChannel> {
    const ch = new ExecChannel(engine, container);
    await ch.start(timeoutMs);
    return ch;
  }

  get alive(): boolean {
    return this.ready && !this.closed;
  }

  private start(timeoutMs: number): Promise<void> {
    const argv = [...this.engine.argv, 'exec', '-i', this.container, 'bash', '-c', HELPER_SCRIPT, 'openclaw-exec-helper'];
    const proc = spawn(argv[0]!, argv.slice(1), { env: cliEnv(), ...(this.engine.cwd ? { cwd: this.engine.cwd } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`no banner within ${timeoutMs} ms`), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        this.close();
        reject(new SandboxError(`exec channel to ${this.container} unavailable: ${why}`, { stderr: this.stderrText }, 'the image needs bash; falling back to one exec per command', 'SANDBOX_CHANNEL'));
      };
      proc.on('error', (e) => fail(e.message));
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
        if (this.stderrText.length < 8192) this.stderrText += d;
      });
      proc.stdin!.on('error', () => {
        /* reported through exit */
      });
      proc.stdout!.on('data', (b: Buffer) => {
        this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
        if (!this.ready) {
          const nl = this.buf.indexOf(10);
          if (nl < 0) return;
          const line = this.buf.subarray(0, nl).toString('utf8');
          this.buf = this.buf.subarray(nl + 1);
          if (line !== HELPER_BANNER) return fail(`unexpected output ${JSON.stringify(line.slice(0, 300))}`);
          this.ready = true;
          clearTimeout(timer);
          resolve();
        }
        this.parse();
      });
      proc.on('exit', (code, sig) => {
        if (!this.ready) fail(`helper exited (${code ?? sig}): ${this.stderrText.trim().slice(-300)}`);
        this.closed = true;
        for (const [id, p] of this.pending) {
          p.cleanup();
          p.reject(new SandboxError(`exec channel to ${this.container} closed during run ${id} (${code ?? sig}): ${this.stderrText.trim().slice(-300)}`, {}, 'the container stopped or was removed; the next command recreates it', 'SANDBOX_CHANNEL'));
        }
        this.pending.clear();
      });
    });
  }

  private parse(): void {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) return;
      const header = this.buf.subarray(0, nl).toString('latin1');
      const [tag = '', id = '', a = '0', b = '0'] = header.split(' ', 4);
      if (tag === 'o' || tag === 'e') {
        const start = tag.length + 1 + id.length + 1;
        const line = this.buf.subarray(Math.min(start, nl), nl);
        this.buf = this.buf.subarray(nl + 1);
        const p = this.pending.get(id);
        if (p) (tag === 'o' ? p.out : p.err).push(unescapeChunk(line));
      } else {
        this.buf = this.buf.subarray(nl + 1);
        const p = this.pending.get(id);
        if (tag === 'x' && p) {
          this.pending.delete(id);
          p.cleanup();
          this.finished.push(id);
          if (this.finished.length >= 64) this.flushFinished();
          const rc = Number(a);
          p.resolve({
            exitCode: rc,
            signal: signalOf(rc),
            stdout: Buffer.concat(p.out).toString('utf8'),
            stderr: Buffer.concat(p.err).toString('utf8'),
            timedOut: p.timedOut,
            truncated: b === '1',
            durationMs: performance.now() - p.t0,
            via: 'channel',
          });
        }
      }
    }
  }

  exec(req: ExecRequest): Promise<ExecResult> {
    if (!this.alive) return Promise.reject(new SandboxError(`exec channel to ${this.container} is closed`, {}, undefined, 'SANDBOX_CHANNEL'));
    // Aborted before it got here (no 'abort' event will come): never start it.
    if (req.signal?.aborted) return Promise.resolve(abortedResult('channel'));
    const id = `${(++this.seq).toString(36)}${process.pid.toString(36)}`;
    // Same filter as per-call exec and the local host: secret-looking names never reach a run.
    const env = Object.entries(filterEnv(req.env ?? {}).env).map(([k, v]) => escapeField(`${k}=${v}`));
    const cap = req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const line = ['r', id, String(cap), escapeField(req.cwd ?? ''), escapeField(req.command), escapeField(req.stdin ?? ''), String(env.length), ...env].join(' ') + '\n';
    return new Promise((resolve, reject) => {
      const p: Pending = { out: [], err: [], t0: performance.now(), timedOut: false, timer: undefined, resolve, reject, cleanup: () => {} };
      const kill = () => {
        p.timedOut = true;
        if (this.alive) this.proc!.stdin!.write(`k ${id}\n`);
      };
      p.timer = setTimeout(kill, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const onAbort = () => kill();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      p.cleanup = () => {
        clearTimeout(p.timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, p);
      this.proc!.stdin!.write(line);
    });
  }

  /** One `rm` in the container per 64 runs, off the request path. */
  private flushFinished(): void {
    if (this.alive && this.finished.length > 0) this.proc!.stdin!.write(`c ${this.finished.join(' ')}\n`);
    this.finished = [];
  }

  close(): void {
    if (this.closed && !this.proc) return;
    this.closed = true;
    const proc = this.proc;
    this.proc = undefined;
    if (proc && proc.exitCode === null) {
      proc.stdin?.end('q\n');
      const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
      t.unref();
      proc.once('exit', () => clearTimeout(t));
    }
  }
}
