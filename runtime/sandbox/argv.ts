// The create argv, one builder for both backends: deterministic name, labels, config hash, the
// hardening flags, managed workspace mounts and validated binds. Pure: no I/O, so it is golden-tested
// and `sandbox explain` prints exactly what `create` will run.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { shortHash, type SandboxSettings } from './config.js';
import { filterEnv } from './env.js';
import type { Engine } from './engine.js';

export const HASH_EPOCH = 'openclaw-kit-sandbox-v1';
/** The uid:gid of the `sandbox` user in Dockerfile.sandbox (used when the gateway itself is root). */
export const IMAGE_USER = { uid: 1000, gid: 1000 };
export const KEEPALIVE = ['sleep', 'infinity'];

export type EngineShape = Pick<Engine, 'kind' | 'rootless' | 'hostUser'>;

export interface Mount {
  source: string;
  target: string;
  readonly: boolean;
}

export interface CreatePlan {
  name: string;
  argv: string[];
  configHash: string;
  labels: Record<string, string>;
  mounts: Mount[];
  /** uid:gid the sandbox runs as when we chose it (undefined: docker.user from config). */
  runAs: { uid: number; gid: number } | undefined;
  env: Record<string, string>;
  blockedEnv: Array<{ name: string; why: string }>;
}

