// Server-Sent Events from a response body: split on blank lines, join `data:` lines, keep `event:`.
// Works on bytes so a multi-byte character split across network chunks is decoded whole.
// readSseBatches yields every event that one network read completed, together: the providers
// handle a burst of tokens with one pass through the generator chain instead of one per token.

export interface SseEvent {
  event: string;
  data: string;
}

const CR = 13;
const COLON = 58;
const SPACE = 32;

export async function* readSseBatches(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent[]> {
  const decoder = new TextDecoder();
  // A fetch body (WHATWG stream) or a node stream (the providers' own HTTP client).
  let next: () => Promise<IteratorResult<Uint8Array>>;
  let cancel: () => Promise<unknown>;
  let release = () => {};
  if ('getReader' in body) {
    const reader = body.getReader();
    next = () => reader.read() as Promise<IteratorResult<Uint8Array>>;
    cancel = () => reader.cancel();
    release = () => reader.releaseLock();
  } else {
    const it = body[Symbol.asyncIterator]();
    next = () => it.next();
    const destroy = (body as { destroy?: () => void }).destroy?.bind(body);
    cancel = async () => (destroy ? destroy() : it.return?.());
  }
  const onAbort = () => void cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let buf = '';
  let event = '';
  let data: string[] = [];
  let finished = false;
  const take = (): SseEvent => {
    const ev = { event: event || 'message', data: data.length === 1 ? data[0]! : data.join('\n') };
    event = '';
    data = [];
    return ev;
  };
  try {
    for (;;) {
      const { value, done } = await next();
      if (done) {
        finished = true;
        break;
      }
      buf += decoder.decode(value, { stream: true });
      let out: SseEvent[] | undefined;
      let start = 0;
      let nl: number;
      // Lines are read in place (no re-slicing of the buffer per line); the rest is kept once.
      while ((nl = buf.indexOf('\n', start)) >= 0) {
        let end = nl;
        if (end > start && buf.charCodeAt(end - 1) === CR) end--;
        if (end === start) {
          if (data.length > 0) (out ??= []).push(take());
          else event = '';
        } else if (buf.charCodeAt(start) !== COLON) {
          // `field: value`, `field:value` or a bare `field`; a comment line (`: ...`) is skipped.
          let colon = buf.indexOf(':', start);
          if (colon < 0 || colon > end) colon = end;
          const field = buf.slice(start, colon);
          let from = colon < end ? colon + 1 : end;
          if (from < end && buf.charCodeAt(from) === SPACE) from++;
          if (field === 'data') data.push(buf.slice(from, end));
          else if (field === 'event') event = buf.slice(from, end);
        }
        start = nl + 1;
      }
      if (start > 0) buf = buf.slice(start);
      if (out) yield out;
    }
    // A stream that ends without the blank line still delivers its last event.
    if (data.length > 0) yield [take()];
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // The consumer stopped early (or failed): drop the connection instead of draining it.
    if (!finished) await cancel().catch(() => {});
    release();
  }
}

/** One event at a time (tests and simple callers). */
export async function* readSse(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  for await (const batch of readSseBatches(body, signal)) yield* batch;
}
