// Effective sandbox settings for one agent/session: agents.defaults.sandbox merged with the agent's
// own `sandbox` (agent wins per key; env and ulimits merged shallowly, binds concatenated), then our
// defaults, which are stricter than upstream's (non-root, pids and memory limits on).
import { createHash } from 'node:crypto';
import path from 'node:path';
import { resolvePaths, type Env } from '../../lib/paths.js';
import type { OpenclawConfig } from '../config/schema.js';
import type { SandboxConfig, SandboxDockerConfig } from '../config/schema-sandbox.js';

export type SandboxMode = 'off' | 'non-main' | 'all';
export type SandboxScope = 'session' | 'agent' | 'shared';
export type WorkspaceAccess = 'none' | 'ro' | 'rw';
export type BackendKind = 'docker' | 'podman';

export const DEFAULT_IMAGE = 'openclaw-sandbox:bookworm-slim';
export const DEFAULT_PREFIX = 'openclaw-sbx-';
export const DEFAULT_TMPFS = ['/tmp', '/var/tmp', '/run'] as const;

export interface DockerSettings {
  image: string;
  containerPrefix: string;
  workdir: string;
  readOnlyRoot: boolean;
  tmpfs: string[];
  /** True when tmpfs came from our default (podman then drops /run, where its init lives). */
  tmpfsDefaulted: boolean;
  network: string;
  user: string | undefined;
  capDrop: string[];
  env: Record<string, string>;
  setupCommand: string | undefined;
  pidsLimit: number;
  memory: string | undefined;
  memorySwap: string | undefined;
  cpus: number | undefined;
  ulimits: Record<string, string>;
  seccompProfile: string | undefined;
  apparmorProfile: string | undefined;
  dns: string[];
  extraHosts: string[];
  binds: string[];
  gpus: string | undefined;
  dangerouslyAllowContainerNamespaceJoin: boolean;
  dangerouslyAllowExternalBindSources: boolean;
  dangerouslyAllowReservedContainerTargets: boolean;
}

export interface SandboxSettings {
  agentId: string;
  sessionKey: string;
  mode: SandboxMode;
  /** True when this session runs sandboxed (mode all, or non-main and not the main session). */
  sandboxed: boolean;
  backend: BackendKind | undefined;
  scope: SandboxScope;
  /** `shared`, `agent:<id>`, or the session key. */
  scopeKey: string;
  workspaceAccess: WorkspaceAccess;
  workspaceRoot: string;
  /** The agent's own workspace on the gateway host. */
  agentWorkspaceDir: string;
  /** The per-scope private workspace (none/ro); for rw this is the agent workspace. */
  workspaceDir: string;
  stateDir: string;
  hostStateDir: string | undefined;
  hostWorkspaceDir: string | undefined;
  docker: DockerSettings;
  prune: { idleHours: number; maxAgeDays: number };
  /** Per-agent keys dropped because scope is shared (explain prints them). */
  ignoredOverrides: string[];
}

export interface ResolveInput {
  agentId?: string;
  sessionKey?: string;
}

type AgentLike = { id?: string; default?: boolean; workspace?: string; sandbox?: SandboxConfig };

export function agentEntries(config: OpenclawConfig): AgentLike[] {
  const agents = config.agents ?? {};
  const out: AgentLike[] = [...(agents.list ?? [])];
  for (const [id, entry] of Object.entries(agents.entries ?? {})) out.push({ ...entry, id });
  return out;
}

export function defaultAgentId(config: OpenclawConfig): string {
  const entries = agentEntries(config);
  return entries.find((e) => e.default)?.id ?? entries[0]?.id ?? 'main';
}

export function mainSessionKey(agentId: string): string {
  return `agent:${agentId}:main`;
}

function agentWorkspace(config: OpenclawConfig, agentId: string, entry: AgentLike | undefined, env: Env): string {
  const paths = resolvePaths(env);
  const explicit = entry?.workspace ?? (agentId === defaultAgentId(config) ? config.agents?.defaults?.workspace : undefined);
  if (explicit) return path.resolve(expandHome(explicit, env));
  return agentId === defaultAgentId(config) ? paths.workspaceDir : `${paths.workspaceDir}-${agentId}`;
}

