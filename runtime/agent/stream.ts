// The part of reading a model's streamed reply that both wire formats share: SSE events parsed
// in the socket's own data callback, the text each network read completed handed over as one
// piece (before anything in that read that ends or fails the stream, so the consumer sees the same
// text in the same order), and socket failures turned into ProviderErrors that say whether the
// turn may be retried: never once text has reached the user.
import { ProviderError } from './errors.js';
import type { StreamResponse } from './http.js';
import { SseParser, type SseEvent } from './sse.js';
import type { OnText } from './types.js';

export class StreamState {
  /** Text parsed from the current read, not handed over yet. */
  text = '';
  /** Some text was handed over. */
  emitted = false;
  /** The provider said the reply is complete; later events are ignored. */
  done = false;
  /** The provider reported an error in the stream; thrown after this read's text is handed over. */
  failure: ProviderError | undefined;

  constructor(private readonly onText: OnText) {}

  /** Text reached, or is about to reach, the user. */
  get hasOutput(): boolean {
    return this.emitted || this.text !== '';
  }

  /** Hand over this read's text; throw a reported failure; say whether the stream is done. */
  deliver(): boolean {
    if (this.text) {
      this.emitted = true;
      const t = this.text;
      this.text = '';
      this.onText(t);
    }
    if (this.failure) throw this.failure;
    return this.done;
  }
}

/**
 * Feed a streamed response through `onEvent` until the provider says it is done or the body ends.
 * `retryable` says whether a broken connection before any text may be retried (not once a tool
 * call has started, for instance).
 */
export async function pumpSse(res: StreamResponse, opts: { label: string; signal?: AbortSignal; retryable: () => boolean }, state: StreamState, onEvent: (ev: SseEvent) => void): Promise<void> {
  const parser = new SseParser((ev) => {
    if (!state.done && !state.failure) onEvent(ev);
  });
  const aborted = () => new ProviderError(`${opts.label}: aborted`, { retryable: false, aborted: true, afterOutput: state.emitted });
  try {
    await res.consume((chunk) => {
      parser.push(chunk);
      return state.deliver();
    });
    if (!state.done) {
      parser.end();
      state.deliver();
    }
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    if ((err as Error).name === 'AbortError' || opts.signal?.aborted) throw aborted();
    throw new ProviderError(`${opts.label}: stream failed: ${(err as Error).message}`, { retryable: !state.emitted && opts.retryable(), afterOutput: state.emitted });
  }
  if (opts.signal?.aborted) throw aborted();
}
