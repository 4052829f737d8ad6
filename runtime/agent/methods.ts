// WS methods for chat and agents: chat.send (streams `chat` and `agent` events), chat.history,
// chat.abort, sessions.list, sessions.get, agents.list, models.list. One AgentRuntime per running
// gateway, created on first use. Chat events go to the connections that sent into, or read, that
// session (not to every client), each frame with the connection's own `seq`.
import type { ClientInfo, GatewayContext } from '../gateway/context.js';
import { detectContainer } from '../gateway/bind.js';
import type { Method } from '../gateway/ws/methods.js';
import { invalidRequest, RpcError } from '../gateway/ws/protocol.js';
import { OpenclawError } from '../../lib/errors.js';
import { missingKey, listModels, resolveModel } from './providers.js';
import { AgentRuntime, RuntimeError, type Emit } from './runtime.js';
import { DEFAULT_RETRY } from './model.js';
import { SandboxHosts } from './sandbox-host.js';
import { AGENT_METHOD_SCOPES } from './method-scopes.js';

interface Hub {
  runtime: AgentRuntime;
  /** sessionKey -> connIds that get its events. */
  subscribers: Map<string, Set<string>>;
}

const hubs = new WeakMap<GatewayContext, Hub>();

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function hubFor(gw: GatewayContext): Hub {
  let hub = hubs.get(gw);
  if (hub) return hub;
  const subscribers = new Map<string, Set<string>>();
  const emit: Emit = (sessionKey, event, payload) => {
    const subs = subscribers.get(sessionKey);
    if (!subs) return;
    for (const connId of subs) {
      const client = gw.clients.get(connId);
      if (!client) subs.delete(connId);
      else if (client.sendEvent) client.sendEvent(event, payload);
      else return gw.broadcast(event, payload); // a gateway without per-client delivery
    }
    if (subs.size === 0) subscribers.delete(sessionKey);
  };
  const runtime = new AgentRuntime({
    stateDir: gw.paths.stateDir,
    defaultWorkspace: gw.paths.workspaceDir,
    config: () => gw.config.config,
    env: process.env,
    inContainer: detectContainer() !== undefined,
    logger: gw.logger,
    emit,
    sandbox: new SandboxHosts(() => ({ config: gw.config.config, hash: gw.config.hash }), gw.logger),
    retry: {
      ...DEFAULT_RETRY,
      baseDelayMs: envInt('OPENCLAW_MODEL_RETRY_BASE_MS') ?? DEFAULT_RETRY.baseDelayMs,
      maxRetries: envInt('OPENCLAW_MODEL_MAX_RETRIES') ?? DEFAULT_RETRY.maxRetries,
    },
  });
  hubs.set(gw, (hub = { runtime, subscribers }));
  return hub;
}

function subscribe(hub: Hub, sessionKey: string, client: ClientInfo): void {
  let set = hub.subscribers.get(sessionKey);
  if (!set) hub.subscribers.set(sessionKey, (set = new Set()));
  set.add(client.connId);
}

function obj(params: unknown, method: string, allowed: string[]): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw invalidRequest(`invalid ${method} params: must be object`);
  for (const key of Object.keys(params)) if (!allowed.includes(key)) throw invalidRequest(`invalid ${method} params: at root: unexpected property '${key}'`);
  return params as Record<string, unknown>;
}

function optString(p: Record<string, unknown>, key: string, method: string): string | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw invalidRequest(`invalid ${method} params: ${key} must be a non-empty string`);
  return v;
}

/** Runtime and config errors become INVALID_REQUEST with the runtime's code in details. */
async function guard<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RuntimeError || err instanceof OpenclawError) throw invalidRequest(err.message, { code: err.code });
    throw err;
  }
}

function historyMessages(records: Awaited<ReturnType<AgentRuntime['history']>>['records'], limit: number): unknown[] {
  const out: unknown[] = [];
  for (const r of records) {
    if (r.type === 'message') out.push({ ...r.message, id: r.id, ts: r.ts, ...(r.runId ? { runId: r.runId } : {}) });
    else if (r.kind === 'run_error' || r.kind === 'aborted') out.push({ role: 'event', kind: r.kind, id: r.id, ts: r.ts, runId: r.runId, ...(r.error ? { error: r.error } : {}) });
  }
  return out.slice(-limit);
}

