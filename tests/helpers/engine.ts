// Real container engines for e2e tests: docker (rootful), podman (rootful) and podman rootless as
// an unprivileged user (default `ci`, via runuser). Every command is an argv array with a timeout;
// readiness is polled against a deadline; containers and temp dirs are removed in t.after; a failing
// test gets the engine's logs of its live containers as diagnostics.
//
// In CI (CI=true) a missing engine fails the test; elsewhere it is skipped with the reason.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export type EngineName = 'podman' | 'podman-rootless' | 'docker';
export const ENGINE_NAMES: readonly EngineName[] = ['podman', 'podman-rootless', 'docker'];

/** Repository root (this file runs as dist/tests/helpers/engine.js). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
}

export interface Engine {
  name: EngineName;
  kind: 'docker' | 'podman';
  rootless: boolean;
  /** argv that runs the engine CLI, e.g. runuser -u ci -- env XDG_RUNTIME_DIR=/run/user/1001 podman */
  argv: readonly string[];
  /** The host user the engine runs as: files it creates on bind mounts belong to this user. */
  user: HostUser;
  version: string;
}

export interface RunResult {
  argv: readonly string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

const MAX_CAPTURE = 8 * 1024 * 1024;

/** Run argv (no shell). Never rejects for a non-zero exit; kills the process tree at the deadline. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('openclaw: run: empty argv (pass a command)');
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? '/',
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so the deadline kills grandchildren too
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout?.on('data', (b: Buffer) => {
      if (outLen < MAX_CAPTURE) out.push(b);
      outLen += b.length;
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (errLen < MAX_CAPTURE) err.push(b);
      errLen += b.length;
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let timedOut = false;
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    let hard: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      hard = setTimeout(() => kill('SIGKILL'), 5_000);
    }, timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      clearTimeout(timer);
      if (hard) clearTimeout(hard);
      resolve({
        argv,
        code: spawnError ? 127 : code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (spawnError ? `${spawnError.message}\n` : ''),
        ms: performance.now() - t0,
        timedOut,
      });
    };
    child.on('error', (e) => done(null, null, e));
    child.on('close', (code, signal) => done(code, signal));
  });
}

function tail(text: string, lines = 30): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

function describeExit(r: RunResult): string {
  if (r.timedOut) return `timed out after ${Math.round(r.ms)} ms`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.code}`;
}

/** Like run(), but throws `openclaw: <cmd> failed: exit N: <stderr tail> (<hint>)` on failure. */
export async function check(argv: readonly string[], opts: RunOptions & { hint?: string } = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const why = tail(r.stderr || r.stdout, 20).replace(/\s+$/, '');
    throw new Error(
      `openclaw: ${argv.join(' ')} failed: ${describeExit(r)}: ${why || '(no output)'} (${opts.hint ?? 'see the output above'})`,
    );
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Engine detection

function lookupUser(name: string): HostUser | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f[2] !== undefined && f[3] !== undefined) {
        return { name, uid: Number(f[2]), gid: Number(f[3]) };
      }
    }
  } catch {
    /* no passwd file */
  }
  return undefined;
}

function currentUser(): HostUser {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return { name: process.env['USER'] ?? (uid === 0 ? 'root' : String(uid)), uid, gid };
}

export const ROOTLESS_USER = process.env['OPENCLAW_TEST_ROOTLESS_USER'] || 'ci';
const HINT = 'run: sudo bash scripts/ci/provision.sh';

type Probe = { ok: true; engine: Engine } | { ok: false; reason: string };
const probes = new Map<EngineName, Promise<Probe>>();

