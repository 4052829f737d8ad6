// Sandbox lifecycle: create + start on first use (setupCommand once), recreate on config change
// unless the container is hot (running, used in the last 5 minutes), lazy prune at most every 5
// minutes, and one exec channel per container. Create/recreate of one name is serialized.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDirSync } from '../../lib/fsutil.js';
import type { Env } from '../../lib/paths.js';
import type { Logger } from '../../lib/log.js';
import type { OpenclawConfig } from '../config/schema.js';
import { buildCreatePlan, type CreatePlan } from './argv.js';
import { ExecChannel, type ExecRequest, type ExecResult } from './channel.js';
import { DEFAULT_IMAGE, resolveSandbox, type ResolveInput, type SandboxSettings } from './config.js';
import { checkEngine, detectEngine, runEngine, SandboxError, stderrTail, type Engine } from './engine.js';
import { writeEnvFile } from './env.js';
import { execPerCall } from './exec.js';
import { Registry, type RegistryEntry } from './registry.js';
import { validateSandbox } from './validate.js';

export const HOT_WINDOW_MS = 5 * 60 * 1000;
export const PRUNE_INTERVAL_MS = 5 * 60 * 1000;
/** Binaries the file tools and exec need in the image (bash is optional: it enables the fast channel). */
export const REQUIRED_BINARIES = ['sh', 'cat', 'head', 'base64', 'realpath', 'mkdir', 'rm', 'find', 'stat', 'grep', 'sleep'];

export interface ManagerOptions {
  config: OpenclawConfig;
  env?: Env;
  /** Use this engine instead of detecting one (tests, bench). */
  engine?: Engine;
  log?: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
}

export interface Sandbox {
  name: string;
  settings: SandboxSettings;
  engine: Engine;
  plan: CreatePlan;
  exec(req: ExecRequest): Promise<ExecResult>;
}

export interface ListRow {
  name: string;
  state: string;
  image: string;
  agentId: string;
  scopeKey: string;
  createdAtMs: number;
  lastUsedAtMs: number | undefined;
  configHash: string;
  /** true: matches the current config; false: differs (recreate pending); undefined: no agent config for it. */
  current: boolean | undefined;
}

export function recreateCommand(s: SandboxSettings): string {
  if (s.scope === 'shared') return 'openclaw sandbox recreate --all';
  if (s.scope === 'session') return `openclaw sandbox recreate --session ${s.sessionKey}`;
  return `openclaw sandbox recreate --agent ${s.agentId}`;
}

export function buildHint(image: string): string {
  return image === DEFAULT_IMAGE || image === `localhost/${DEFAULT_IMAGE}` ? 'build it: scripts/sandbox-setup.sh (docker or podman; BASE_IMAGE=… to override the base)' : `build or pull ${image} first, or unset agents.defaults.sandbox.docker.image to use ${DEFAULT_IMAGE}`;
}

