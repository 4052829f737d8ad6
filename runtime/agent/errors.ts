// A model call that failed, with what the retry layer needs: may it be retried, after how long,
// and did any output reach the user before it failed (then it must not be silently replayed).

import type { HeaderLookup } from './http.js';

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly options: { status?: number; retryable: boolean; retryAfterMs?: number; afterOutput?: boolean; aborted?: boolean } = { retryable: false },
  ) {
    super(message);
    this.name = 'ProviderError';
  }
  get status(): number | undefined {
    return this.options.status;
  }
  get retryable(): boolean {
    return this.options.retryable;
  }
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function retryAfterMs(headers: HeaderLookup, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Turn a non-2xx response into a ProviderError naming the provider's own message. */
export async function httpError(res: { status: number; headers: HeaderLookup; text(): Promise<string> }, label: string): Promise<ProviderError> {
  let detail = '';
  try {
    const text = (await res.text()).slice(0, 2000);
    try {
      const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
      detail = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? text);
    } catch {
      detail = text;
    }
  } catch {
    // body unreadable: the status says enough
  }
  const status = res.status;
  const retryable = status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
  const after = retryAfterMs(res.headers);
  return new ProviderError(`${label}: HTTP ${status}${detail ? `: ${detail.trim().slice(0, 300)}` : ''}`, {
    status,
    retryable,
    ...(after !== undefined ? { retryAfterMs: after } : {}),
  });
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err instanceof ProviderError && err.options.aborted === true));
}