async function probe(name: EngineName): Promise<Probe> {
  const isRoot = (process.getuid?.() ?? 0) === 0;
  let argv: string[];
  let user = currentUser();
  let versionArgs: string[];
  if (name === 'docker') {
    argv = ['docker'];
    versionArgs = ['version', '--format', '{{.Server.Version}}'];
  } else if (name === 'podman') {
    if (!isRoot) return { ok: false, reason: 'rootful podman needs root (tests run as a regular user)' };
    argv = ['podman'];
    versionArgs = ['info', '--format', '{{.Version.Version}}'];
  } else {
    versionArgs = ['info', '--format', '{{.Version.Version}} {{.Host.Security.Rootless}}'];
    if (isRoot) {
      const u = lookupUser(ROOTLESS_USER);
      if (!u) return { ok: false, reason: `no user '${ROOTLESS_USER}' for rootless podman` };
      const runtimeDir = `/run/user/${u.uid}`;
      if (!existsSync(runtimeDir)) return { ok: false, reason: `${runtimeDir} does not exist` };
      argv = ['runuser', '-u', u.name, '--', 'env', `XDG_RUNTIME_DIR=${runtimeDir}`, 'podman'];
      user = u;
    } else {
      argv = ['podman'];
    }
  }
  const r = await run([...argv, ...versionArgs], { timeoutMs: 30_000 });
  if (r.code !== 0) {
    const why = tail(r.stderr || r.stdout, 3).replace(/\n/g, ' | ') || describeExit(r);
    return { ok: false, reason: `${[...argv, ...versionArgs].join(' ')}: ${why}` };
  }
  const [version = '?', rootless] = r.stdout.trim().split(/\s+/);
  if (name === 'podman-rootless' && rootless !== 'true') {
    return { ok: false, reason: `podman as ${user.name} is not rootless` };
  }
  const engine: Engine = {
    name,
    kind: name === 'docker' ? 'docker' : 'podman',
    rootless: name === 'podman-rootless',
    argv,
    user,
    version,
  };
  return { ok: true, engine };
}

export function probeEngine(name: EngineName): Promise<Probe> {
  let p = probes.get(name);
  if (!p) {
    p = probe(name);
    probes.set(name, p);
  }
  return p;
}

/** All engines, each either usable or with the reason it is not. */
export async function detectEngines(): Promise<Record<EngineName, Engine | string>> {
  const out = {} as Record<EngineName, Engine | string>;
  for (const name of ENGINE_NAMES) {
    const p = await probeEngine(name);
    out[name] = p.ok ? p.engine : p.reason;
  }
  return out;
}

/**
 * The engine, or undefined after marking the test skipped (print the reason). With CI=true a
 * missing engine is a failure, never a skip.
 */
export async function requireEngine(t: TestContext, name: EngineName): Promise<Engine | undefined> {
  const p = await probeEngine(name);
  if (p.ok) return p.engine;
  const msg = `openclaw: ${name} unavailable: ${p.reason} (${HINT})`;
  if (process.env['CI'] === 'true') throw new Error(`${msg}; CI=true requires every engine`);
  process.stderr.write(`# skip: ${msg}\n`);
  t.skip(msg);
  return undefined;
}

/** Run the engine CLI with args. */
export function engineRun(engine: Engine, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run([...engine.argv, ...args], opts);
}

export function engineCheck(
  engine: Engine,
  args: readonly string[],
  opts: RunOptions & { hint?: string } = {},
): Promise<RunResult> {
  return check([...engine.argv, ...args], opts);
}

// ---------------------------------------------------------------------------------------------
// Temp dirs, ports, env files

