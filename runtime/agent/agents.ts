// Agents and routing: `agents.list[]` (or the newer `agents.entries.<id>`) merged over
// `agents.defaults`, the default agent, session keys (`agent:<id>:main` is an agent's main
// session), and `bindings` that pick the agent for a channel message (most specific match wins).
import os from 'node:os';
import path from 'node:path';
import type { OpenclawConfig } from '../config/schema.js';
import type { Binding, ToolPolicy } from '../config/schema-agents.js';

export interface AgentSettings {
  id: string;
  name: string;
  default: boolean;
  workspace: string;
  models: string[];
  maxConcurrent: number;
  sandboxMode: 'off' | 'non-main' | 'all';
  tools: ToolPolicy | undefined;
  sandboxTools: ToolPolicy | undefined;
  maxSteps: number;
}

export const DEFAULT_AGENT_ID = 'main';
export const DEFAULT_MAX_CONCURRENT = 4;
export const DEFAULT_MAX_STEPS = 24;

type Entry = NonNullable<NonNullable<OpenclawConfig['agents']>['defaults']> & { id?: string; default?: boolean };

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

function modelsOf(model: Entry['model']): string[] | undefined {
  if (model === undefined) return undefined;
  if (typeof model === 'string') return [model];
  return [...(model.primary ? [model.primary] : []), ...(model.fallbacks ?? [])];
}

function sandboxModeOf(sandbox: unknown): AgentSettings['sandboxMode'] | undefined {
  const mode = (sandbox as { mode?: unknown } | undefined)?.mode;
  return mode === 'off' || mode === 'non-main' || mode === 'all' ? mode : undefined;
}

function entries(config: OpenclawConfig): Entry[] {
  const list: Entry[] = [...(config.agents?.list ?? [])];
  for (const [id, e] of Object.entries(config.agents?.entries ?? {})) if (!list.some((x) => x.id === id)) list.push({ ...e, id });
  return list.filter((e) => typeof e.id === 'string');
}

export function listAgents(config: OpenclawConfig, stateDir: string, defaultWorkspace: string): AgentSettings[] {
  const defaults: Entry = config.agents?.defaults ?? {};
  const list = entries(config);
  if (list.length === 0) list.push({ id: DEFAULT_AGENT_ID });
  const defaultId = (list.find((e) => e.default) ?? list[0]!).id!;
  return list.map((e) => {
    const id = e.id!;
    const isDefault = id === defaultId;
    const workspace = e.workspace ?? (isDefault ? (defaults.workspace ?? defaultWorkspace) : path.join(stateDir, `workspace-${id}`));
    return {
      id,
      name: e.name ?? id,
      default: isDefault,
      workspace: path.resolve(expandHome(workspace)),
      models: modelsOf(e.model) ?? modelsOf(defaults.model) ?? [],
      maxConcurrent: e.maxConcurrent ?? defaults.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      sandboxMode: sandboxModeOf(e.sandbox) ?? sandboxModeOf(defaults.sandbox) ?? 'off',
      tools: e.tools ?? undefined,
      sandboxTools: e.tools?.sandbox?.tools ?? config.tools?.sandbox?.tools,
      maxSteps: DEFAULT_MAX_STEPS,
    };
  });
}

export function defaultAgent(agents: AgentSettings[]): AgentSettings {
  return agents.find((a) => a.default) ?? agents[0]!;
}

export const SESSION_KEY_RE = /^agent:([a-z0-9][a-z0-9_-]{0,63}):([^\s\u0000-\u001f]{1,200})$/;

/** `main` means the default agent's main session; a bare name is scoped to the given agent. */
export function canonicalSessionKey(key: string | undefined, agentId: string): string {
  if (!key || key === 'main') return `agent:${agentId}:main`;
  if (key.startsWith('agent:')) return key;
  return `agent:${agentId}:${key}`;
}

export function parseSessionKey(key: string): { agentId: string; rest: string } | undefined {
  const m = SESSION_KEY_RE.exec(key);
  return m ? { agentId: m[1]!, rest: m[2]! } : undefined;
}

export function isMainSession(key: string): boolean {
  return parseSessionKey(key)?.rest === 'main';
}

/** `sandbox.mode`: off, all, or non-main (every session except the agent's main one). */
export function isSandboxed(agent: AgentSettings, sessionKey: string): boolean {
  return agent.sandboxMode === 'all' || (agent.sandboxMode === 'non-main' && !isMainSession(sessionKey));
}

export interface InboundRoute {
  channel: string;
  accountId?: string;
  peer?: { kind?: string; id?: string };
  guildId?: string;
  teamId?: string;
}

/** Pick the agent for a channel message: peer > guild/team > account > channel-wide > default. */
export function routeAgent(bindings: Binding[] | undefined, route: InboundRoute, fallback: string): { agentId: string; binding?: Binding } {
  let best: { score: number; binding: Binding } | undefined;
  for (const b of bindings ?? []) {
    const m = b.match;
    if (!m || !b.agentId || m.channel !== route.channel) continue;
    if (m.accountId !== undefined && m.accountId !== '*' && m.accountId !== route.accountId) continue;
    if (m.peer && (m.peer.kind !== route.peer?.kind || m.peer.id !== route.peer?.id)) continue;
    if (m.guildId !== undefined && m.guildId !== route.guildId) continue;
    if (m.teamId !== undefined && m.teamId !== route.teamId) continue;
    const score = (m.peer ? 8 : 0) + (m.guildId || m.teamId ? 4 : 0) + (m.accountId && m.accountId !== '*' ? 2 : 0) + 1;
    if (!best || score > best.score) best = { score, binding: b };
  }
  return best ? { agentId: best.binding.agentId!, binding: best.binding } : { agentId: fallback };
}
