// From flags, environment and config to the settings the server runs with. Every refusal here is a
// deployment mistake, so it exits 78 (systemd will not restart-loop on it) and names the fix.
import fs from 'node:fs';
import { EXIT, OpenclawError, UsageError } from '../../lib/errors.js';
import type { OpenclawConfig, AuthMode, BindMode } from '../config/schema.js';
import { AUTH_MODES, BIND_MODES } from '../config/schema.js';
import { DEFAULT_LOCKOUT, type AuthSettings } from './auth.js';
import { resolveBind } from './bind.js';
import type { RuntimeSettings } from './context.js';
import { defaultOrigins } from './ws/origin.js';
import { HANDSHAKE_TIMEOUT_MS, MAX_BUFFERED_BYTES, MAX_PAYLOAD, MAX_PREAUTH_PAYLOAD, TICK_INTERVAL_MS } from './ws/protocol.js';
import { resolveSecret } from './secrets.js';

export const DEFAULT_PORT = 18789;

export interface GatewayFlags {
  port?: string | undefined;
  bind?: string | undefined;
  auth?: string | undefined;
  token?: string | undefined;
  password?: string | undefined;
  passwordFile?: string | undefined;
}

export interface ResolvedSettings {
  settings: RuntimeSettings;
  /** Token mode on loopback with no token anywhere: the caller generates and saves one. */
  needsToken: boolean;
}

type Env = Record<string, string | undefined>;

function refuse(message: string, hint: string): never {
  throw new OpenclawError(message, { exitCode: EXIT.CONFIG, code: 'REFUSED', hint });
}

export function parsePort(value: string | number | undefined, source: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    const err = new UsageError(`${source}: invalid port '${text}'`, 'use a number from 0 to 65535');
    throw source.startsWith('--') ? err : new OpenclawError(err.message, { exitCode: EXIT.CONFIG, ...(err.hint ? { hint: err.hint } : {}) });
  }
  return Number(text);
}

function envInt(env: Env, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) refuse(`${name}: expected a whole number >= ${min}, got '${v}'`, `unset ${name} or fix its value`);
  return Number(v);
}

export function resolveSettings(flags: GatewayFlags, config: OpenclawConfig, env: Env, inContainer: boolean): ResolvedSettings {
  const gw = config.gateway ?? {};
  const port = parsePort(flags.port, '--port') ?? parsePort(env.OPENCLAW_GATEWAY_PORT, 'OPENCLAW_GATEWAY_PORT') ?? gw.port ?? DEFAULT_PORT;

  if (flags.bind !== undefined && !(BIND_MODES as readonly string[]).includes(flags.bind)) {
    throw new UsageError(`--bind: invalid mode '${flags.bind}'`, `use one of ${BIND_MODES.join('|')}`);
  }
  const bindMode = (flags.bind as BindMode | undefined) ?? gw.bind ?? 'loopback';
  const bind = resolveBind(bindMode, gw.customBindHost, inContainer);

  if (flags.auth !== undefined && !(AUTH_MODES as readonly string[]).includes(flags.auth)) {
    throw new UsageError(`--auth: invalid mode '${flags.auth}'`, `use one of token|password|none`);
  }
  let password = flags.password;
  if (password === undefined && flags.passwordFile !== undefined) {
    try {
      password = fs.readFileSync(flags.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new UsageError(`--password-file: cannot read ${flags.passwordFile}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  password = password || env.OPENCLAW_GATEWAY_PASSWORD || resolveSecret(gw.auth?.password, 'gateway.auth.password', env);
  const token = flags.token || env.OPENCLAW_GATEWAY_TOKEN || resolveSecret(gw.auth?.token, 'gateway.auth.token', env);
  const mode: AuthMode = (flags.auth as AuthMode | undefined) ?? gw.auth?.mode ?? (password && !token ? 'password' : 'token');
  const where = `${bind.mode} (${bind.hosts.join(', ')}:${port})`;
  const secretHint = 'set OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD (environment or ~/.openclaw/.env), or pass --token/--password';

  if (mode === 'trusted-proxy') refuse('auth mode trusted-proxy is not supported by this gateway', 'use token or password auth behind your proxy');
  if (mode === 'none' && !bind.loopbackOnly) refuse(`refusing to bind gateway to ${where} without auth`, secretHint);
  if (mode === 'password' && !password) {
    refuse('gateway auth is set to password, but no password is configured', 'set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password-file');
  }
  let needsToken = false;
  if (mode === 'token' && !token) {
    if (!bind.loopbackOnly) refuse(`refusing to bind gateway to ${where} without auth`, secretHint);
    needsToken = true;
  }
  const auth: AuthSettings = { mode, ...(token ? { token } : {}), ...(password ? { password } : {}) };

  const allowedOrigins = allowedOriginsFor(config, port);
  return {
    needsToken,
    settings: {
      port,
      bind,
      auth,
      lockout: { ...DEFAULT_LOCKOUT, ...gw.auth?.rateLimit },
      allowedOrigins,
      controlUiEnabled: gw.controlUi?.enabled ?? true,
      limits: {
        maxPreauthPayload: MAX_PREAUTH_PAYLOAD,
        maxPayload: MAX_PAYLOAD,
        maxBufferedBytes: MAX_BUFFERED_BYTES,
        handshakeTimeoutMs: envInt(env, 'OPENCLAW_HANDSHAKE_TIMEOUT_MS', 1) ?? gw.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
        tickIntervalMs: envInt(env, 'OPENCLAW_TICK_INTERVAL_MS', 1) ?? gw.tickIntervalMs ?? TICK_INTERVAL_MS,
        heartbeatMs: envInt(env, 'OPENCLAW_WS_HEARTBEAT_MS', 1) ?? 25_000,
      },
    },
  };
}

/** Configured origins plus the loopback ones for the port actually bound (not 0). */
export function allowedOriginsFor(config: OpenclawConfig, port: number): string[] {
  return [...new Set([...(config.gateway?.controlUi?.allowedOrigins ?? []), ...(port > 0 ? defaultOrigins(port) : [])])];
}
