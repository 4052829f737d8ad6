// What a sandbox setting may mean. Each refusal names the config key that holds the value and the
// fix; nothing here is overridable except where upstream has a `dangerously*` flag.
import fs from 'node:fs';
import path from 'node:path';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import { homeDir, type Env } from '../../lib/paths.js';
import type { OpenclawConfig } from '../config/schema.js';
import { agentEntries, type BackendKind, type SandboxSettings } from './config.js';

export class SandboxConfigError extends OpenclawError {
  constructor(
    readonly key: string,
    why: string,
    fix: string,
  ) {
    super(`sandbox: ${key}: ${why}`, { exitCode: EXIT.CONFIG, code: 'SANDBOX_CONFIG', hint: fix });
    this.name = 'SandboxConfigError';
  }
}

/** The config path a sandbox key came from: the agent's own entry when it sets it, else defaults. */
export function keyPath(config: OpenclawConfig, agentId: string, key: string): string {
  const agents = config.agents ?? {};
  const parts = key.split('.');
  const has = (obj: unknown): boolean => {
    let cur: unknown = obj;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) return false;
      cur = (cur as Record<string, unknown>)[p];
    }
    return true;
  };
  const i = (agents.list ?? []).findIndex((e) => e.id === agentId);
  if (i >= 0 && has(agents.list?.[i]?.sandbox)) return `agents.list[${i}].sandbox.${key}`;
  const entry = agents.entries?.[agentId];
  if (entry && has(entry.sandbox)) return `agents.entries.${agentId}.sandbox.${key}`;
  return `agents.defaults.sandbox.${key}`;
}

const BLOCKED_SOURCES = ['/etc', '/private/etc', '/proc', '/sys', '/dev', '/root', '/boot', '/run', '/var/run', '/private/var/run', '/var/lib/docker', '/var/lib/containers'];
const HOME_SECRETS = ['.aws', '.azure', '.cargo', '.config', '.docker', '.gnupg', '.kube', '.netrc', '.npm', '.npmrc', '.pypirc', '.ssh', '.git-credentials', '.local/share/containers'];
const RESERVED_TARGETS = ['/workspace', '/agent'];
const SOCKET_RE = /(^|\/)(docker|podman|containerd|buildkitd|crio)(\.sock)?$|\.sock$/;

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : root + '/');
}

export interface BindSpec {
  source: string;
  target: string;
  options: string[];
}

export function parseBind(spec: string): BindSpec | undefined {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [source = '', target = '', opts] = parts;
  return { source, target, options: opts ? opts.split(',').filter(Boolean) : [] };
}

export interface ValidateContext {
  backend: BackendKind;
  rootless: boolean;
  env?: Env;
}

/** Throws the first refusal; returns warnings (things that work but surprise people). */
export function validateSandbox(config: OpenclawConfig, s: SandboxSettings, ctx: ValidateContext): string[] {
  const key = (k: string) => keyPath(config, s.agentId, k);
  const d = s.docker;
  const warnings: string[] = [];

  const net = d.network.trim();
  if (net === 'host') throw new SandboxConfigError(key('docker.network'), '"host" gives the sandbox the gateway host\'s network stack', 'use "none" (default), "bridge", or a named network');
  if (/^(container|service|ns):/.test(net)) {
    if (!(net.startsWith('container:') && d.dangerouslyAllowContainerNamespaceJoin)) {
      throw new SandboxConfigError(key('docker.network'), `"${net}" joins another namespace's network`, 'use "none", "bridge" or a named network (container:* needs docker.dangerouslyAllowContainerNamespaceJoin: true)');
    }
    warnings.push(`${key('docker.network')}: joins ${net} (dangerouslyAllowContainerNamespaceJoin)`);
  }
  for (const [k, v] of [['docker.seccompProfile', d.seccompProfile], ['docker.apparmorProfile', d.apparmorProfile]] as const) {
    if (v !== undefined && v.trim().toLowerCase() === 'unconfined') throw new SandboxConfigError(key(k), '"unconfined" turns off the kernel filter', 'remove the key to keep the engine default profile, or name a custom profile');
  }
  if (d.user !== undefined && ctx.backend === 'podman' && ctx.rootless && /^(0|root)(:|$)/.test(d.user)) {
    throw new SandboxConfigError(key('docker.user'), `"${d.user}" is root, which rootless podman maps to the gateway user with keep-id`, 'remove docker.user (the sandbox then runs as your uid) or set a non-zero uid');
  }
  if (d.capDrop.length > 0 && !d.capDrop.some((c) => c.toUpperCase() === 'ALL')) warnings.push(`${key('docker.capDrop')}: does not drop ALL capabilities`);
  for (const t of d.tmpfs) {
    const target = t.split(':')[0] ?? '';
    if (RESERVED_TARGETS.some((r) => under(target, r))) throw new SandboxConfigError(key('docker.tmpfs'), `tmpfs over ${target} would hide the workspace`, 'mount tmpfs elsewhere (/tmp, /var/tmp, /run)');
    if (ctx.backend === 'podman' && under('/run/podman-init', target) && !d.tmpfsDefaulted) {
      throw new SandboxConfigError(key('docker.tmpfs'), `tmpfs over ${target} hides /run/podman-init (the sandbox init)`, `remove ${target} from docker.tmpfs for podman`);
    }
  }
  for (const [k, v] of Object.entries(d.env)) {
    if (/[\r\n\0]/.test(v)) throw new SandboxConfigError(key(`docker.env.${k}`), 'the value has a newline or NUL (env files are line based)', 'put multi-line data in a workspace file instead');
  }
  d.binds.forEach((spec) => validateBind(spec, s, ctx, key('docker.binds'), warnings));
  if (d.pidsLimit === 0) warnings.push(`${key('docker.pidsLimit')}: 0 removes the process limit (a fork bomb can exhaust the host)`);
  if (d.memory === undefined) warnings.push(`${key('docker.memory')}: no memory limit`);
  if (ctx.rootless) warnings.push('rootless podman on cgroup v1 ignores pidsLimit/memory/cpus (check `podman info` cgroupVersion)');
  return warnings;
}

