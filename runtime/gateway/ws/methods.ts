// RPC methods available after `connect`. Each names the scopes it needs; the connection checks them
// before calling, so a handler only does its one job.
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { loadJson5 } from '../../../lib/cjs.js';

const JSON5 = loadJson5();
import type { ClientInfo, GatewayContext } from '../context.js';
import { invalidRequest, RpcError } from './protocol.js';
import { parseKeyPath } from '../../config/keypath.js';
import { applyEdits, redactConfig } from '../../config/store.js';
import { loadConfig } from '../../config/load.js';
import { OpenclawError } from '../../../lib/errors.js';
import { AGENT_METHOD_SCOPES } from '../../agent/method-scopes.js';
import { DEVICE_METHODS } from './device-methods.js';

export interface MethodContext {
  gateway: GatewayContext;
  client: ClientInfo;
}

export interface Method {
  scopes: string[];
  handler: (params: unknown, ctx: MethodContext) => unknown;
}

function obj(params: unknown, method: string): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw invalidRequest(`invalid ${method} params: must be object`);
  return params as Record<string, unknown>;
}

function onlyKeys(p: Record<string, unknown>, allowed: string[], method: string): void {
  for (const key of Object.keys(p)) if (!allowed.includes(key)) throw invalidRequest(`invalid ${method} params: at root: unexpected property '${key}'`);
}

export function healthPayload(gw: GatewayContext, started = performance.now()): Record<string, unknown> {
  return {
    ok: true,
    status: 'live',
    ts: Date.now(),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    uptimeMs: Date.now() - gw.startedAt,
    version: gw.version,
    phase: gw.phase,
    ready: gw.phase === 'started',
    channels: {},
    defaultAgentId: 'main',
    agents: [],
  };
}

function statusPayload(gw: GatewayContext): Record<string, unknown> {
  const s = gw.settings;
  return {
    ok: true,
    version: gw.version,
    bootId: gw.bootId,
    pid: process.pid,
    phase: gw.phase,
    startedAt: new Date(gw.startedAt).toISOString(),
    uptimeMs: Date.now() - gw.startedAt,
    bind: { mode: s.bind.mode, hosts: s.bind.hosts, port: s.port, loopbackOnly: s.bind.loopbackOnly },
    auth: { mode: s.auth.mode },
    controlUi: { enabled: s.controlUiEnabled, allowedOrigins: s.allowedOrigins },
    stateDir: gw.paths.stateDir,
    configPath: gw.config.path,
    config: { exists: gw.config.exists, hash: gw.config.hash },
    connections: gw.clients.size,
    runtime: { node: process.version, platform: process.platform, arch: process.arch, rssBytes: process.memoryUsage.rss() },
    logFile: gw.logger.filePath ?? null,
  };
}

export function presencePayload(gw: GatewayContext): unknown[] {
  const self = { host: os.hostname(), version: gw.version, mode: 'gateway', reason: 'self', platform: process.platform, ts: Date.now() };
  const clients = [...gw.clients.values()].map((c) => ({
    host: c.displayName ?? c.clientId,
    version: c.version,
    platform: c.platform,
    mode: c.mode,
    reason: 'connect',
    clientId: c.clientId,
    instanceId: c.instanceId,
    ts: c.connectedAt,
  }));
  return [self, ...clients];
}

async function configGet(gw: GatewayContext): Promise<unknown> {
  let valid = true;
  let issues: string[] = [];
  let loaded = gw.config;
  try {
    loaded = await loadConfig(gw.config.path);
  } catch (err) {
    valid = false;
    issues = err instanceof OpenclawError ? err.message.replace(/^config: /, '').split('\n  ') : [String(err)];
  }
  return { path: loaded.path, exists: loaded.exists, valid, hash: loaded.hash, config: redactConfig(loaded.raw), issues };
}

function checkBaseHash(gw: GatewayContext, baseHash: unknown): void {
  if (baseHash === undefined) return;
  if (typeof baseHash !== 'string') throw invalidRequest('invalid params: baseHash must be a string');
  if (baseHash !== gw.config.hash) {
    throw invalidRequest('config changed since it was read; reload it and retry', { code: 'CONFIG_BASE_HASH_MISMATCH', currentHash: gw.config.hash });
  }
}

async function apply(gw: GatewayContext, raw: Record<string, unknown>): Promise<unknown> {
  try {
    const result = await gw.applyConfig(raw);
    return { ok: true, path: gw.config.path, hash: result.hash, restartRequired: result.restartRequired.length > 0, restartKeys: result.restartRequired };
  } catch (err) {
    if (err instanceof OpenclawError) throw invalidRequest(err.message, { code: err.code });
    throw err;
  }
}

