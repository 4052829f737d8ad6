// Where client commands connect and with which credentials: --url, then OPENCLAW_GATEWAY_URL, then
// gateway.remote.url, then the local gateway (its real port read from the state-dir lock).
import { OpenclawError, UsageError } from '../../lib/errors.js';
import { resolvePaths } from '../../lib/paths.js';
import { isLoopbackAddress } from '../gateway/bind.js';
import { probeLock } from '../gateway/lock.js';
import { resolveSecret } from '../gateway/secrets.js';
import { DEFAULT_PORT, parsePort } from '../gateway/settings.js';
import { loadConfig } from '../config/load.js';

export interface TargetFlags {
  url?: string | undefined;
  token?: string | undefined;
  password?: string | undefined;
  timeout?: string | undefined;
}

export interface Target {
  url: string;
  token?: string | undefined;
  password?: string | undefined;
  timeoutMs: number;
  local: boolean;
}

export const TARGET_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  password: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const TARGET_USAGE = '[--url ws://HOST:PORT] [--token TOKEN | --password PASSWORD] [--timeout MS]';

export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env, defaultTimeoutMs = 10_000): Promise<Target> {
  const timeoutMs = flags.timeout === undefined ? defaultTimeoutMs : Number(flags.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout: expected milliseconds, got '${flags.timeout}'`);
  const paths = resolvePaths(env);
  let config;
  try {
    config = (await loadConfig(paths.configPath, env)).config;
  } catch {
    config = {}; // a broken config must not stop `openclaw health` from reaching a running gateway
  }
  let url = flags.url ?? env.OPENCLAW_GATEWAY_URL ?? config.gateway?.remote?.url;
  const local = url === undefined;
  if (url === undefined) {
    let port = parsePort(env.OPENCLAW_GATEWAY_PORT, 'OPENCLAW_GATEWAY_PORT') ?? config.gateway?.port ?? DEFAULT_PORT;
    try {
      const lock = await probeLock(paths.lockSocket, Math.min(timeoutMs, 1000));
      if (lock.state === 'held' && lock.owner?.port) port = lock.owner.port;
    } catch {
      // an unreadable lock just means we fall back to the configured port
    }
    url = `ws://127.0.0.1:${port}`;
  }
  checkUrl(url, env);
  const remote = config.gateway?.remote;
  const fromConfig = (v: Parameters<typeof resolveSecret>[0], key: string) => {
    try {
      return resolveSecret(v, key, env);
    } catch {
      return undefined;
    }
  };
  const token = flags.token ?? env.OPENCLAW_GATEWAY_TOKEN ?? (local ? fromConfig(config.gateway?.auth?.token, 'gateway.auth.token') : flags.url ? undefined : fromConfig(remote?.token, 'gateway.remote.token'));
  const password = flags.password ?? env.OPENCLAW_GATEWAY_PASSWORD ?? (local ? fromConfig(config.gateway?.auth?.password, 'gateway.auth.password') : flags.url ? undefined : fromConfig(remote?.password, 'gateway.remote.password'));
  return { url, token, password, timeoutMs, local };
}

function checkUrl(url: string, env: NodeJS.ProcessEnv): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`gateway URL '${url}' is not a valid URL`, 'use ws://127.0.0.1:18789 or wss://host/');
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new UsageError(`gateway URL '${url}' must start with ws:// or wss://`);
  if (parsed.protocol === 'ws:' && !isLoopbackAddress(parsed.hostname) && env.OPENCLAW_ALLOW_INSECURE_PRIVATE_WS !== '1') {
    throw new OpenclawError(`refusing plaintext ws:// to non-loopback address ${parsed.host}: the token would cross the network unencrypted`, {
      hint: 'use wss:// (TLS) or an SSH tunnel; OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 overrides on a trusted network',
    });
  }
}
