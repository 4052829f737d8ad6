// The live check of a model provider: list its models with the key, with a short deadline. The
// result is one sentence a person can act on; the key is never part of it.
import type { WireApi } from '../agent/providers.js';

export interface CheckResult {
  ok: boolean;
  /** ok | rejected | unreachable | timeout | unexpected */
  outcome: 'ok' | 'rejected' | 'unreachable' | 'timeout' | 'unexpected';
  status?: number;
  models: string[];
  url: string;
  message: string;
}

export function modelsUrl(api: WireApi, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  // Anthropic base URLs stop before /v1 (the client appends /v1/messages); OpenAI-style ones include it.
  return api === 'anthropic-messages' ? `${base}/v1/models` : `${base}/models`;
}

export async function checkProvider(api: WireApi, baseUrl: string, apiKey: string | undefined, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CheckResult> {
  const url = modelsUrl(api, baseUrl);
  const timeoutMs = options.timeoutMs ?? (Number(process.env.OPENCLAW_ONBOARD_CHECK_TIMEOUT_MS) || 5000);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiKey) {
    if (api === 'anthropic-messages') headers['x-api-key'] = apiKey;
    else headers.authorization = `Bearer ${apiKey}`;
  }
  if (api === 'anthropic-messages') headers['anthropic-version'] = '2023-06-01';
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: 'error' });
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason ?? err;
    if (timeout.aborted) return { ok: false, outcome: 'timeout', models: [], url, message: `no answer from ${url} within ${Math.round(timeoutMs / 100) / 10} s` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : cause?.code === 'ENOTFOUND' ? 'host not found' : (cause?.code ?? cause?.message ?? (err as Error).message);
    return { ok: false, outcome: 'unreachable', models: [], url, message: `cannot reach ${url}: ${why}` };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 401 || res.status === 403) {
    return { ok: false, outcome: 'rejected', status: res.status, models: [], url, message: `${apiKey ? 'the key was rejected' : 'a key is required'} (HTTP ${res.status} from ${url})` };
  }
  if (!res.ok) {
    const hint = res.status === 404 ? ': is the base URL right? OpenAI-style URLs usually end in /v1' : '';
    return { ok: false, outcome: 'unexpected', status: res.status, models: [], url, message: `HTTP ${res.status} from ${url}${hint}` };
  }
  let models: string[] = [];
  try {
    const body = JSON.parse(text) as { data?: Array<{ id?: unknown }>; models?: Array<{ id?: unknown; name?: unknown }> };
    const list = body.data ?? body.models ?? [];
    models = list.map((m) => (m as { id?: unknown }).id ?? (m as { name?: unknown }).name).filter((id): id is string => typeof id === 'string');
  } catch {
    return { ok: false, outcome: 'unexpected', status: res.status, models: [], url, message: `${url} answered, but not with a JSON model list: is this an OpenAI-compatible server?` };
  }
  return { ok: true, outcome: 'ok', status: res.status, models, url, message: `${apiKey ? 'key accepted' : 'server reachable'}, ${models.length} model${models.length === 1 ? '' : 's'} available` };
}