/** `openclaw-sbx-<slug>-<hash8>`, at most 63 characters (a DNS label, as engines require for hostnames). */
export function containerName(prefix: string, scopeKey: string): string {
  const hash = shortHash(scopeKey);
  if (scopeKey === 'shared') return `${prefix}shared-${hash}`.slice(0, 63);
  const room = 63 - prefix.length - 1 - hash.length;
  const slug = scopeKey.toLowerCase().replace(/[^a-z0-9._-]/g, '-').slice(0, Math.min(32, room)).replace(/^[-.]+|[-.]+$/g, '') || 'x';
  return `${prefix}${slug}-${hash}`;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Gateway path → path on the engine's host (differs when the gateway runs in a container). */
export function hostPath(s: SandboxSettings, p: string): string {
  if (s.hostWorkspaceDir && (p === s.agentWorkspaceDir || p.startsWith(s.agentWorkspaceDir + path.sep))) {
    return path.join(s.hostWorkspaceDir, path.relative(s.agentWorkspaceDir, p));
  }
  if (s.hostStateDir && (p === s.stateDir || p.startsWith(s.stateDir + path.sep))) return path.join(s.hostStateDir, path.relative(s.stateDir, p));
  return p;
}

/** A bind spec with its source mapped to the engine's host (binds live under the workspaces). */
export function hostBind(s: SandboxSettings, spec: string): string {
  const i = spec.indexOf(':');
  if (i <= 0 || !path.isAbsolute(spec.slice(0, i))) return spec;
  const source = path.resolve(spec.slice(0, i));
  const mapped = hostPath(s, source);
  return mapped === source ? spec : mapped + spec.slice(i);
}

export function workspaceMounts(s: SandboxSettings): Mount[] {
  switch (s.workspaceAccess) {
    case 'rw':
      return [{ source: hostPath(s, s.agentWorkspaceDir), target: '/workspace', readonly: false }];
    case 'ro':
      return [
        { source: hostPath(s, s.workspaceDir), target: '/workspace', readonly: false },
        { source: hostPath(s, s.agentWorkspaceDir), target: '/agent', readonly: true },
      ];
    default:
      return [{ source: hostPath(s, s.workspaceDir), target: '/workspace', readonly: false }];
  }
}

export function resolveUser(s: SandboxSettings, engine: EngineShape): { flags: string[]; runAs: { uid: number; gid: number } | undefined } {
  const flags: string[] = [];
  if (engine.kind === 'podman' && engine.rootless) flags.push('--userns=keep-id');
  if (s.docker.user !== undefined) return { flags: [...flags, '--user', s.docker.user], runAs: undefined };
  // Run as the uid that owns the workspace on the host, never as root: the gateway's own uid
  // (rootless: mapped 1:1 by keep-id), or the image's sandbox user when the gateway is root.
  const runAs = engine.hostUser.uid === 0 && !engine.rootless ? IMAGE_USER : engine.hostUser;
  return { flags: [...flags, '--user', `${runAs.uid}:${runAs.gid}`], runAs };
}

export function buildCreatePlan(s: SandboxSettings, engine: EngineShape, opts: { createdAtMs: number; envFile: string }): CreatePlan {
  const d = s.docker;
  const name = containerName(d.containerPrefix, s.scopeKey);
  const { env, blocked } = filterEnv(d.env);
  const mounts = workspaceMounts(s);
  const user = resolveUser(s, engine);
  const tmpfs = engine.kind === 'podman' && d.tmpfsDefaulted ? d.tmpfs.filter((t) => t !== '/run') : d.tmpfs;

  const hardening: string[] = [];
  if (d.readOnlyRoot) hardening.push('--read-only');
  for (const t of tmpfs) hardening.push('--tmpfs', t);
  hardening.push('--network', d.network.trim());
  hardening.push(...user.flags);
  for (const c of d.capDrop) hardening.push('--cap-drop', c);
  hardening.push('--security-opt', 'no-new-privileges');
  if (d.seccompProfile) hardening.push('--security-opt', `seccomp=${d.seccompProfile}`);
  if (d.apparmorProfile) hardening.push('--security-opt', `apparmor=${d.apparmorProfile}`);
  for (const dns of d.dns) hardening.push('--dns', dns);
  for (const h of d.extraHosts) hardening.push('--add-host', h);
  if (d.pidsLimit > 0) hardening.push('--pids-limit', String(d.pidsLimit));
  if (d.memory) hardening.push('--memory', d.memory);
  if (d.memorySwap) hardening.push('--memory-swap', d.memorySwap);
  if (d.cpus) hardening.push('--cpus', String(d.cpus));
  for (const [k, v] of Object.entries(d.ulimits).sort()) hardening.push('--ulimit', `${k}=${v}`);
  if (d.gpus) hardening.push('--gpus', d.gpus);
  if (engine.kind === 'podman') hardening.push('--http-proxy=false', '--read-only-tmpfs=false');

  const mountFlags: string[] = [];
  for (const m of mounts) {
    let spec = `type=bind,source=${m.source},target=${m.target}`;
    if (m.readonly) spec += ',readonly';
    if (engine.kind === 'podman') spec += ',relabel=shared';
    mountFlags.push('--mount', spec);
  }
  for (const b of d.binds) mountFlags.push('-v', hostBind(s, b));

  const configHash = createHash('sha256')
    .update(
      stableJson({
        epoch: HASH_EPOCH,
        backend: engine.kind,
        rootless: engine.rootless,
        docker: { ...d, env, tmpfs, containerPrefix: undefined, tmpfsDefaulted: undefined },
        user: user.flags,
        mounts,
        workspaceAccess: s.workspaceAccess,
      }),
    )
    .digest('hex');
  const labels: Record<string, string> = {
    'openclaw.sandbox': '1',
    'openclaw.sessionKey': s.scopeKey,
    'openclaw.agentId': s.agentId,
    'openclaw.backend': engine.kind,
    'openclaw.createdAtMs': String(opts.createdAtMs),
    'openclaw.configHash': configHash,
  };
  const argv = ['create', '--name', name, '--hostname', name.slice(0, 63), '--init'];
  for (const [k, v] of Object.entries(labels)) argv.push('--label', `${k}=${v}`);
  argv.push(...hardening, '--workdir', d.workdir, ...mountFlags, '--env-file', opts.envFile, d.image, ...KEEPALIVE);
  return { name, argv, configHash, labels, mounts, runAs: user.runAs, env, blockedEnv: blocked };
}
