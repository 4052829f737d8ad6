// The engine CLI (docker or podman): argv arrays only, an AbortSignal deadline on every call, capped
// output, and a typed SandboxError that carries the engine's own stderr (never an opaque "125").
import { spawn } from 'node:child_process';
import { OpenclawError } from '../../lib/errors.js';
import type { Env } from '../../lib/paths.js';
import type { BackendKind } from './config.js';

export interface Engine {
  kind: BackendKind;
  /** argv prefix that runs the CLI: ['docker'], or ['runuser','-u','ci','--','env','XDG_RUNTIME_DIR=…','podman']. */
  argv: readonly string[];
  rootless: boolean;
  /** The host user whose files the engine's containers see as their own (keep-id / --user mapping). */
  hostUser: { uid: number; gid: number };
  /** How the backend was chosen, for `sandbox explain`. */
  detectedBy: string;
  /**
   * Where the CLI runs. conmon (podman's, before 2.1.13) drops an empty `oom` file into the working
   * directory it inherits whenever a container is OOM-killed: not into the user's cwd, then.
   */
  cwd?: string;
}

export interface EngineResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  truncated: boolean;
}

export interface EngineRunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  input?: string | Buffer;
  maxOutputBytes?: number;
  /** Env for the CLI process itself; default: a minimal PATH/HOME/XDG set, never the full process env. */
  env?: Env;
}

export class SandboxError extends OpenclawError {
  constructor(
    message: string,
    readonly detail: { argv?: readonly string[]; exitCode?: number | null; signal?: string | null; stderr?: string } = {},
    hint?: string,
    code = 'SANDBOX',
  ) {
    super(`sandbox: ${message}`, { code, ...(hint ? { hint } : {}) });
    this.name = 'SandboxError';
  }
}

export function cliEnv(env: Env = process.env): Record<string, string> {
  // The engine CLI needs to find its config and socket; it never needs our secrets.
  const keep = ['PATH', 'HOME', 'USER', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CONTEXT', 'CONTAINER_HOST', 'CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'TMPDIR', 'LANG'];
  const out: Record<string, string> = {};
  for (const k of keep) if (env[k]) out[k] = env[k]!;
  if (!out.PATH) out.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return out;
}

export function stderrTail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

export function runEngine(engine: Engine, args: readonly string[], opts: EngineRunOptions = {}): Promise<EngineResult> {
  const argv = [...engine.argv, ...args];
  const [cmd, ...rest] = argv;
  const max = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 120_000)];
  if (opts.signal) signals.push(opts.signal);
  const signal = AbortSignal.any(signals);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new SandboxError(`${argv.join(' ')}: aborted before start`, { argv }));
    const child = spawn(cmd!, rest, { env: cliEnv(opts.env), ...(engine.cwd ? { cwd: engine.cwd } : {}), stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let truncated = false;
    const take = (arr: Buffer[], b: Buffer, len: number): number => {
      if (len < max) arr.push(len + b.length > max ? b.subarray(0, max - len) : b);
      else truncated = true;
      if (len + b.length > max) truncated = true;
      return len + b.length;
    };
    child.stdout!.on('data', (b: Buffer) => (outLen = take(out, b, outLen)));
    child.stderr!.on('data', (b: Buffer) => (errLen = take(err, b, errLen)));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new SandboxError(`${cmd}: ${missing ? 'not found on PATH' : e.message}`, { argv }, missing ? `install ${engine.kind}, or set agents.defaults.sandbox.backend to the engine you have` : undefined, 'SANDBOX_ENGINE'));
    });
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      const result: EngineResult = { code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t0, truncated };
      if (signal.aborted) {
        const why = opts.signal?.aborted ? 'aborted' : `timed out after ${opts.timeoutMs ?? 120_000} ms`;
        reject(new SandboxError(`${argv.join(' ')}: ${why}`, { argv, exitCode: code, signal: sig, stderr: result.stderr }, undefined, 'SANDBOX_TIMEOUT'));
      } else resolve(result);
    });
  });
}

/** runEngine that throws a SandboxError (with the engine's stderr) on a non-zero exit. */
export async function checkEngine(engine: Engine, args: readonly string[], opts: EngineRunOptions & { what?: string; hint?: string } = {}): Promise<EngineResult> {
  const r = await runEngine(engine, args, opts);
  if (r.code !== 0) {
    throw new SandboxError(`${opts.what ?? `${engine.kind} ${args[0]}`} failed: exit ${r.code}: ${stderrTail(r.stderr || r.stdout) || '(no output)'}`, { argv: [...engine.argv, ...args], exitCode: r.code, stderr: r.stderr }, opts.hint);
  }
  return r;
}