export class SandboxManager {
  readonly registry: Registry;
  private readonly env: Env;
  private readonly now: () => number;
  private engines = new Map<string, Promise<Engine>>();
  private queues = new Map<string, Promise<unknown>>();
  private channels = new Map<string, Promise<ExecChannel | undefined>>();
  private used = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ManagerOptions) {
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
    this.registry = Registry.at(resolveSandbox(opts.config, {}, this.env).stateDir);
  }

  settings(input: ResolveInput = {}): SandboxSettings {
    return resolveSandbox(this.opts.config, input, this.env);
  }

  engineFor(s: SandboxSettings): Promise<Engine> {
    const key = this.opts.engine ? 'given' : (s.backend ?? 'auto');
    let p = this.engines.get(key);
    if (!p) {
      p = (this.opts.engine ? Promise.resolve(this.opts.engine) : detectEngine(s.backend, this.env)).then((e) => this.inWorkDir(e));
      this.engines.set(key, p);
      p.catch(() => this.engines.delete(key));
    }
    return p;
  }

  /**
   * The engine CLI runs from the state dir's sandbox/ (see Engine.cwd), else from where we are. Not
   * when a prefix runs a rootless CLI as another user: our private dir is closed to it.
   */
  private inWorkDir(engine: Engine): Engine {
    if (engine.cwd || (engine.rootless && engine.hostUser.uid !== process.getuid?.())) return engine;
    const dir = path.dirname(this.registry.file);
    try {
      ensurePrivateDirSync(dir);
      return { ...engine, cwd: dir };
    } catch {
      return engine;
    }
  }

  async plan(s: SandboxSettings, engine: Engine, envFile = '<env-file>'): Promise<CreatePlan> {
    validateSandbox(this.opts.config, s, { backend: engine.kind, rootless: engine.rootless, env: this.env });
    return buildCreatePlan(s, engine, { createdAtMs: this.now(), envFile });
  }

  /** The sandbox for this agent/session, created and started if needed. */
  async ensure(input: ResolveInput = {}): Promise<Sandbox> {
    const s = this.settings(input);
    const engine = await this.engineFor(s);
    const plan = await this.plan(s, engine);
    await this.maybePrune().catch((err: unknown) => this.opts.log?.warn('sandbox.prune_failed', { err: (err as Error).message }));
    return this.serial(plan.name, async () => {
      const live = await this.inspect(engine, plan.name);
      let current = plan;
      if (!live) {
        current = await this.create(s, engine);
      } else if (live.hash === plan.configHash) {
        if (!live.running) await this.start(engine, plan.name);
      } else {
        const entry = await this.registry.get(plan.name);
        const lastUsed = this.used.get(plan.name) ?? entry?.lastUsedAtMs;
        const hot = live.running && (lastUsed === undefined || this.now() - lastUsed < HOT_WINDOW_MS);
        if (hot) {
          this.opts.log?.warn('sandbox.config_changed', { name: plan.name, msg: `Sandbox config changed for ${plan.name} (recently used). Recreate to apply: ${recreateCommand(s)}` });
          await this.registry.update((r) => {
            const e = r.entries[plan.name];
            if (e) e.pendingHash = plan.configHash;
          });
          current = { ...plan, configHash: live.hash };
        } else {
          await this.remove(engine, plan.name);
          current = await this.create(s, engine);
        }
      }
      this.touch(plan.name);
      return this.handle(s, engine, current);
    });
  }

  private handle(s: SandboxSettings, engine: Engine, plan: CreatePlan): Sandbox {
    return { name: plan.name, settings: s, engine, plan, exec: (req) => this.exec(engine, plan.name, { cwd: s.docker.workdir, ...req }) };
  }

  async exec(engine: Engine, name: string, req: ExecRequest): Promise<ExecResult> {
    this.touch(name);
    const ch = await this.channel(engine, name);
    if (ch?.alive) return ch.exec(req);
    return execPerCall(engine, name, req);
  }

  private channel(engine: Engine, name: string): Promise<ExecChannel | undefined> {
    let p = this.channels.get(name);
    if (p) {
      return p.then((ch) => {
        if (ch && !ch.alive) {
          this.channels.delete(name);
          return this.channel(engine, name);
        }
        return ch;
      });
    }
    p = ExecChannel.open(engine, name).catch((err: unknown) => {
      this.opts.log?.warn('sandbox.channel_unavailable', { name, err: (err as Error).message, hint: (err as { hint?: string }).hint });
      return undefined;
    });
    this.channels.set(name, p);
    return p;
  }

  private touch(name: string): void {
    this.used.set(name, this.now());
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushUsage(), 10_000);
      this.flushTimer.unref();
    }
  }

  async flushUsage(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.used.size === 0) return;
    const used = new Map(this.used);
    await this.registry.update((r) => {
      for (const [name, at] of used) if (r.entries[name]) r.entries[name]!.lastUsedAtMs = Math.max(r.entries[name]!.lastUsedAtMs, at);
    });
  }

  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.queues.set(name, next.catch(() => {}));
    return next;
  }

  async inspect(engine: Engine, name: string): Promise<{ running: boolean; hash: string } | undefined> {
    const r = await runEngine(engine, ['inspect', '--type', 'container', '--format', '{{.State.Running}}|{{index .Config.Labels "openclaw.configHash"}}', name], { timeoutMs: 30_000 });
    if (r.code !== 0) return undefined;
    const [running, hash = ''] = r.stdout.trim().split('|');
    return { running: running === 'true', hash };
  }

  private async start(engine: Engine, name: string): Promise<void> {
    const r = await runEngine(engine, ['start', name], { timeoutMs: 60_000 });
    if (r.code !== 0) {
      await this.remove(engine, name);
      throw new SandboxError(`start of ${name} failed: ${stderrTail(r.stderr)}`, { exitCode: r.code, stderr: r.stderr }, 'check docker.ulimits/memory/pidsLimit against the host limits (openclaw sandbox explain shows the create argv)', 'SANDBOX_START');
    }
  }

  async remove(engine: Engine, name: string): Promise<boolean> {
    const ch = this.channels.get(name);
    this.channels.delete(name);
    void ch?.then((c) => c?.close());
    const args = engine.kind === 'podman' ? ['rm', '-f', '-t', '0', name] : ['rm', '-f', name];
    const r = await runEngine(engine, args, { timeoutMs: 60_000 });
    await this.registry.update((reg) => void delete reg.entries[name]);
    this.used.delete(name);
    return r.code === 0;
  }

  private async prepareDirs(s: SandboxSettings, plan: CreatePlan): Promise<void> {
    // Rootless keep-id maps the gateway's own uid into the container: its files are the sandbox's.
    const engineMapsOwner = (uid: number) => uid === (process.getuid?.() ?? -1);
    const dirs = s.workspaceAccess === 'rw' ? [s.agentWorkspaceDir] : s.workspaceAccess === 'ro' ? [s.workspaceDir, s.agentWorkspaceDir] : [s.workspaceDir];
    for (const dir of dirs) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    }
    // The agent's workspace is never chowned: if the sandbox user cannot use it, say so now rather
    // than let every command fail with "Permission denied" inside the container.
    if (s.workspaceAccess !== 'none' && plan.runAs && !engineMapsOwner(plan.runAs.uid)) {
      const st = await fs.stat(s.agentWorkspaceDir);
      const need = s.workspaceAccess === 'rw' ? 0o7 : 0o5;
      const bits = st.uid === plan.runAs.uid ? (st.mode >> 6) & 7 : st.gid === plan.runAs.gid ? (st.mode >> 3) & 7 : st.mode & 7;
      if ((bits & need) !== need) {
        throw new SandboxError(
          `workspaceAccess "${s.workspaceAccess}": the sandbox user (uid ${plan.runAs.uid}) cannot ${s.workspaceAccess === 'rw' ? 'write' : 'read'} the agent workspace ${s.agentWorkspaceDir} (owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`,
          {},
          `chown -R ${plan.runAs.uid}:${plan.runAs.gid} ${s.agentWorkspaceDir}, or set agents.defaults.sandbox.docker.user, or use workspaceAccess "none"`,
          'SANDBOX_WORKSPACE_ACCESS',
        );
      }
    }
    // Our own private workspace must belong to the uid the sandbox runs as (root gateways only;
    // otherwise it already is ours).
    const me = process.getuid?.() ?? 0;
    if (s.workspaceAccess !== 'rw' && plan.runAs && me === 0 && plan.runAs.uid !== 0) {
      await fs.chown(s.workspaceDir, plan.runAs.uid, plan.runAs.gid);
      // A rootless engine mounts as that user, so it must be able to traverse the root.
      if (s.workspaceDir !== s.workspaceRoot) await fs.chmod(s.workspaceRoot, 0o711);
    }
  }

  private async create(s: SandboxSettings, engine: Engine): Promise<CreatePlan> {
    const image = s.docker.image;
    const img = await runEngine(engine, ['image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 30_000 });
    if (img.code !== 0) throw new SandboxError(`image ${image} is not in the ${engine.kind} store (sandboxes never pull)`, { stderr: img.stderr }, buildHint(image), 'SANDBOX_IMAGE');
    const createdAtMs = this.now();
    const owner = (process.getuid?.() ?? 0) === 0 && engine.hostUser.uid !== 0 ? engine.hostUser : undefined;
    const envFile = await writeEnvFile(buildCreatePlan(s, engine, { createdAtMs, envFile: '' }).env, owner);
    try {
      const plan = buildCreatePlan(s, engine, { createdAtMs, envFile: envFile.file });
      for (const b of plan.blockedEnv) this.opts.log?.warn('sandbox.env_blocked', { name: plan.name, key: `sandbox.docker.env.${b.name}`, why: b.why });
      await this.prepareDirs(s, plan);
      const r = await runEngine(engine, plan.argv, { timeoutMs: 120_000 });
      if (r.code !== 0) {
        const bindHint = /bind source path does not exist|no such file or directory/i.test(r.stderr) ? 'a mount source is missing on the engine host: when the gateway runs in a container, set sandbox.hostStateDir / hostWorkspaceDir to the host paths' : 'openclaw sandbox explain prints this argv';
        throw new SandboxError(`create of ${plan.name} failed: exit ${r.code}: ${stderrTail(r.stderr)}`, { argv: plan.argv, exitCode: r.code, stderr: r.stderr }, bindHint, 'SANDBOX_CREATE');
      }
      await this.start(engine, plan.name);
      await this.checkImage(engine, plan.name, image);
      if (s.docker.setupCommand) {
        const setup = await runEngine(engine, ['exec', '-i', plan.name, '/bin/sh', '-c', s.docker.setupCommand], { timeoutMs: 15 * 60_000, input: '' });
        if (setup.code !== 0) {
          await this.remove(engine, plan.name);
          throw new SandboxError(`setupCommand failed in ${plan.name}: exit ${setup.code}: ${stderrTail(setup.stderr || setup.stdout)}`, { exitCode: setup.code, stderr: setup.stderr }, 'fix agents.defaults.sandbox.docker.setupCommand (it runs once after create, as the sandbox user, with network as configured)', 'SANDBOX_SETUP');
        }
      }
      const entry: RegistryEntry = { name: plan.name, backend: engine.kind, scopeKey: s.scopeKey, agentId: s.agentId, image, configHash: plan.configHash, createdAtMs, lastUsedAtMs: createdAtMs };
      await this.registry.update((reg) => void (reg.entries[plan.name] = entry));
      this.opts.log?.info('sandbox.created', { name: plan.name, image, backend: engine.kind });
      return plan;
    } finally {
      await envFile.remove();
    }
  }

  private async checkImage(engine: Engine, name: string, image: string): Promise<void> {
    const script = `for b in ${REQUIRED_BINARIES.join(' ')}; do command -v "$b" >/dev/null 2>&1 || printf '%s ' "$b"; done`;
    const r = await runEngine(engine, ['exec', name, '/bin/sh', '-c', script], { timeoutMs: 30_000 });
    const missing = r.code === 0 ? r.stdout.trim() : `sh (${stderrTail(r.stderr, 2)})`;
    if (missing) {
      await this.remove(engine, name);
      throw new SandboxError(`image ${image} lacks what the sandbox tools need: ${missing}`, { stderr: r.stderr }, buildHint(image), 'SANDBOX_IMAGE');
    }
  }

  /** Remove entries idle > idleHours or older than maxAgeDays (0 disables each); at most every 5 min unless forced. */
  async maybePrune(force = false): Promise<string[]> {
    const now = this.now();
    const { idleHours, maxAgeDays } = this.settings().prune;
    const reg = await this.registry.read();
    if (!force && now - reg.lastPruneAtMs < PRUNE_INTERVAL_MS) return [];
    await this.flushUsage();
    const fresh = await this.registry.read();
    const doomed = Object.values(fresh.entries).filter((e) => (idleHours > 0 && now - e.lastUsedAtMs > idleHours * 3_600_000) || (maxAgeDays > 0 && now - e.createdAtMs > maxAgeDays * 86_400_000));
    await this.registry.update((r) => void (r.lastPruneAtMs = now));
    const removed: string[] = [];
    for (const e of doomed) {
      const engine = await this.engineFor(this.settings({ agentId: e.agentId }));
      await this.remove(engine, e.name);
      this.opts.log?.info('sandbox.pruned', { name: e.name });
      removed.push(e.name);
    }
    return removed;
  }

  async list(engine: Engine): Promise<ListRow[]> {
    const ps = await checkEngine(engine, ['ps', '-a', '--filter', 'label=openclaw.sandbox=1', '--format', '{{.Names}}'], { timeoutMs: 30_000 });
    const names = ps.stdout.split('\n').map((n) => n.trim()).filter(Boolean);
    if (names.length === 0) return [];
    const fmt = ['{{.Name}}', '{{.State.Status}}', '{{.Config.Image}}', ...['agentId', 'sessionKey', 'createdAtMs', 'configHash'].map((l) => `{{index .Config.Labels "openclaw.${l}"}}`)].join('\t');
    const r = await runEngine(engine, ['inspect', '--type', 'container', '--format', fmt, ...names], { timeoutMs: 30_000 });
    const reg = await this.registry.read();
    const rows: ListRow[] = [];
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [rawName = '', state = '', image = '', agentId = '', scopeKey = '', created = '0', hash = ''] = line.split('\t');
      const name = rawName.replace(/^\//, '');
      let current: boolean | undefined;
      try {
        const s = this.settings({ agentId, sessionKey: scopeKey });
        if (s.scopeKey === scopeKey) current = (await this.plan(s, engine)).configHash === hash;
      } catch {
        current = undefined;
      }
      rows.push({ name, state, image, agentId, scopeKey, createdAtMs: Number(created), lastUsedAtMs: this.used.get(name) ?? reg.entries[name]?.lastUsedAtMs, configHash: hash, current });
    }
    return rows;
  }

  async close(): Promise<void> {
    await this.flushUsage().catch(() => {});
    for (const p of this.channels.values()) (await p)?.close();
    this.channels.clear();
  }
}

export function isHot(row: Pick<ListRow, 'state' | 'lastUsedAtMs'>, now: number): boolean {
  return row.state === 'running' && (row.lastUsedAtMs === undefined || now - row.lastUsedAtMs < HOT_WINDOW_MS);
}

