// The shape of openclaw.json. Keys mirror upstream OpenClaw so existing configs keep working.
// Sections this gateway does not act on yet are accepted as-is (`opaque`) and listed by `doctor`;
// anything else unknown is an error, so a typo never silently falls back to a default.
import { agentsSchema, bindingsSchema, toolsSchema } from './schema-agents.js';
import { authSchema, modelsSchema } from './schema-models.js';
import { array, boolean, integer, object, oneOf, opaque, record, secret, string, union, type Infer } from './schema-dsl.js';

/** `{ source: "env", provider: "default", id: "OPENCLAW_GATEWAY_TOKEN" }`: a secret kept outside the file. */
export const secretRef = object({
  source: oneOf('env', 'file', 'exec'),
  provider: string(),
  id: string({ minLength: 1 }),
});
export type SecretRef = Infer<typeof secretRef>;
const secretInput = () => secret(union(string(), secretRef));

export const BIND_MODES = ['loopback', 'lan', 'auto', 'custom', 'tailnet'] as const;
export type BindMode = (typeof BIND_MODES)[number];
export const AUTH_MODES = ['none', 'token', 'password', 'trusted-proxy'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const gateway = object({
  mode: oneOf('local', 'remote'),
  port: integer(1, 65535),
  bind: oneOf(...BIND_MODES),
  customBindHost: string({ pattern: /^(\d{1,3}\.){3}\d{1,3}$|:/, patternHint: 'an IPv4 or IPv6 address' }),
  auth: object({
    mode: oneOf(...AUTH_MODES),
    token: secretInput(),
    password: secretInput(),
    allowTailscale: boolean(),
    rateLimit: object({
      maxAttempts: integer(1),
      windowMs: integer(1),
      lockoutMs: integer(0),
      exemptLoopback: boolean(),
    }),
  }),
  controlUi: object({
    enabled: boolean(),
    basePath: string(),
    allowedOrigins: array(string({ minLength: 1 })),
    dangerouslyAllowHostHeaderOriginFallback: boolean(),
  }),
  trustedProxies: array(string()),
  remote: object({
    url: string({ pattern: /^wss?:\/\//, patternHint: 'a ws:// or wss:// URL' }),
    token: secretInput(),
    password: secretInput(),
    tlsFingerprint: string(),
  }),
  reload: object({ mode: oneOf('off', 'hot', 'restart', 'hybrid'), debounceMs: integer(0) }),
  handshakeTimeoutMs: integer(100, 600_000),
  tickIntervalMs: integer(100, 3_600_000),
  tls: opaque(),
  tailscale: opaque(),
  http: opaque(),
  nodes: opaque(),
  tools: opaque(),
});

const logging = object({
  level: oneOf(...LOG_LEVELS),
  consoleLevel: oneOf(...LOG_LEVELS),
  file: string({ minLength: 1 }),
  maxFileBytes: integer(4096),
  redactSensitive: oneOf('off', 'tools'),
});

/** Upstream top-level sections this gateway accepts but does not act on yet. */
export const PASSTHROUGH_SECTIONS = [
  'meta', 'wizard', 'diagnostics', 'update', 'telemetry', 'browser', 'ui', 'secrets', 'accessGroups',
  'acp', 'nodeHost', 'worktreeRoot', 'worktreeAcceleration', 'security',
  'broadcast', 'attachments', 'messages', 'tts', 'commands', 'approvals', 'session', 'cron',
  'transcripts', 'hooks', 'channels', 'discovery', 'talk', 'cloudWorkers', 'desktop', 'memory', 'mcp',
  'skills', 'plugins', 'surfaces', 'proxy',
] as const;

const passthrough = Object.fromEntries(PASSTHROUGH_SECTIONS.map((k) => [k, opaque()])) as {
  [K in (typeof PASSTHROUGH_SECTIONS)[number]]: ReturnType<typeof opaque>;
};

export const configSchema = object({
  $schema: string(),
  ...passthrough,
  // `env` values are usually API keys: treat the whole block as secret for `config get`.
  env: secret(record(union(string(), record(string())))),
  gateway,
  agents: agentsSchema,
  models: modelsSchema,
  bindings: bindingsSchema,
  auth: authSchema,
  tools: toolsSchema,
  logging,
});

export type OpenclawConfig = Infer<typeof configSchema>;
export type GatewayConfig = NonNullable<OpenclawConfig['gateway']>;