function validateBind(spec: string, s: SandboxSettings, ctx: ValidateContext, key: string, warnings: string[]): void {
  const b = parseBind(spec);
  const d = s.docker;
  if (!b) throw new SandboxConfigError(key, `"${spec}" is not source:target[:options]`, 'write binds as "/host/path:/container/path:ro"');
  if (!path.isAbsolute(b.source)) throw new SandboxConfigError(key, `"${spec}": the source must be an absolute host path (named volumes are not supported)`, 'use an absolute host directory');
  if (!path.posix.isAbsolute(b.target)) throw new SandboxConfigError(key, `"${spec}": the target must be an absolute container path`, 'write the target as /path');
  const src = path.resolve(b.source);
  const target = path.posix.normalize(b.target);
  let real = src;
  try {
    real = fs.realpathSync(src);
  } catch {
    /* checked on the engine's host at create time */
  }
  const home = homeDir(ctx.env);
  for (const candidate of new Set([src, real])) {
    if (candidate === '/') throw new SandboxConfigError(key, `"${spec}" mounts the whole host filesystem`, 'bind only the directory the sandbox needs');
    const blocked = BLOCKED_SOURCES.find((r) => under(candidate, r));
    if (blocked) throw new SandboxConfigError(key, `"${spec}": ${blocked} is never mounted into a sandbox`, 'remove the bind; copy the files the sandbox needs into its workspace');
    if (SOCKET_RE.test(candidate) || isSocket(candidate)) throw new SandboxConfigError(key, `"${spec}" is an engine or daemon socket: it would give the sandbox root on the host`, 'remove the bind; sandboxes never get the engine socket');
    const secret = HOME_SECRETS.map((h) => path.join(home, h)).find((h) => under(candidate, h) || under(h, candidate));
    if (secret) throw new SandboxConfigError(key, `"${spec}" exposes ${secret} (credentials)`, 'remove the bind; pass what the sandbox needs through docker.env or a workspace file');
    if (under(s.stateDir, candidate) || under(candidate, s.stateDir)) {
      const ws = [s.workspaceRoot, s.agentWorkspaceDir];
      if (!ws.some((w) => under(candidate, w))) throw new SandboxConfigError(key, `"${spec}" exposes the gateway state dir ${s.stateDir} (tokens, device keys)`, 'bind a directory inside the workspace instead');
    }
  }
  if (RESERVED_TARGETS.some((r) => under(target, r)) && !d.dangerouslyAllowReservedContainerTargets) {
    throw new SandboxConfigError(key, `"${spec}" mounts over ${target}, which the sandbox workspace owns`, 'pick another target such as /mnt/data (or set docker.dangerouslyAllowReservedContainerTargets: true)');
  }
  if (ctx.backend === 'podman' && under('/run/podman-init', target)) throw new SandboxConfigError(key, `"${spec}" hides /run/podman-init`, 'pick another target');
  const inWorkspace = [s.workspaceRoot, s.agentWorkspaceDir].some((w) => under(src, w));
  if (!inWorkspace && !d.dangerouslyAllowExternalBindSources) {
    throw new SandboxConfigError(key, `"${spec}": ${src} is outside the sandbox workspaces (${s.workspaceRoot}, ${s.agentWorkspaceDir})`, 'move the data under the workspace, or set docker.dangerouslyAllowExternalBindSources: true');
  }
  const bad = b.options.find((o) => !['ro', 'rw', 'z', 'Z', 'rprivate', 'private', 'nocopy', 'noexec', 'nosuid', 'nodev'].includes(o));
  if (bad) throw new SandboxConfigError(key, `"${spec}": option "${bad}" is not allowed (mount propagation could leak host mounts)`, 'use ro, rw, z or Z');
  if (!b.options.includes('ro')) warnings.push(`${key}: "${spec}" is writable from the sandbox`);
}

function isSocket(p: string): boolean {
  try {
    return fs.statSync(p).isSocket();
  } catch {
    return false;
  }
}

/** True when at least one agent (or the defaults) turns sandboxing on. */
export function anySandboxEnabled(config: OpenclawConfig): boolean {
  const modes = [config.agents?.defaults?.sandbox?.mode, ...agentEntries(config).map((e) => e.sandbox?.mode)];
  return modes.some((m) => m === 'all' || m === 'non-main');
}
