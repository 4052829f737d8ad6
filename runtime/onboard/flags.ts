// `openclaw onboard` flags. Names follow upstream's onboard so the Docker and Podman setups (and
// people's muscle memory) can call us unchanged; flags upstream has but that mean nothing for this
// gateway (--skip-ui, --accept-risk, ...) are accepted and ignored rather than refused.
import { parseFlags, parseIntFlag } from '../../lib/args.js';
import { UsageError } from '../../lib/errors.js';
import type { BindMode } from '../config/schema.js';

export const USAGE =
  'onboard [--non-interactive] [--mode local] [--gateway-bind loopback|lan|auto|tailnet] [--gateway-port PORT] ' +
  '[--gateway-auth token|password] [--gateway-token TOKEN | --gateway-token-ref-env VAR] [--gateway-password PASSWORD] ' +
  '[--workspace DIR] [--provider ID [--api-key-env VAR] [--base-url URL] [--model MODEL] [--skip-check]] ' +
  '[--sandbox off|non-main|all] [--install-daemon | --no-install-daemon] [--reset --yes] [--json]';

const OPTIONS = {
  'non-interactive': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  reset: { type: 'boolean' },
  json: { type: 'boolean' },
  mode: { type: 'string' },
  'gateway-bind': { type: 'string' },
  'gateway-port': { type: 'string' },
  'gateway-auth': { type: 'string' },
  'gateway-token': { type: 'string' },
  'gateway-token-ref-env': { type: 'string' },
  'gateway-password': { type: 'string' },
  workspace: { type: 'string' },
  provider: { type: 'string' },
  'api-key-env': { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  'skip-check': { type: 'boolean' },
  sandbox: { type: 'string' },
  'install-daemon': { type: 'boolean' },
  'no-install-daemon': { type: 'boolean' },
  'skip-daemon': { type: 'boolean' },
  'daemon-runtime': { type: 'string' },
  'secret-input-mode': { type: 'string' },
  flow: { type: 'string' },
  // Upstream flags for parts this gateway does not have; accepted so callers need no special case.
  'accept-risk': { type: 'boolean' },
  'skip-ui': { type: 'boolean' },
  'skip-health': { type: 'boolean' },
  'skip-channels': { type: 'boolean' },
  'skip-skills': { type: 'boolean' },
  'skip-hooks': { type: 'boolean' },
  'skip-search': { type: 'boolean' },
  'skip-bootstrap': { type: 'boolean' },
  'suppress-gateway-token-output': { type: 'boolean' },
} as const;

export const ONBOARD_BINDS = ['loopback', 'lan', 'auto', 'tailnet'] as const satisfies readonly BindMode[];
export const SANDBOX_MODES = ['off', 'non-main', 'all'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export interface OnboardFlags {
  nonInteractive: boolean;
  yes: boolean;
  reset: boolean;
  json: boolean;
  mode?: 'local';
  bind?: BindMode;
  port?: number;
  auth?: 'token' | 'password';
  token?: string;
  tokenRefEnv?: string;
  password?: string;
  workspace?: string;
  provider?: string;
  apiKeyEnv?: string;
  baseUrl?: string;
  model?: string;
  skipCheck: boolean;
  sandbox?: SandboxMode;
  /** undefined: not said (interactive asks; non-interactive does not install). */
  installDaemon?: boolean;
}

function oneOf<T extends string>(value: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`onboard: ${flag}: invalid value '${value}'`, `use one of ${allowed.join('|')}`);
  return value as T;
}

export function envName(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!ENV_NAME.test(value)) throw new UsageError(`onboard: ${flag}: '${value}' is not an environment variable name`, 'use capitals, digits and _, e.g. OPENAI_API_KEY');
  return value;
}

export function parseOnboardFlags(argv: string[]): OnboardFlags {
  const { values: v } = parseFlags(argv, OPTIONS, USAGE, false);
  if (v.mode === 'remote') throw new UsageError('onboard: --mode remote is not supported: this toolkit sets up a gateway on this machine', 'use --mode local; point clients at another gateway with OPENCLAW_GATEWAY_URL');
  const mode = oneOf(v.mode, '--mode', ['local'] as const);
  if (v['install-daemon'] && (v['no-install-daemon'] || v['skip-daemon'])) throw new UsageError('onboard: --install-daemon and --no-install-daemon are exclusive');
  if (v['gateway-token'] !== undefined && v['gateway-token-ref-env'] !== undefined) {
    throw new UsageError('onboard: --gateway-token and --gateway-token-ref-env are exclusive', 'give the token through the variable: export VAR=...; --gateway-token-ref-env VAR');
  }
  for (const flag of ['gateway-token', 'gateway-password'] as const) {
    const value = v[flag];
    if (value !== undefined && (value === '' || /\s/.test(value))) throw new UsageError(`onboard: --${flag}: must be non-empty without spaces or newlines`);
  }
  if (v['daemon-runtime'] !== undefined && v['daemon-runtime'] !== 'node') throw new UsageError(`onboard: --daemon-runtime: only 'node' is supported, got '${v['daemon-runtime']}'`);
  if (v['secret-input-mode'] !== undefined && v['secret-input-mode'] !== 'ref') {
    throw new UsageError(`onboard: --secret-input-mode: only 'ref' is supported, got '${v['secret-input-mode']}'`, 'secrets always go to ~/.openclaw/.env and openclaw.json refers to them');
  }
  oneOf(v.flow, '--flow', ['quickstart', 'advanced', 'manual'] as const);
  if (v['base-url'] !== undefined && !/^https?:\/\/[^\s/]+/.test(v['base-url'])) throw new UsageError(`onboard: --base-url: '${v['base-url']}' is not an http:// or https:// URL`);
  const provider = v.provider === 'openai-compatible' ? 'custom' : v.provider;
  for (const flag of ['api-key-env', 'base-url', 'model'] as const) {
    if (v[flag] !== undefined && (provider === undefined || provider === 'none')) throw new UsageError(`onboard: --${flag} needs --provider`, 'e.g. --provider openai --api-key-env OPENAI_API_KEY');
  }
  return {
    nonInteractive: v['non-interactive'] === true,
    yes: v.yes === true,
    reset: v.reset === true,
    json: v.json === true,
    mode,
    bind: oneOf(v['gateway-bind'], '--gateway-bind', ONBOARD_BINDS),
    port: parseIntFlag(v['gateway-port'], '--gateway-port', 1, 65535),
    auth: oneOf(v['gateway-auth'], '--gateway-auth', ['token', 'password'] as const),
    token: v['gateway-token'],
    tokenRefEnv: envName(v['gateway-token-ref-env'], '--gateway-token-ref-env'),
    password: v['gateway-password'],
    workspace: v.workspace,
    provider,
    apiKeyEnv: envName(v['api-key-env'], '--api-key-env'),
    baseUrl: v['base-url']?.replace(/\/+$/, ''),
    model: v.model,
    skipCheck: v['skip-check'] === true,
    sandbox: oneOf(v.sandbox, '--sandbox', SANDBOX_MODES),
    installDaemon: v['install-daemon'] ? true : v['no-install-daemon'] || v['skip-daemon'] ? false : undefined,
  };
}
