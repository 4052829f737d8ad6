// Which tools an agent may call. Global `tools.{allow,alsoAllow,deny}`; a per-agent list replaces
// the global one; in a sandboxed session `tools.sandbox.tools` narrows further. Deny always wins;
// an unset or empty allow list means every built-in tool. Globs (`sessions_*`) and `group:*` work.
import type { ToolPolicy } from '../config/schema-agents.js';

export const TOOL_GROUPS: Record<string, string[]> = {
  'group:fs': ['read', 'write', 'edit', 'apply_patch', 'ls'],
  'group:runtime': ['exec', 'process'],
  'group:sessions': ['sessions_list', 'sessions_history', 'sessions_send', 'sessions_spawn', 'session_status'],
};
TOOL_GROUPS['group:openclaw'] = Object.values(TOOL_GROUPS).flat();

function expand(names: string[]): string[] {
  return names.flatMap((n) => TOOL_GROUPS[n.toLowerCase()] ?? [n.toLowerCase()]);
}

function matches(pattern: string, tool: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === tool;
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(tool);
}

/** One layer of policy applied to a candidate list. */
export function applyPolicy(tools: string[], policy: ToolPolicy | undefined): string[] {
  if (!policy) return tools;
  const deny = expand(policy.deny ?? []);
  const allow = policy.allow && policy.allow.length > 0 ? expand([...policy.allow, ...(policy.alsoAllow ?? [])]) : undefined;
  return tools.filter((t) => !deny.some((d) => matches(d, t)) && (!allow || allow.some((a) => matches(a, t))));
}

export interface PolicyLayers {
  global?: ToolPolicy | undefined;
  agent?: ToolPolicy | undefined;
  sandbox?: ToolPolicy | undefined;
}

function hasLists(p: ToolPolicy | undefined): p is ToolPolicy {
  return !!p && (p.allow !== undefined || p.deny !== undefined || p.alsoAllow !== undefined);
}

export function effectiveTools(all: string[], layers: PolicyLayers): string[] {
  const base = hasLists(layers.agent) ? layers.agent : layers.global;
  let tools = applyPolicy(all, base);
  if (layers.sandbox) tools = applyPolicy(tools, layers.sandbox);
  return tools;
}
