// Which tools a sandboxed agent may use: `tools.sandbox.tools.{allow,alsoAllow,deny}` globally, or
// per agent (a per-agent list replaces the global one). Deny wins; `allow: []` allows everything;
// unset allow = the default list plus alsoAllow. Globs (`sessions_*`) and `group:*` work.
import type { OpenclawConfig } from '../config/schema.js';
import type { ToolPolicy } from '../config/schema-agents.js';

export const DEFAULT_ALLOW = ['exec', 'process', 'read', 'ls', 'write', 'edit', 'apply_patch', 'view_image', 'sessions_list', 'sessions_history', 'sessions_search', 'sessions_send', 'sessions_spawn', 'sessions_yield', 'subagents', 'session_status'];
export const CHANNEL_IDS = ['telegram', 'whatsapp', 'discord', 'slack', 'signal', 'imessage', 'irc', 'googlechat', 'msteams', 'matrix', 'mattermost', 'nextcloud-talk', 'nostr', 'line', 'feishu', 'zalo', 'zalouser', 'twitch', 'tlon', 'bluebubbles', 'voice-call', 'webchat', 'email', 'sms', 'rocketchat', 'synology-chat'];
export const DEFAULT_DENY = ['browser', 'canvas', 'computer', 'mobile_ui', 'nodes', 'automations', 'gateway', ...CHANNEL_IDS];
export const TOOL_GROUPS: Record<string, string[]> = {
  'group:fs': ['read', 'write', 'edit', 'apply_patch', 'ls'],
  'group:runtime': ['exec', 'process'],
  'group:sessions': ['sessions_list', 'sessions_history', 'sessions_search', 'sessions_send', 'sessions_spawn', 'sessions_yield', 'subagents', 'session_status'],
  'group:ui': ['browser', 'canvas', 'computer', 'mobile_ui'],
};

export interface EffectivePolicy {
  allow: string[];
  deny: string[];
  /** Where each list came from, for `sandbox explain`. */
  sources: { allow: string; deny: string };
}

function matcher(patterns: string[]): (tool: string) => boolean {
  const res = patterns.flatMap((p) => TOOL_GROUPS[p] ?? [p]).map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'));
  return (tool) => res.some((re) => re.test(tool));
}

export function effectivePolicy(config: OpenclawConfig, agentId: string): EffectivePolicy {
  const listEntry = (config.agents?.list ?? []).find((e) => e.id === agentId);
  const own: ToolPolicy | undefined = listEntry?.tools?.sandbox?.tools ?? config.agents?.entries?.[agentId]?.tools?.sandbox?.tools;
  const global: ToolPolicy | undefined = config.tools?.sandbox?.tools;
  const pick = <K extends keyof ToolPolicy>(k: K): { v: ToolPolicy[K]; src: string } =>
    own?.[k] !== undefined ? { v: own[k], src: `agents.list[${agentId}].tools.sandbox.tools.${k}` } : global?.[k] !== undefined ? { v: global[k], src: `tools.sandbox.tools.${k}` } : { v: undefined, src: 'default' };
  const allow = pick('allow');
  const also = pick('alsoAllow');
  const deny = pick('deny');
  let allowList = allow.v === undefined ? [...DEFAULT_ALLOW, ...(also.v ?? [])] : allow.v.length === 0 ? ['*'] : [...allow.v, ...(also.v ?? [])];
  let denyList = deny.v ?? DEFAULT_DENY;
  // An explicit allow lifts a default deny, but never an explicit one.
  if (deny.v === undefined && (allow.v?.length || also.v?.length)) {
    const lifted = matcher([...(allow.v ?? []), ...(also.v ?? [])]);
    denyList = denyList.filter((t) => !lifted(t));
  }
  allowList = [...new Set(allowList)];
  return { allow: allowList, deny: denyList, sources: { allow: allow.src, deny: deny.src } };
}

export function isToolAllowed(policy: EffectivePolicy, tool: string): boolean {
  if (matcher(policy.deny)(tool)) return false;
  return matcher(policy.allow)(tool);
}