const RUN_ID = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
let seq = 0;
/** A name unique to this test run: openclaw-e2e-<run>-<n>-<suffix>. */
export function uniqueName(suffix = 'ctr'): string {
  seq += 1;
  return `openclaw-e2e-${RUN_ID}-${seq}-${suffix}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/**
 * A temp dir removed after the test. `owner` chowns it (e.g. to the rootless user or to uid 1000
 * for a rootful container running as node). Cleanup falls back to `podman unshare rm` when
 * subordinate-uid files stop a non-root runner.
 */
export function tempDir(
  t: TestContext,
  opts: { owner?: { uid: number; gid: number }; mode?: number; engine?: Engine } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'openclaw-e2e-'));
  chmodSync(dir, opts.mode ?? 0o755);
  if (opts.owner) chownSync(dir, opts.owner.uid, opts.owner.gid);
  t.after(async () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (opts.engine?.rootless) await engineRun(opts.engine, ['unshare', 'rm', '-rf', dir]);
      else throw err;
    }
  });
  return dir;
}

/** Write a file with mode and owner set before any content lands (secrets never sit world-readable). */
export function writePrivateFile(path: string, content: string, owner?: { uid: number; gid: number }, mode = 0o600): void {
  writeFileSync(path, '', { mode });
  chmodSync(path, mode);
  if (owner) chownSync(path, owner.uid, owner.gid);
  writeFileSync(path, content);
}

/** Env file (KEY=value lines) readable only by the engine's user: for secrets, never argv. */
export function writeEnvFile(dir: string, engine: Engine, env: Record<string, string>): string {
  const path = join(dir, `${uniqueName('env')}.env`);
  const body = Object.entries(env)
    .map(([k, v]) => {
      if (/[\n\r]/.test(v)) throw new Error(`openclaw: env file: value of ${k} has a newline (env files are line based)`);
      return `${k}=${v}\n`;
    })
    .join('');
  writePrivateFile(path, body, engine.rootless ? engine.user : undefined);
  return path;
}

/** A TCP port free on 127.0.0.1 right now (the engine may still race; startContainer retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('openclaw: freePort: no address (is the loopback interface up?)'));
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Images

export interface BuildOptions {
  /** Build context dir (see prepareContext). */
  context: string;
  tag: string;
  file?: string;
  buildArgs?: Record<string, string>;
  timeoutMs?: number;
}

export interface BuildResult {
  tag: string;
  /** stdout + stderr of the build (BuildKit plain progress / podman step lines). */
  output: string;
  ms: number;
}

const builds = new Map<string, Promise<BuildResult>>();

/** Build args that make the image build offline on the CI machine (local base image). */
export function defaultBuildArgs(): { BASE_IMAGE: string } {
  return { BASE_IMAGE: process.env['OPENCLAW_TEST_BASE_IMAGE'] || 'localhost/node:24-bookworm-slim' };
}

/**
 * Build an image. The same engine + options build once per test process (the promise is cached);
 * pass `fresh: true` to always build (cache-reuse tests).
 */
export function buildImage(engine: Engine, opts: BuildOptions, fresh = false): Promise<BuildResult> {
  const key = JSON.stringify([engine.name, opts]);
  const cached = builds.get(key);
  if (cached && !fresh) return cached;
  const args = ['build', '-t', opts.tag];
  // podman's default OCI format drops HEALTHCHECK; BuildKit needs plain progress to show CACHED.
  if (engine.kind === 'podman') args.push('--format', 'docker');
  else args.push('--progress=plain');
  if (opts.file) args.push('-f', opts.file);
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  args.push(opts.context);
  const p = (async () => {
    const r = await engineRun(engine, args, {
      timeoutMs: opts.timeoutMs ?? 15 * 60_000,
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
    const output = `${r.stdout}${r.stderr}`;
    if (r.code !== 0) {
      throw new Error(
        `openclaw: ${engine.name} build of ${opts.tag} failed: ${describeExit(r)}:\n${tail(output, 40)}\n(rerun by hand: ${[...engine.argv, ...args].join(' ')})`,
      );
    }
    return { tag: opts.tag, output, ms: r.ms };
  })();
  builds.set(key, p);
  p.catch(() => builds.delete(key));
  return p;
}

const SKIP_IN_CONTEXT = new Set(['node_modules', 'dist', '.git', 'artifacts']);

/**
 * Copy the repository (minus node_modules, dist, .git, artifacts) to a world-readable temp dir, so
 * a rootless engine user can read it and a test can modify files without touching the checkout.
 */
export function prepareContext(t: TestContext): string {
  const dir = tempDir(t);
  cpSync(REPO_ROOT, dir, {
    recursive: true,
    filter: (src) => {
      const rel = relative(REPO_ROOT, src);
      return !rel.split(sep).some((part) => SKIP_IN_CONTEXT.has(part));
    },
  });
  return dir;
}

export async function imageSize(engine: Engine, ref: string): Promise<number> {
  const r = await engineCheck(engine, ['image', 'inspect', '--format', '{{.Size}}', ref], { timeoutMs: 30_000 });
  return Number(r.stdout.trim());
}

// ---------------------------------------------------------------------------------------------
// Containers

export interface ContainerOptions {
  image: string;
  /** Written to a private env file passed with --env-file: never on the command line. */
  env?: Record<string, string>;
  /** Host dir -> container path bind mounts (":Z" is not needed: no SELinux here). */
  mounts?: Array<{ host: string; container: string; options?: string }>;
  /** Published container port (bound to 127.0.0.1:<free port>); null publishes nothing. */
  containerPort?: number | null;
  /** Extra `run` flags placed before the image. */
  args?: readonly string[];
  /** Command after the image (default: the image's CMD). */
  command?: readonly string[];
  /** Dir for the env file (default: a fresh temp dir). */
  workDir?: string;
  name?: string;
}

export interface Container {
  engine: Engine;
  name: string;
  /** Host port mapped to containerPort on 127.0.0.1 (0 when nothing is published). */
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  logs(): Promise<string>;
  exec(argv: readonly string[], opts?: RunOptions & { user?: string }): Promise<RunResult>;
  inspect(format: string): Promise<string>;
  running(): Promise<boolean>;
  /** `<engine> stop -t <s>`; resolves with how long it took and the exit code left behind. */
  stop(timeoutS?: number): Promise<{ ms: number; exitCode: number }>;
  remove(): Promise<void>;
}

/** Containers created and not yet removed, for failure diagnostics. */
const live = new Set<Container>();

function isPortClash(text: string): boolean {
  return /address already in use|port is already allocated|bind: address/i.test(text);
}

export async function startContainer(t: TestContext, engine: Engine, opts: ContainerOptions): Promise<Container> {
  const containerPort = opts.containerPort === undefined ? 18789 : opts.containerPort;
  const workDir = opts.workDir ?? tempDir(t, engine.rootless ? { owner: engine.user, mode: 0o700 } : { mode: 0o700 });
  const envFile = opts.env && Object.keys(opts.env).length > 0 ? writeEnvFile(workDir, engine, opts.env) : undefined;
  const name = opts.name ?? uniqueName();
  let lastError = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = containerPort === null ? 0 : await freePort();
    const args = ['run', '-d', '--name', name];
    if (containerPort !== null) args.push('-p', `127.0.0.1:${port}:${containerPort}`);
    if (envFile) args.push('--env-file', envFile);
    for (const m of opts.mounts ?? []) args.push('-v', `${m.host}:${m.container}${m.options ? `:${m.options}` : ''}`);
    args.push(...(opts.args ?? []), opts.image, ...(opts.command ?? []));
    const container = makeContainer(engine, name, port);
    live.add(container);
    t.after(() => container.remove());
    const r = await engineRun(engine, args, { timeoutMs: 120_000 });
    if (r.code === 0) return container;
    lastError = `${describeExit(r)}: ${tail(r.stderr || r.stdout, 10)}`;
    await container.remove();
    if (!isPortClash(lastError)) break;
  }
  throw new Error(`openclaw: ${engine.name} run of ${opts.image} failed: ${lastError} (check the image and the run flags)`);
}

function makeContainer(engine: Engine, name: string, port: number): Container {
  let removed = false;
  const c: Container = {
    engine,
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    async logs() {
      const r = await engineRun(engine, ['logs', name], { timeoutMs: 30_000 });
      return `${r.stdout}${r.stderr}`;
    },
    exec(argv, opts = {}) {
      const flags = opts.user ? ['--user', opts.user] : [];
      return engineRun(engine, ['exec', ...flags, name, ...argv], { timeoutMs: 60_000, ...opts });
    },
    async inspect(format) {
      const r = await engineCheck(engine, ['inspect', '--format', format, name], { timeoutMs: 30_000 });
      return r.stdout.trim();
    },
    async running() {
      const r = await engineRun(engine, ['inspect', '--format', '{{.State.Running}}', name], { timeoutMs: 30_000 });
      return r.code === 0 && r.stdout.trim() === 'true';
    },
    async stop(timeoutS = 10) {
      const r = await engineCheck(engine, ['stop', '-t', String(timeoutS), name], { timeoutMs: (timeoutS + 60) * 1000 });
      const exitCode = Number(await c.inspect('{{.State.ExitCode}}'));
      return { ms: r.ms, exitCode };
    },
    async remove() {
      if (removed) return;
      removed = true;
      live.delete(c);
      // podman rm -f first waits out the stop timeout (10 s when PID 1 ignores SIGTERM): -t 0.
      const rm = engine.kind === 'podman' ? ['rm', '-f', '-t', '0', '-v', name] : ['rm', '-f', '-v', name];
      await engineRun(engine, rm, { timeoutMs: 60_000 });
    },
  };
  return c;
}

/** Print the logs and state of every live container: call when a test fails. */
export async function dumpDiagnostics(t: TestContext, why?: unknown): Promise<void> {
  if (why !== undefined) t.diagnostic(`failure: ${why instanceof Error ? why.message : String(why)}`);
  for (const c of live) {
    const state = await engineRun(c.engine, ['inspect', '--format', '{{json .State}}', c.name], { timeoutMs: 30_000 });
    const logs = await c.logs().catch((e: unknown) => `(logs unavailable: ${String(e)})`);
    const text = [
      `----- ${c.engine.name} container ${c.name} state: ${state.stdout.trim() || state.stderr.trim()}`,
      `----- ${c.engine.name} logs ${c.name} (last 200 lines):`,
      tail(logs, 200),
      `----- end of ${c.name}`,
    ].join('\n');
    t.diagnostic(text);
    process.stderr.write(`${text}\n`);
  }
}

/** Wrap a test body so a failure attaches container logs to the test output. */
export function withDiagnostics(fn: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    try {
      await fn(t);
    } catch (err) {
      await dumpDiagnostics(t, err);
      throw err;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Readiness

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface HttpResult {
  status: number;
  body: string;
  headers: Headers;
}

/**
 * Poll `url` until it answers `status` (default 200) or the deadline passes. With `container`,
 * give up early (with its logs in the error) once the container is no longer running.
 */
export async function waitForHttp(
  url: string,
  opts: { deadlineMs?: number; status?: number; container?: Container; intervalMs?: number } = {},
): Promise<HttpResult> {
  const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
  const want = opts.status ?? 200;
  let last = 'no answer yet';
  for (let i = 0; ; i++) {
    // A ref'd timer, not AbortSignal.timeout(): while a connection hangs (docker-proxy accepts before
    // the app listens) fetch holds no ref'd handle, and node:test would end the file mid-test.
    const ac = new AbortController();
    const wait = Math.max(250, Math.min(3_000, deadline - Date.now()));
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${wait} ms`)), wait);
    try {
      const res = await fetch(url, { signal: ac.signal });
      const body = await res.text();
      if (res.status === want) return { status: res.status, body, headers: res.headers };
      last = `HTTP ${res.status} ${body.slice(0, 200)}`;
    } catch (err) {
      last = err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err);
    } finally {
      clearTimeout(timer);
    }
    if (opts.container && i % 10 === 9 && !(await opts.container.running())) {
      throw new Error(
        `openclaw: ${url}: container ${opts.container.name} exited before answering: ${last} (logs:\n${tail(await opts.container.logs(), 40)})`,
      );
    }
    if (Date.now() >= deadline) {
      throw new Error(`openclaw: ${url} did not answer ${want} within ${opts.deadlineMs ?? 60_000} ms: ${last} (see the container logs below)`);
    }
    await delay(opts.intervalMs ?? 100);
  }
}

/** Poll fn until it returns a value other than undefined, or throw `what` at the deadline. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new Error(`openclaw: timed out after ${deadlineMs} ms waiting for ${what} (see the diagnostics)`);
    await delay(intervalMs);
  }
}