function selfUser(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/**
 * Pick the engine. `backend` from config wins; else OPENCLAW_SANDBOX_ENGINE; else docker when its
 * daemon answers, else podman. OPENCLAW_SANDBOX_ENGINE_ARGV (a JSON array) replaces the CLI prefix,
 * e.g. to drive a rootless podman as another user.
 */
export async function detectEngine(backend: BackendKind | undefined, env: Env = process.env): Promise<Engine> {
  let prefix: string[] | undefined;
  if (env.OPENCLAW_SANDBOX_ENGINE_ARGV) {
    try {
      const v = JSON.parse(env.OPENCLAW_SANDBOX_ENGINE_ARGV) as unknown;
      if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) prefix = v as string[];
    } catch {
      /* reported below */
    }
    if (!prefix) throw new SandboxError('OPENCLAW_SANDBOX_ENGINE_ARGV is not a JSON array of strings', {}, 'e.g. ["podman"] or ["runuser","-u","ci","--","podman"]', 'SANDBOX_ENGINE');
  }
  const wanted = backend ?? (env.OPENCLAW_SANDBOX_ENGINE === 'docker' || env.OPENCLAW_SANDBOX_ENGINE === 'podman' ? env.OPENCLAW_SANDBOX_ENGINE : undefined);
  const kindOf = (p: readonly string[]): BackendKind => (p[p.length - 1]!.endsWith('podman') ? 'podman' : 'docker');
  const candidates: Array<{ argv: readonly string[]; by: string }> = [];
  if (prefix) candidates.push({ argv: prefix, by: 'OPENCLAW_SANDBOX_ENGINE_ARGV' });
  else if (wanted) candidates.push({ argv: [wanted], by: backend ? 'config (sandbox.backend)' : 'OPENCLAW_SANDBOX_ENGINE' });
  else candidates.push({ argv: ['docker'], by: 'auto-detected (docker daemon answered)' }, { argv: ['podman'], by: 'auto-detected (podman; no docker daemon)' });
  const reasons: string[] = [];
  for (const c of candidates) {
    const kind = kindOf(c.argv);
    const probe: Engine = { kind, argv: c.argv, rootless: false, hostUser: selfUser(), detectedBy: c.by };
    const args = kind === 'docker' ? ['version', '--format', '{{.Server.Version}}'] : ['info', '--format', '{{.Host.Security.Rootless}}'];
    try {
      const r = await runEngine(probe, args, { timeoutMs: 15_000, env });
      if (r.code !== 0) {
        reasons.push(`${c.argv.join(' ')}: ${stderrTail(r.stderr, 2) || `exit ${r.code}`}`);
        continue;
      }
      if (kind === 'podman' && r.stdout.trim().startsWith('true')) {
        probe.rootless = true;
        // The rootless user is whoever runs the CLI: ask the shell wrapper (runuser …) for its ids.
        const ids = await runIds(c.argv);
        if (ids) probe.hostUser = ids;
      }
      return probe;
    } catch (err) {
      reasons.push(`${c.argv.join(' ')}: ${(err as Error).message}`);
    }
  }
  throw new SandboxError(`no container engine available (${reasons.join('; ')})`, {}, 'install docker or podman, or set agents.defaults.sandbox.mode to "off"', 'SANDBOX_ENGINE');
}

/** uid/gid of the user the CLI prefix runs as (same prefix with `id` in place of the engine). */
async function runIds(prefix: readonly string[]): Promise<{ uid: number; gid: number } | undefined> {
  const head = prefix.slice(0, -1);
  const probe: Engine = { kind: 'podman', argv: head.length ? head : [], rootless: true, hostUser: selfUser(), detectedBy: '' };
  if (head.length === 0) return selfUser();
  const u = await runEngine(probe, ['id', '-u'], { timeoutMs: 10_000 }).catch(() => undefined);
  const g = await runEngine(probe, ['id', '-g'], { timeoutMs: 10_000 }).catch(() => undefined);
  if (!u || !g || u.code !== 0 || g.code !== 0) return undefined;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}