export const AGENT_METHODS: Record<string, Method> = {
  'chat.send': {
    scopes: [...AGENT_METHOD_SCOPES['chat.send']!],
    handler: (params, { gateway, client }) =>
      guard(async () => {
        const p = obj(params, 'chat.send', ['sessionKey', 'agentId', 'message', 'idempotencyKey', 'model', 'thinking', 'deliver', 'attachments', 'timeoutMs']);
        if (typeof p.message !== 'string' || p.message.trim() === '') throw invalidRequest("invalid chat.send params: must have required property 'message' (a non-empty string)");
        const hub = hubFor(gateway);
        const sessionKey = optString(p, 'sessionKey', 'chat.send');
        const agentId = optString(p, 'agentId', 'chat.send');
        const route = hub.runtime.route(sessionKey, agentId);
        subscribe(hub, route.sessionKey, client); // before the run can emit anything
        const model = optString(p, 'model', 'chat.send');
        const idempotencyKey = optString(p, 'idempotencyKey', 'chat.send');
        return hub.runtime.send({ sessionKey: route.sessionKey, message: p.message, ...(idempotencyKey ? { idempotencyKey } : {}), ...(model ? { model } : {}) });
      }),
  },
  'chat.history': {
    scopes: [...AGENT_METHOD_SCOPES['chat.history']!],
    handler: (params, { gateway, client }) =>
      guard(async () => {
        const p = obj(params, 'chat.history', ['sessionKey', 'agentId', 'limit', 'subscribe']);
        const hub = hubFor(gateway);
        const route = hub.runtime.route(optString(p, 'sessionKey', 'chat.history'), optString(p, 'agentId', 'chat.history'));
        if (p.subscribe !== false) subscribe(hub, route.sessionKey, client);
        const limit = typeof p.limit === 'number' && p.limit > 0 ? Math.min(p.limit, 5000) : 200;
        const h = await hub.runtime.history(route.sessionKey);
        return { sessionKey: route.sessionKey, sessionId: h.info?.sessionId ?? null, messages: historyMessages(h.records, limit), activeRuns: hub.runtime.activeRuns(route.sessionKey).map((r) => r.runId) };
      }),
  },
  'chat.abort': {
    scopes: [...AGENT_METHOD_SCOPES['chat.abort']!],
    handler: (params, { gateway }) =>
      guard(() => {
        const p = obj(params, 'chat.abort', ['sessionKey', 'runId', 'agentId']);
        const hub = hubFor(gateway);
        const route = hub.runtime.route(optString(p, 'sessionKey', 'chat.abort'), optString(p, 'agentId', 'chat.abort'));
        const runIds = hub.runtime.abort(route.sessionKey, optString(p, 'runId', 'chat.abort'));
        return { ok: true, aborted: runIds.length > 0, runIds };
      }),
  },
  'sessions.list': {
    scopes: [...AGENT_METHOD_SCOPES['sessions.list']!],
    handler: (params, { gateway }) =>
      guard(async () => {
        const p = obj(params, 'sessions.list', ['agentId', 'limit']);
        const hub = hubFor(gateway);
        const agentId = optString(p, 'agentId', 'sessions.list');
        const agents = agentId ? [hub.runtime.agent(agentId)] : hub.runtime.agents();
        const active = new Set(hub.runtime.activeRuns().map((r) => r.sessionKey));
        const all = (await Promise.all(agents.map((a) => hub.runtime.store.list(a.id)))).flat().sort((a, b) => b.updatedAt - a.updatedAt);
        const limit = typeof p.limit === 'number' && p.limit > 0 ? p.limit : 500;
        return {
          count: all.length,
          sessions: all.slice(0, limit).map((s) => ({ key: s.sessionKey, sessionId: s.sessionId, agentId: s.agentId, createdAt: s.createdAt, updatedAt: s.updatedAt, title: s.title ?? null, active: active.has(s.sessionKey) })),
        };
      }),
  },
  'sessions.get': {
    scopes: [...AGENT_METHOD_SCOPES['sessions.get']!],
    handler: (params, { gateway }) =>
      guard(async () => {
        const p = obj(params, 'sessions.get', ['key', 'sessionKey', 'agentId', 'limit']);
        const hub = hubFor(gateway);
        const key = optString(p, 'key', 'sessions.get') ?? optString(p, 'sessionKey', 'sessions.get');
        if (!key) throw invalidRequest("invalid sessions.get params: must have required property 'key'");
        const route = hub.runtime.route(key, optString(p, 'agentId', 'sessions.get'));
        const h = await hub.runtime.history(route.sessionKey);
        if (!h.info) throw new RpcError('INVALID_REQUEST', `no session ${route.sessionKey}`, { code: 'SESSION_NOT_FOUND' });
        const limit = typeof p.limit === 'number' && p.limit > 0 ? p.limit : 200;
        return {
          key: route.sessionKey,
          sessionId: h.info.sessionId,
          agentId: h.info.agentId,
          file: h.info.file,
          createdAt: h.info.createdAt,
          updatedAt: h.info.updatedAt,
          title: h.info.title ?? null,
          messageCount: h.records.filter((r) => r.type === 'message').length,
          tornBytes: h.tornBytes,
          activeRuns: hub.runtime.activeRuns(route.sessionKey).map((r) => r.runId),
          messages: historyMessages(h.records, limit),
        };
      }),
  },
  'agents.list': {
    scopes: [...AGENT_METHOD_SCOPES['agents.list']!],
    handler: (_params, { gateway }) =>
      guard(() => {
        const agents = hubFor(gateway).runtime.agents();
        return {
          defaultId: agents.find((a) => a.default)?.id ?? agents[0]?.id,
          mainKey: 'main',
          agents: agents.map((a) => ({ id: a.id, name: a.name, default: a.default, workspace: a.workspace, model: { primary: a.models[0] ?? null, fallbacks: a.models.slice(1) }, maxConcurrent: a.maxConcurrent, sandbox: { mode: a.sandboxMode } })),
        };
      }),
  },
  'models.list': {
    scopes: [...AGENT_METHOD_SCOPES['models.list']!],
    handler: (_params, { gateway }) =>
      guard(() => {
        const hub = hubFor(gateway);
        const config = gateway.config.config;
        const agents = hub.runtime.agents();
        const models = listModels(config, agents.flatMap((a) => a.models)).map((m) => {
          let reason: string | undefined;
          try {
            reason = missingKey(resolveModel(m.ref, config, { env: process.env, inContainer: false, stateDir: gateway.paths.stateDir, agentId: agents[0]!.id }));
          } catch (err) {
            reason = (err as Error).message;
          }
          return { ...m, available: !reason, ...(reason ? { reason } : {}) };
        });
        return { models, defaults: { primary: agents.find((a) => a.default)?.models[0] ?? null, fallbacks: agents.find((a) => a.default)?.models.slice(1) ?? [] }};
      }),
  },
};
