// `agents.*` and `tools.*`: the agent list, per-agent overrides and tool policy. Sandbox settings
// live in schema-sandbox.ts and model settings in schema-models.ts so each can grow on its own.
import { array, boolean, integer, object, opaque, record, string, union, type Infer } from './schema-dsl.js';
import { sandboxSchema } from './schema-sandbox.js';

/** `tools.sandbox.tools` and per-agent `tools`: deny wins; an empty allow list allows everything. */
export const toolPolicySchema = object({
  allow: array(string()),
  alsoAllow: array(string()),
  deny: array(string()),
});

// Per-agent `tools` is the global `tools` minus the gateway-wide sections.
const agentToolProps = {
  allow: array(string()),
  alsoAllow: array(string()),
  deny: array(string()),
  sandbox: object({ tools: toolPolicySchema }),
  elevated: opaque(),
  exec: opaque(),
  profile: opaque(),
};
const agentTools = object(agentToolProps);

/** `provider/model`, or `{ primary, fallbacks }`. */
export const agentModelSchema = union(string({ minLength: 1 }), object({ primary: string({ minLength: 1 }), fallbacks: array(string({ minLength: 1 })) }));

// Upstream agent keys this gateway keeps but does not act on yet; listing them keeps existing
// configs valid while a typo in a key we do act on is still an error.
const UPSTREAM_AGENT_KEYS = [
  'repoRoot', 'cwd', 'skills', 'skipBootstrap', 'contextInjection', 'bootstrapMaxChars', 'bootstrapTotalMaxChars',
  'models', 'imageModel', 'thinkingDefault', 'verboseDefault', 'elevatedDefault', 'reasoningDefault', 'timeoutSeconds',
  'mediaMaxMb', 'heartbeat', 'subagents', 'contextTokens', 'compaction', 'contextPruning', 'blockStreamingDefault',
  'blockStreamingBreak', 'blockStreamingChunk', 'humanDelay', 'typingMode', 'typingIntervalSeconds', 'userTimezone',
  'timeFormat', 'memorySearch', 'cliBackends', 'envelopeTimestamp', 'envelopeElapsed', 'imageMaxDimensionPx',
  'groupChat', 'identity', 'agentDir', 'params', 'runtime', 'embeddedPi', 'utilityModel',
] as const;
const upstreamAgentKeys = Object.fromEntries(UPSTREAM_AGENT_KEYS.map((k) => [k, opaque()])) as { [K in (typeof UPSTREAM_AGENT_KEYS)[number]]: ReturnType<typeof opaque> };

const agentSettings = {
  ...upstreamAgentKeys,
  name: string(),
  workspace: string({ minLength: 1 }),
  model: agentModelSchema,
  maxConcurrent: integer(1, 1000),
  sandbox: sandboxSchema,
  tools: agentTools,
};

export const agentEntrySchema = object({
  id: string({ pattern: /^[a-z0-9][a-z0-9_-]{0,63}$/, patternHint: 'an agent id (lowercase letters, digits, - and _)' }),
  default: boolean(),
  ...agentSettings,
});

export const agentsSchema = object({
  defaults: object(agentSettings),
  list: array(agentEntrySchema),
  /** The 2026.9.6 shape: `agents.entries.<id>` instead of `agents.list[]`. */
  entries: record(object({ default: boolean(), ...agentSettings })),
});

export const toolsSchema = object({
  ...agentToolProps,
  web: opaque(),
  media: opaque(),
  byProvider: opaque(),
  agentToAgent: opaque(),
  message: opaque(),
  links: opaque(),
  loopDetection: opaque(),
});

export type AgentsConfig = Infer<typeof agentsSchema>;
export type AgentEntry = Infer<typeof agentEntrySchema>;
export type ToolPolicy = Infer<typeof toolPolicySchema>;

/** `bindings[]`: which agent answers a channel message; the most specific match wins. */
export const bindingSchema = object({
  agentId: string({ minLength: 1 }),
  match: object({
    channel: string({ minLength: 1 }),
    accountId: string(),
    peer: object({ kind: string(), id: string() }),
    guildId: string(),
    teamId: string(),
  }),
  comment: string(),
});
export const bindingsSchema = array(bindingSchema);
export type Binding = Infer<typeof bindingSchema>;
