// The providers' streaming POST over node:http(s) rather than fetch: a streamed reply is read as
// the socket delivers it (one Buffer per read), without fetch's WHATWG stream machinery, which
// costs more CPU per token than everything else the gateway does with it. Same contract as the
// fetch call it replaces: it resolves once the status and headers are in, failures to connect
// reject with a TypeError whose `cause` is the socket error (as fetch's do), and `signal` aborts
// the request or the body with an AbortError.
import http from 'node:http';
import https from 'node:https';

export interface StreamResponse {
  ok: boolean;
  status: number;
  headers: Headers;
  /** The whole body as text (for error responses). */
  text(): Promise<string>;
  /** The body, chunk by chunk. */
  body: AsyncIterable<Uint8Array>;
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
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else headers.set(name, value);
      }
      const status = res.statusCode ?? 0;
      resolve({
        ok: status >= 200 && status < 300,
        status,
        headers,
        body: res,
        text: async () => {
          const parts: Buffer[] = [];
          for await (const chunk of res) parts.push(chunk as Buffer);
          return Buffer.concat(parts).toString('utf8');
        },
      });
    });
    req.end(payload);
  });
}
