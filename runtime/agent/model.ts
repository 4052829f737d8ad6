// One model turn with retries and fallbacks: a 429/5xx (or a connection that drops before any
// output) is retried with exponential backoff, honouring retry-after; when a model keeps failing,
// or fails in a way a retry cannot fix, the next model in the list gets the turn. Once text has
// reached the user a failure is final: replaying it would show the user a second, different answer.
import { streamAnthropic } from './anthropic.js';
import { isAbort, ProviderError } from './errors.js';
import { streamOpenAI } from './openai.js';
import { missingKey, type ResolvedModel } from './providers.js';
import type { ModelRequest, OnText, TurnOutput } from './types.js';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A retry-after longer than this moves on to the next model instead of waiting. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };

export interface AttemptFailure {
  model: ResolvedModel;
  attempt: number;
  error: ProviderError;
  next: 'retry' | 'fallback' | 'fail';
  delayMs?: number;
}

export interface TurnHooks {
  onAttempt?(model: ResolvedModel, attempt: number): void;
  onFailure?(failure: AttemptFailure): void;
}

export function callModel(model: ResolvedModel, req: ModelRequest, onText: OnText): Promise<TurnOutput> {
  return model.api === 'anthropic-messages' ? streamAnthropic(model, req, onText) : streamOpenAI(model, req, onText);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ProviderError('aborted', { retryable: false, aborted: true }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ProviderError('aborted', { retryable: false, aborted: true }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exp / 2 + (random() * exp) / 2); // "equal jitter": never less than half
}

function asProviderError(err: unknown, model: ResolvedModel): ProviderError {
  if (err instanceof ProviderError) return err;
  if (isAbort(err)) return new ProviderError(`${model.ref}: aborted`, { retryable: false, aborted: true });
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new ProviderError(`${model.ref}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { retryable: true });
}

/**
 * Run one turn on the first model that answers: its text goes to `onText` as it streams; resolves
 * with that model and what it returned. Throws the last error when every model failed.
 */
export async function runTurn(models: ResolvedModel[], req: ModelRequest, onText: OnText, hooks: TurnHooks = {}, policy: RetryPolicy = DEFAULT_RETRY): Promise<{ model: ResolvedModel; output: TurnOutput }> {
  let last: ProviderError | undefined;
  for (const [i, model] of models.entries()) {
    const isLast = i === models.length - 1;
    const keyProblem = missingKey(model);
    if (keyProblem) {
      last = new ProviderError(`${model.ref}: ${keyProblem}`, { retryable: false });
      hooks.onFailure?.({ model, attempt: 0, error: last, next: isLast ? 'fail' : 'fallback' });
      continue;
    }
    for (let attempt = 0; ; attempt++) {
      hooks.onAttempt?.(model, attempt);
      let emitted = false;
      try {
        const output = await callModel(model, req, (text) => {
          emitted = true;
          onText(text);
        });
        return { model, output };
      } catch (raw) {
        const err = asProviderError(raw, model);
        if (err.options.aborted || req.signal?.aborted) throw new ProviderError(`${model.ref}: aborted`, { retryable: false, aborted: true, afterOutput: emitted });
        if (emitted || err.options.afterOutput) {
          hooks.onFailure?.({ model, attempt, error: err, next: 'fail' });
          throw err;
        }
        last = err;
        const wait = err.options.retryAfterMs ?? backoffMs(policy, attempt);
        const retry = err.retryable && attempt < policy.maxRetries && wait <= policy.maxRetryAfterMs;
        hooks.onFailure?.({ model, attempt, error: err, next: retry ? 'retry' : isLast ? 'fail' : 'fallback', ...(retry ? { delayMs: wait } : {}) });
        if (!retry) break;
        await sleep(wait, req.signal);
      }
    }
  }
  throw last ?? new ProviderError('no model configured', { retryable: false });
}
