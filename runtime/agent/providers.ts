// Which model a `provider/model` ref means: base URL, wire API and key. Built-in provider ids need
// only a key (or, for local servers, nothing); `models.providers.<id>` overrides or adds providers in
// upstream's shape. Inside a container, local servers default to host.docker.internal.
import fs from 'node:fs';
import path from 'node:path';
import { OpenclawError } from '../../lib/errors.js';
import { resolveSecret } from '../gateway/secrets.js';
import type { OpenclawConfig } from '../config/schema.js';

export type WireApi = 'openai-completions' | 'anthropic-messages';

interface BuiltIn {
  api: WireApi;
  baseUrl: string;
  env: string[];
  /** A server on the user's machine: no key needed, and in a container it is the host's. */
  local?: boolean;
}

export const BUILT_IN_PROVIDERS: Record<string, BuiltIn> = {
  openai: { api: 'openai-completions', baseUrl: 'https://api.openai.com/v1', env: ['OPENAI_API_KEY'] },
  anthropic: { api: 'anthropic-messages', baseUrl: 'https://api.anthropic.com', env: ['ANTHROPIC_API_KEY'] },
  groq: { api: 'openai-completions', baseUrl: 'https://api.groq.com/openai/v1', env: ['GROQ_API_KEY'] },
  openrouter: { api: 'openai-completions', baseUrl: 'https://openrouter.ai/api/v1', env: ['OPENROUTER_API_KEY'] },
  ollama: { api: 'openai-completions', baseUrl: 'http://127.0.0.1:11434/v1', env: ['OLLAMA_API_KEY'], local: true },
  lmstudio: { api: 'openai-completions', baseUrl: 'http://127.0.0.1:1234/v1', env: ['LMSTUDIO_API_KEY', 'LM_STUDIO_API_KEY'], local: true },
  vllm: { api: 'openai-completions', baseUrl: 'http://127.0.0.1:8000/v1', env: ['VLLM_API_KEY'], local: true },
};

export interface ResolvedModel {
  /** `provider/model` as configured. */
  ref: string;
  provider: string;
  model: string;
  name: string;
  api: WireApi;
  baseUrl: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  maxTokens: number | undefined;
}

export interface ProviderEnv {
  env: Record<string, string | undefined>;
  inContainer: boolean;
  stateDir: string;
  agentId: string;
}

type ProviderConfig = NonNullable<NonNullable<NonNullable<OpenclawConfig['models']>['providers']>[string]>;

export function splitRef(ref: string): { provider: string; model: string } | undefined {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return undefined;
  return { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}

function localUrl(url: string, inContainer: boolean): string {
  return inContainer ? url.replace('//127.0.0.1:', '//host.docker.internal:') : url;
}

/** Keys from `auth.profiles` (config) and `<state>/agents/<id>/agent/auth-profiles.json`, in `auth.order` order. */
function profileKey(config: OpenclawConfig, provider: string, penv: ProviderEnv): string | undefined {
  const candidates: Array<{ id: string; key: string | undefined }> = [];
  for (const [id, p] of Object.entries(config.auth?.profiles ?? {})) {
    if (p.provider === provider) candidates.push({ id, key: resolveSecret(p.apiKey, `auth.profiles.${id}.apiKey`, penv.env) });
  }
  const file = path.join(penv.stateDir, 'agents', penv.agentId, 'agent', 'auth-profiles.json');
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { profiles?: Record<string, { provider?: string; key?: string; apiKey?: string }> };
    for (const [id, p] of Object.entries(stored.profiles ?? {})) {
      if (p.provider === provider && !candidates.some((c) => c.id === id && c.key)) candidates.push({ id, key: p.key ?? p.apiKey });
    }
  } catch {
    // no stored profiles: fine
  }
  const order = config.auth?.order?.[provider] ?? [];
  candidates.sort((a, b) => rank(order, a.id) - rank(order, b.id));
  return candidates.find((c) => c.key)?.key;
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? order.length : i;
}

export function resolveModel(ref: string, config: OpenclawConfig, penv: ProviderEnv): ResolvedModel {
  const parts = splitRef(ref);
  if (!parts) throw new OpenclawError(`model '${ref}' is not in provider/model form`, { code: 'MODEL_REF', hint: 'e.g. openai/gpt-4o-mini or anthropic/claude-sonnet-4-5' });
  const { provider, model } = parts;
  const configured: ProviderConfig | undefined = config.models?.providers?.[provider];
  const builtIn = BUILT_IN_PROVIDERS[provider];
  if (!configured && !builtIn) {
    throw new OpenclawError(`unknown model provider '${provider}' in '${ref}'`, {
      code: 'UNKNOWN_PROVIDER',
      hint: `add models.providers.${provider} with baseUrl and api, or use one of ${Object.keys(BUILT_IN_PROVIDERS).join(', ')}`,
    });
  }
  const api = (configured?.api ?? builtIn?.api) as WireApi | undefined;
  if (api !== 'openai-completions' && api !== 'anthropic-messages') {
    throw new OpenclawError(`models.providers.${provider}.api: '${String(api)}' is not supported`, { code: 'UNSUPPORTED_API', hint: 'use "openai-completions" or "anthropic-messages"' });
  }
  const baseUrl = configured?.baseUrl ?? (builtIn ? (builtIn.local ? localUrl(builtIn.baseUrl, penv.inContainer) : builtIn.baseUrl) : undefined);
  if (!baseUrl) throw new OpenclawError(`models.providers.${provider}.baseUrl is not set`, { code: 'NO_BASE_URL' });
  const envKeys = builtIn?.env ?? [`${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`];
  const apiKey =
    resolveSecret(configured?.apiKey, `models.providers.${provider}.apiKey`, penv.env) ??
    profileKey(config, provider, penv) ??
    envKeys.map((k) => penv.env[k]).find((v) => v);
  const entry = configured?.models?.find((m) => m.id === model);
  return {
    ref,
    provider,
    model,
    name: entry?.name ?? model,
    api,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey,
    headers: { ...(configured?.headers ?? {}) },
    maxTokens: entry?.maxTokens,
  };
}

/** Whether a model could be called at all: remote providers need a key. */
export function missingKey(m: ResolvedModel): string | undefined {
  if (m.apiKey) return undefined;
  const builtIn = BUILT_IN_PROVIDERS[m.provider];
  if (builtIn?.local) return undefined;
  if (!builtIn && /\/\/(127\.|localhost|\[::1\]|host\.docker\.internal)/.test(m.baseUrl)) return undefined;
  const env = builtIn?.env[0] ?? `${m.provider.toUpperCase()}_API_KEY`;
  return `no API key for provider '${m.provider}' (set ${env}, models.providers.${m.provider}.apiKey or an auth profile)`;
}

/** Every model the config names: provider catalogs plus the agents' primary and fallbacks. */
export function listModels(config: OpenclawConfig, refs: string[]): Array<{ id: string; name: string; provider: string; ref: string }> {
  const seen = new Map<string, { id: string; name: string; provider: string; ref: string }>();
  for (const [provider, p] of Object.entries(config.models?.providers ?? {})) {
    for (const m of p.models ?? []) if (m.id) seen.set(`${provider}/${m.id}`, { id: m.id, name: m.name ?? m.id, provider, ref: `${provider}/${m.id}` });
  }
  for (const ref of refs) {
    const parts = splitRef(ref);
    if (parts && !seen.has(ref)) seen.set(ref, { id: parts.model, name: parts.model, provider: parts.provider, ref });
  }
  return [...seen.values()];
}
