// The Docker setup's context and its commands: `docker compose` with the base file plus whichever
// generated overlays exist, and one-off CLI runs in a fresh gateway container (`run --rm
// --no-deps`), so config writes never depend on a running gateway or its network namespace.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { OpenclawError } from '../../lib/errors.js';
import { describe, mustRun, probe, type ExecOptions, type ExecResult } from '../../lib/setup/exec.js';
import { EXTRA_FILE, SANDBOX_FILE } from './overlays.js';
import type { Settings } from './settings.js';

export interface Ctx {
  repo: string;
  s: Settings;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  rebuild: boolean;
  version: string;
  /** The token (never printed) and where it came from. */
  token?: { value: string; source: string; isNew: boolean };
  /** Set when the sandbox was asked for but could not be enabled. */
  sandboxRollback?: string;
  /** The sandbox overlay and config are in place (before the post-start check). */
  sandboxOn?: boolean;
  imageHash?: string;
}

export const GATEWAY = 'openclaw-gateway';
export const CONTAINER_UID = 1000;

export const envFile = (ctx: Ctx) => path.join(ctx.repo, '.env');
export const extraFile = (ctx: Ctx) => path.join(ctx.repo, EXTRA_FILE);
export const sandboxFile = (ctx: Ctx) => path.join(ctx.repo, SANDBOX_FILE);
export const configFile = (ctx: Ctx) => path.join(ctx.s.configDir, 'openclaw.json');

/** `docker compose -f …` with the overlays that exist on disk right now. */
export function compose(ctx: Ctx, ...args: string[]): string[] {
  const files = ['docker-compose.yml', EXTRA_FILE, SANDBOX_FILE].filter((f) => f === 'docker-compose.yml' || existsSync(path.join(ctx.repo, f)));
  return ['docker', 'compose', '--project-directory', ctx.repo, ...files.flatMap((f) => ['-f', path.join(ctx.repo, f)]), ...args];
}

/** Commands run from the checkout with its .env; the token reaches compose through .env only. */
export function opts<T extends ExecOptions & { label?: string; hint?: string }>(ctx: Ctx, extra: T = {} as T): ExecOptions & T {
  return { cwd: ctx.repo, env: ctx.env, ...extra };
}

/** argv for `openclaw <args>` in a fresh gateway container (no ports, no dependencies, removed after). */
export function gatewayCli(ctx: Ctx, args: readonly string[]): string[] {
  return compose(ctx, 'run', '--rm', '--no-deps', '-T', GATEWAY, 'openclaw', ...args);
}

export function runGatewayCli(ctx: Ctx, args: readonly string[], label: string): Promise<ExecResult> {
  return mustRun(gatewayCli(ctx, args), opts(ctx, { label, timeoutMs: 5 * 60_000 }));
}

export interface ConfigEdit {
  path: string;
  value: unknown;
}

export function batchArgs(edits: readonly ConfigEdit[]): string[] {
  return ['config', 'set', '--batch-json', JSON.stringify(edits)];
}

/**
 * openclaw.json as the gateway sees it: read on the host, or (when the host user may not read the
 * uid-1000 file) through `config get --json` in a container, which redacts secrets.
 */
export async function readConfig(ctx: Ctx): Promise<{ config: Record<string, unknown>; redacted: boolean }> {
  let text: string;
  try {
    text = await fs.readFile(configFile(ctx), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: {}, redacted: false };
    if (code !== 'EACCES') throw err;
    const r = await probe(gatewayCli(ctx, ['config', 'get', '--json']), opts(ctx, { timeoutMs: 2 * 60_000 }));
    if (r.code !== 0) return { config: {}, redacted: true };
    return { config: JSON.parse(r.stdout) as Record<string, unknown>, redacted: true };
  }
  try {
    return { config: JSON5.parse(text) as Record<string, unknown>, redacted: false };
  } catch (err) {
    throw new OpenclawError(`config: ${configFile(ctx)} is not valid JSON5: ${(err as Error).message}`, { hint: 'fix the file (or move it away to start over), then re-run ./docker-setup.sh' });
  }
}

