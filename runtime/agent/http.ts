// The providers' streaming POST over node:http(s) rather than fetch: a streamed reply is read as
// the socket delivers it (one Buffer per read), without fetch's WHATWG stream machinery, which
// costs more CPU per token than everything else the gateway does with it. Same contract as the
// fetch call it replaces: it resolves once the status and headers are in, failures to connect
// reject with a TypeError whose `cause` is the socket error (as fetch's do), and `signal` aborts
// the request or the body with an AbortError.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/** What callers read of a response's headers; a WHATWG Headers object fits it too. */
export interface HeaderLookup {
  /** The header's value (repeated ones joined with ", "), or null. Names are case-insensitive. */
  get(name: string): string | null;
}

export interface StreamResponse {
  ok: boolean;
  status: number;
  headers: HeaderLookup;
  /** The whole body as text (for error responses). */
  text(): Promise<string>;
  /** The body, chunk by chunk (pull-based; do not mix with `consume`). */
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Push-based reading, for streams: `onChunk` gets each read as the socket delivers it, in the
   * socket's own callback. Resolves when the body ends. `onChunk` returning true means "seen
   * enough": the promise resolves and the rest of the body is drained unread, so a keep-alive
   * socket can still be reused. A throw from `onChunk` drops the connection and rejects with it.
   */
  consume(onChunk: (chunk: Buffer) => boolean | void): Promise<void>;
}

/** Idle time on the socket (no headers, or no body bytes) before the request fails, as fetch's default. */
const IDLE_TIMEOUT_MS = 300_000;

function abortError(): Error {
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}

export function postStream(url: string, options: { headers: Record<string, string>; body: string; signal?: AbortSignal }): Promise<StreamResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(abortError());
    const target = new URL(url);
    const mod = target.protocol === 'https:' ? https : http;
    const payload = Buffer.from(options.body);
    let settled = false;
    const req = mod.request(target, {
      method: 'POST',
      headers: { 'user-agent': 'openclaw-kit', ...options.headers, 'content-length': String(payload.length) },
    });
    const onAbort = () => req.destroy(abortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no data from ${target.host} for ${IDLE_TIMEOUT_MS / 1000} s`), { code: 'UND_ERR_BODY_TIMEOUT' })));
    req.on('error', (err: Error) => {
      if (settled) return;
      settled = true;
      done();
      // fetch's shape: a TypeError whose cause is the socket error; an abort stays an AbortError.
      reject(err.name === 'AbortError' ? err : Object.assign(new TypeError('fetch failed'), { cause: err }));
    });
    req.on('response', (res) => {
      settled = true;
      res.on('close', done);
      // Not a WHATWG Headers: the first one made loads undici, ~40 ms on the event loop in the
      // middle of the first chat. node:http already lowercased the names.
      const headers: HeaderLookup = {
        get: (name) => {
          const value = res.headers[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
      };
      const status = res.statusCode ?? 0;
      let body: AsyncIterable<Uint8Array> | undefined; // made on first use: it starts the flow
      resolve({
        ok: status >= 200 && status < 300,
        status,
        headers,
        get body() {
          return (body ??= chunksOf(res));
        },
        text: async () => {
          const parts: Uint8Array[] = [];
          for await (const chunk of (body ??= chunksOf(res))) parts.push(chunk);
          return Buffer.concat(parts).toString('utf8');
        },
        consume: (onChunk) => consume(res, onChunk, signal),
      });
    });
    req.end(payload);
  });
}

function consume(res: IncomingMessage, onChunk: (chunk: Buffer) => boolean | void, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      res.off('data', onData);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      let enough: boolean | void;
      try {
        enough = onChunk(chunk);
      } catch (err) {
        settle(err as Error);
        res.destroy();
        return;
      }
      if (enough === true) settle(); // still flowing, with no listener: the rest is dropped
    };
    res.on('data', onData);
    res.on('end', () => settle());
    res.on('error', (err: Error) => settle(signal?.aborted ? abortError() : err));
    res.on('close', () => settle(signal?.aborted ? abortError() : Object.assign(new Error('terminated'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
  });
}

/**
 * A response body as an async iterable fed by 'data' events (leaner than a Readable's own async
 * iterator, which goes through read() and 'readable' per chunk). Chunks that arrived while the
 * consumer was busy come out joined, as one. Back-pressure: the response pauses past HIGH chunks.
 * `destroy()` drops the connection (what a consumer that stops early wants).
 */
const HIGH = 64;
function chunksOf(res: IncomingMessage): AsyncIterable<Uint8Array> & { destroy(): void } {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  res.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= HIGH) res.pause();
    poke();
  });
  res.on('end', () => {
    ended = true;
    poke();
  });
  res.on('error', (err: Error) => {
    failure ??= err;
    poke();
  });
  res.on('close', () => {
    if (!ended) failure ??= Object.assign(new Error('terminated'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    poke();
  });
  const iterator: AsyncIterator<Uint8Array> = {
    async next(): Promise<IteratorResult<Uint8Array>> {
      for (;;) {
        if (queue.length > 0) {
          const value = queue.length === 1 ? queue[0]! : Buffer.concat(queue);
          queue.length = 0;
          if (res.isPaused()) res.resume();
          return { value, done: false };
        }
        if (failure) throw failure;
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      if (!ended) res.destroy();
      return { value: undefined, done: true };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, destroy: () => res.destroy() };
}