/** JSON merge patch (RFC 7396): objects merge, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

async function tailLogs(gw: GatewayContext, params: Record<string, unknown>): Promise<unknown> {
  onlyKeys(params, ['cursor', 'limit', 'maxBytes'], 'logs.tail');
  const file = gw.logger.filePath;
  const limit = Math.min(Math.max(Number(params.limit ?? 200) | 0, 1), 5000);
  const maxBytes = Math.min(Math.max(Number(params.maxBytes ?? 250_000) | 0, 1), 5_000_000);
  if (!file) return { file: null, cursor: 0, size: 0, lines: [], truncated: false, reset: false };
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    let cursor = typeof params.cursor === 'number' && params.cursor >= 0 ? params.cursor : undefined;
    const reset = cursor !== undefined && cursor > size; // the file was rotated under us
    if (cursor === undefined || reset) cursor = Math.max(0, size - maxBytes);
    const length = Math.min(size - cursor, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, cursor);
    let text = buf.toString('utf8');
    let start = cursor;
    if (cursor > 0 && params.cursor === undefined) {
      const nl = text.indexOf('\n'); // drop the partial first line
      text = text.slice(nl + 1);
      start += nl + 1;
    }
    const complete = text.lastIndexOf('\n') + 1;
    const lines = text.slice(0, complete).split('\n').filter(Boolean);
    const truncated = lines.length > limit || cursor + length < size;
    return { file, cursor: start + Buffer.byteLength(text.slice(0, complete)), size, lines: lines.slice(-limit), truncated, reset };
  } finally {
    await handle.close();
  }
}

// The agent runtime (providers, sessions, sandbox hosts) loads on the first agent call, so a
// gateway that only serves ops traffic starts without it.
const AGENT_METHODS_LAZY: Record<string, Method> = Object.fromEntries(
  Object.entries(AGENT_METHOD_SCOPES).map(([name, scopes]) => [
    name,
    { scopes: [...scopes], handler: async (params, ctx) => (await import('../../agent/methods.js')).AGENT_METHODS[name]!.handler(params, ctx) },
  ]),
);

export const METHODS: Record<string, Method> = {
  ...AGENT_METHODS_LAZY,
  ...DEVICE_METHODS,
  health: { scopes: [], handler: (_p, { gateway }) => healthPayload(gateway) },
  status: { scopes: ['operator.read'], handler: (_p, { gateway }) => statusPayload(gateway) },
  'system-presence': { scopes: ['operator.read'], handler: (_p, { gateway }) => presencePayload(gateway) },
  'logs.tail': { scopes: ['operator.read'], handler: (p, { gateway }) => tailLogs(gateway, obj(p, 'logs.tail')) },
  'config.get': { scopes: ['operator.admin'], handler: (_p, { gateway }) => configGet(gateway) },
  'config.set': {
    scopes: ['operator.admin'],
    handler: async (params, { gateway }) => {
      const p = obj(params, 'config.set');
      onlyKeys(p, ['path', 'value', 'raw', 'baseHash'], 'config.set');
      checkBaseHash(gateway, p.baseHash);
      if (typeof p.raw === 'string') {
        let raw: unknown;
        try {
          raw = JSON5.parse(p.raw);
        } catch (err) {
          throw invalidRequest(`invalid config.set params: raw: ${(err as Error).message}`);
        }
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest('invalid config.set params: raw must be a JSON5 object');
        return apply(gateway, raw as Record<string, unknown>);
      }
      if (typeof p.path !== 'string') throw invalidRequest("invalid config.set params: must have required property 'path' (or 'raw')");
      if (!('value' in p)) throw invalidRequest("invalid config.set params: must have required property 'value'");
      let path;
      try {
        path = parseKeyPath(p.path);
      } catch (err) {
        throw invalidRequest((err as Error).message);
      }
      return apply(gateway, applyEdits(gateway.config.raw, [{ path, value: p.value }]));
    },
  },
  'config.patch': {
    scopes: ['operator.admin'],
    handler: async (params, { gateway }) => {
      const p = obj(params, 'config.patch');
      onlyKeys(p, ['patch', 'raw', 'baseHash'], 'config.patch');
      checkBaseHash(gateway, p.baseHash);
      let patch = p.patch;
      if (typeof p.raw === 'string') {
        try {
          patch = JSON5.parse(p.raw);
        } catch (err) {
          throw invalidRequest(`invalid config.patch params: raw: ${(err as Error).message}`);
        }
      }
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw invalidRequest("invalid config.patch params: 'patch' must be an object");
      return apply(gateway, mergePatch(gateway.config.raw, patch) as Record<string, unknown>);
    },
  },
};

const METHOD_NAMES = Object.keys(METHODS).sort();

/** Every method name, sorted (computed once: hello-ok sends it on every connect). */
export function methodNames(): string[] {
  return METHOD_NAMES;
}

export { RpcError };