export function getPath(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The edits among `wanted` whose value differs from the current config. */
export function missingEdits(config: unknown, wanted: readonly ConfigEdit[]): ConfigEdit[] {
  return wanted.filter((e) => JSON.stringify(getPath(config, e.path)) !== JSON.stringify(e.value));
}

export const TOKEN_REF = { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' } as const;

/** Onboarding is needed unless the config already has local mode and token auth by env reference. */
export function needsOnboarding(config: unknown): boolean {
  const auth = getPath(config, 'gateway.auth') as { mode?: unknown; token?: unknown } | undefined;
  return !(getPath(config, 'gateway.mode') === 'local' && JSON.stringify(auth?.token) === JSON.stringify(TOKEN_REF) && (auth?.mode === undefined || auth.mode === 'token'));
}

/**
 * Onboarding, the one place that chooses how: `openclaw onboard --non-interactive` when the image
 * has it (asked with `openclaw help onboard` in a one-off container), else the same result seeded
 * with `config set --batch-json`. Either way token auth refers to OPENCLAW_GATEWAY_TOKEN (an env
 * SecretRef), so the token lives only in .env and is never copied into openclaw.json.
 */
export async function onboarding(ctx: Ctx, config: unknown): Promise<{ text: string; args: string[] } | undefined> {
  if (!needsOnboarding(config)) return undefined;
  const hasOnboard = (await probe(gatewayCli(ctx, ['help', 'onboard']), opts(ctx, { timeoutMs: 2 * 60_000 }))).code === 0;
  if (hasOnboard) {
    const args = ['onboard', '--non-interactive', '--mode', 'local', '--gateway-auth', 'token', '--gateway-token-ref-env', 'OPENCLAW_GATEWAY_TOKEN', ...(ctx.s.bind === 'custom' ? [] : ['--gateway-bind', ctx.s.bind]), '--no-install-daemon'];
    return { text: describe(['openclaw', ...args]), args };
  }
  const edits: ConfigEdit[] = [
    { path: 'gateway.mode', value: 'local' },
    { path: 'gateway.auth.mode', value: 'token' },
    { path: 'gateway.auth.token', value: TOKEN_REF },
  ];
  return { text: `onboard (the image has no openclaw onboard): ${describe(['openclaw', ...batchArgs(edits)])}`, args: batchArgs(edits) };
}

/** gateway.mode, gateway.bind and the loopback origins of the published port (kept: any others). */
export function seedEdits(ctx: Ctx, config: unknown): ConfigEdit[] {
  const origins = getPath(config, 'gateway.controlUi.allowedOrigins');
  const current = Array.isArray(origins) ? (origins as unknown[]).filter((o): o is string => typeof o === 'string') : [];
  const loopback = [`http://127.0.0.1:${ctx.s.port}`, `http://localhost:${ctx.s.port}`];
  const merged = [...current, ...loopback.filter((o) => !current.includes(o))];
  return missingEdits(config, [
    { path: 'gateway.mode', value: 'local' },
    { path: 'gateway.bind', value: ctx.s.bind },
    { path: 'gateway.controlUi.allowedOrigins', value: merged },
  ]);
}

/** The sandbox settings for a gateway in a container using the host engine through its socket. */
export function sandboxEdits(ctx: Ctx): ConfigEdit[] {
  return [
    { path: 'agents.defaults.sandbox.mode', value: 'non-main' },
    { path: 'agents.defaults.sandbox.backend', value: 'docker' },
    { path: 'agents.defaults.sandbox.scope', value: 'agent' },
    { path: 'agents.defaults.sandbox.workspaceAccess', value: 'none' },
    // Mount sources must be host paths: the engine resolves them on the host, not in the gateway.
    { path: 'agents.defaults.sandbox.hostStateDir', value: ctx.s.configDir },
    { path: 'agents.defaults.sandbox.hostWorkspaceDir', value: ctx.s.workspaceDir },
    { path: 'agents.defaults.sandbox.docker.image', value: ctx.s.sandboxImage },
  ];
}
