// A small protocol v4 client: what the CLI, the tests and the benchmarks use to talk to a gateway.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { loadWs } from '../../lib/cjs.js';

const WebSocketClass = loadWs();
import { OpenclawError } from '../../lib/errors.js';
import { version } from '../version.js';

export interface ConnectOptions {
  url: string;
  token?: string | undefined;
  password?: string | undefined;
  timeoutMs?: number;
  clientId?: string;
  mode?: string;
  role?: string;
  scopes?: string[];
  /** Extra connect params (device, caps...). */
  extra?: Record<string, unknown>;
  origin?: string;
}

export interface RpcErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class GatewayRequestError extends OpenclawError {
  constructor(readonly method: string, readonly error: RpcErrorShape) {
    super(`${method}: ${error.message}`, { code: String(error.details?.code ?? error.code) });
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; method: string };

export class GatewayClient {
  hello: Record<string, unknown> = {};
  readonly events: Array<{ event: string; payload: unknown; seq?: number }> = [];
  private readonly pending = new Map<string, Pending>();
  private closeInfo: { code: number; reason: string } | undefined;
  onEvent: ((event: string, payload: unknown) => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new OpenclawError(`${p.method}: connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`, { code: 'CLOSED' }));
      }
      this.pending.clear();
    });
  }

  static async connect(options: ConnectOptions): Promise<GatewayClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const ws = new WebSocketClass(options.url, { handshakeTimeout: timeoutMs, perMessageDeflate: false, ...(options.origin ? { origin: options.origin } : {}) });
    const client = new GatewayClient(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new OpenclawError(`cannot reach the gateway at ${options.url}: timed out after ${timeoutMs} ms`, { code: 'TIMEOUT' }));
      }, timeoutMs);
      ws.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new OpenclawError(`cannot reach the gateway at ${options.url}: ${err.code ?? err.message}`, { code: 'UNREACHABLE', hint: 'is it running? start it with: openclaw gateway' }));
      });
      // The server speaks first; answer its challenge with connect.
      client.onEvent = (event) => {
        if (event !== 'connect.challenge') return;
        client.onEvent = undefined;
        const auth: Record<string, string> = {};
        if (options.token) auth.token = options.token;
        if (options.password) auth.password = options.password;
        client
          .request('connect', {
            minProtocol: 4,
            maxProtocol: 4,
            client: { id: options.clientId ?? 'cli', version: version(), platform: process.platform, mode: options.mode ?? 'cli' },
            role: options.role ?? 'operator',
            scopes: options.scopes ?? ['operator.read', 'operator.write', 'operator.admin'],
            caps: [],
            auth,
            userAgent: `openclaw-kit/${version()} node/${process.versions.node}`,
            ...options.extra,
          }, timeoutMs)
          .then((hello) => {
            clearTimeout(timer);
            client.hello = hello as Record<string, unknown>;
            resolve();
          })
          .catch((err: Error) => {
            clearTimeout(timer);
            reject(err);
          });
      };
    });
    return client;
  }

  request(method: string, params?: unknown, timeoutMs = 30_000): Promise<unknown> {
    if (this.ws.readyState !== WebSocketClass.OPEN) {
      return Promise.reject(new OpenclawError(`${method}: not connected${this.closeInfo ? ` (closed ${this.closeInfo.code})` : ''}`, { code: 'CLOSED' }));
    }
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OpenclawError(`${method}: no answer within ${timeoutMs} ms`, { code: 'TIMEOUT' }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, method });
      this.ws.send(JSON.stringify(params === undefined ? { type: 'req', id, method } : { type: 'req', id, method, params }));
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocketClass.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
    });
  }

  private onMessage(text: string): void {
    let frame: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: RpcErrorShape; event?: string; seq?: number };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === 'res' && frame.id) {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.payload);
      else p.reject(new GatewayRequestError(p.method, frame.error ?? { code: 'UNKNOWN', message: 'request failed' }));
    } else if (frame.type === 'event' && frame.event) {
      this.events.push({ event: frame.event, payload: frame.payload, ...(frame.seq !== undefined ? { seq: frame.seq } : {}) });
      if (this.events.length > 1000) this.events.shift();
      this.onEvent?.(frame.event, frame.payload);
    }
  }
}