function expandHome(p: string, env: Env): string {
  const home = env.HOME || env.OPENCLAW_HOME || '/';
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

function sizeString(v: string | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? String(v) : v;
}

function ulimitString(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  const o = v as { soft?: number; hard?: number };
  return o.soft === undefined || o.hard === undefined ? String(o.soft ?? o.hard) : `${o.soft}:${o.hard}`;
}

const PER_AGENT_IGNORED_UNDER_SHARED = ['docker', 'prune', 'browser', 'ssh', 'workspaceRoot', 'workspaceAccess'] as const;

export function resolveSandbox(config: OpenclawConfig, input: ResolveInput = {}, env: Env = process.env): SandboxSettings {
  const agentId = input.agentId ?? defaultAgentId(config);
  const sessionKey = input.sessionKey ?? mainSessionKey(agentId);
  const entry = agentEntries(config).find((e) => e.id === agentId);
  const base: SandboxConfig = config.agents?.defaults?.sandbox ?? {};
  const own: SandboxConfig = entry?.sandbox ?? {};

  const legacyScope = (c: SandboxConfig): SandboxScope | undefined => (c.perSession === undefined ? undefined : c.perSession ? 'session' : 'shared');
  const scope: SandboxScope = own.scope ?? legacyScope(own) ?? base.scope ?? legacyScope(base) ?? 'agent';
  const ignoredOverrides: string[] = [];
  let agentSide: SandboxConfig = own;
  if (scope === 'shared') {
    agentSide = { ...own };
    for (const key of PER_AGENT_IGNORED_UNDER_SHARED) {
      if (own[key] !== undefined) {
        ignoredOverrides.push(`agents.list[${agentId}].sandbox.${key}`);
        delete agentSide[key];
      }
    }
  }
  const d: SandboxDockerConfig = { ...(base.docker ?? {}), ...(agentSide.docker ?? {}) };
  const env1 = { ...(base.docker?.env ?? {}), ...(agentSide.docker?.env ?? {}) };
  const ulimits = { ...(base.docker?.ulimits ?? {}), ...(agentSide.docker?.ulimits ?? {}) };
  const binds = [...(base.docker?.binds ?? []), ...(agentSide.docker?.binds ?? [])];
  const mode: SandboxMode = agentSide.mode ?? base.mode ?? 'off';
  const paths = resolvePaths(env);
  const workspaceRoot = path.resolve(expandHome(agentSide.workspaceRoot ?? base.workspaceRoot ?? path.join(paths.stateDir, 'sandboxes'), env));
  const workspaceAccess: WorkspaceAccess = agentSide.workspaceAccess ?? base.workspaceAccess ?? 'none';
  const scopeKey = scope === 'shared' ? 'shared' : scope === 'agent' ? `agent:${agentId}` : sessionKey;
  const agentWorkspaceDir = agentWorkspace(config, agentId, entry, env);
  const workspaceDir = workspaceAccess === 'rw' ? agentWorkspaceDir : scope === 'shared' ? workspaceRoot : path.join(workspaceRoot, scopeSlug(scopeKey));
  const tmpfsDefaulted = d.tmpfs === undefined;
  const memory = sizeString(d.memory) ?? '1g';

  return {
    agentId,
    sessionKey,
    mode,
    sandboxed: mode === 'all' || (mode === 'non-main' && sessionKey !== mainSessionKey(agentId)),
    backend: agentSide.backend ?? base.backend,
    scope,
    scopeKey,
    workspaceAccess,
    workspaceRoot,
    agentWorkspaceDir,
    workspaceDir,
    stateDir: paths.stateDir,
    hostStateDir: agentSide.hostStateDir ?? base.hostStateDir,
    hostWorkspaceDir: agentSide.hostWorkspaceDir ?? base.hostWorkspaceDir,
    docker: {
      image: d.image ?? DEFAULT_IMAGE,
      containerPrefix: d.containerPrefix ?? DEFAULT_PREFIX,
      workdir: d.workdir ?? '/workspace',
      readOnlyRoot: d.readOnlyRoot ?? true,
      tmpfs: d.tmpfs ?? [...DEFAULT_TMPFS],
      tmpfsDefaulted,
      network: d.network ?? 'none',
      user: d.user,
      capDrop: d.capDrop ?? ['ALL'],
      env: { LANG: 'C.UTF-8', ...env1 },
      setupCommand: d.setupCommand || undefined,
      pidsLimit: d.pidsLimit ?? 256,
      memory: memory === '0' || memory === '-1' ? undefined : memory,
      memorySwap: sizeString(d.memorySwap),
      cpus: d.cpus || undefined,
      ulimits: Object.fromEntries(Object.entries(ulimits).map(([k, v]) => [k, ulimitString(v)])),
      seccompProfile: d.seccompProfile,
      apparmorProfile: d.apparmorProfile,
      dns: (d.dns ?? []).filter((s) => s.trim() !== ''),
      extraHosts: d.extraHosts ?? [],
      binds,
      gpus: d.gpus || undefined,
      dangerouslyAllowContainerNamespaceJoin: d.dangerouslyAllowContainerNamespaceJoin ?? false,
      dangerouslyAllowExternalBindSources: d.dangerouslyAllowExternalBindSources ?? false,
      dangerouslyAllowReservedContainerTargets: d.dangerouslyAllowReservedContainerTargets ?? false,
    },
    prune: { idleHours: agentSide.prune?.idleHours ?? base.prune?.idleHours ?? 24, maxAgeDays: agentSide.prune?.maxAgeDays ?? base.prune?.maxAgeDays ?? 7 },
    ignoredOverrides,
  };
}

/** `agent:main` → `agent-main-1a2b3c4d`: readable, bounded, and unique through the hash. */
export function scopeSlug(scopeKey: string, maxBase = 32): string {
  if (scopeKey === 'shared') return 'shared';
  const base = scopeKey.toLowerCase().replace(/[^a-z0-9._-]/g, '-').slice(0, maxBase).replace(/^[-.]+|[-.]+$/g, '') || 'x';
  return `${base}-${shortHash(scopeKey)}`;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
