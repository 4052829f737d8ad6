// Raw protocol v4 sockets for tests: open a real `ws` client, keep every frame, and wait for a frame,
// a condition or the close with a deadline (never a sleep). `gateway(t, options)` starts a real
// gateway process on port 0 and stops it when the test ends, pass or fail.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { startGateway, type GatewayProcess, type StartOptions } from './gateway.js';

export interface ErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface Frame {
  type: string;
  id?: string;
  ok?: boolean;
  payload?: any; // tests read payloads freely
  error?: ErrorShape;
  event?: string;
  seq?: number;
}

export interface Closed {
  code: number;
  reason: string;
  /** performance.now() when the close arrived. */
  at: number;
}

export interface OpenOptions {
  origin?: string;
  headers?: Record<string, string>;
  /** false: never answer pings (a dead peer, for the heartbeat test). */
  autoPong?: boolean;
}

/**
 * Start a gateway on port 0 with a private state dir. When the test ends, pass or fail, it gets
 * SIGTERM (SIGKILL if it has not exited 3 s later) and its state dir is removed.
 */
export async function gateway(t: TestContext, options: StartOptions = {}): Promise<GatewayProcess> {
  const g = await startGateway(options);
  t.after(async () => {
    const killer = setTimeout(() => g.proc.kill('SIGKILL'), 3000);
    await g.stop('SIGTERM');
    clearTimeout(killer);
    if (!options.stateDir) fs.rmSync(g.stateDir, { recursive: true, force: true });
  });
  return g;
}

/** The minimal connect params upstream accepts (UPSTREAM §3.3); `undefined` in overrides removes a key. */
export function connectParams(token: string | undefined, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const params: Record<string, unknown> = {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'cli', version: '0.0.0-test', platform: 'linux', mode: 'cli' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write', 'operator.admin'],
    caps: [],
    auth: token === undefined ? {} : { token },
    userAgent: 'openclaw-kit-tests',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete params[key];
    else params[key] = value;
  }
  return params;
}

export class RawSocket {
  readonly frames: Frame[] = [];
  readonly errors: Error[] = [];
  pings = 0;
  closed: Closed | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(data)) as Frame;
      } catch {
        frame = { type: 'not-json', payload: String(data).slice(0, 200) };
      }
      this.frames.push(frame);
      this.notify();
    });
    ws.on('ping', () => {
      this.pings++;
      this.notify();
    });
    ws.on('error', (err) => this.errors.push(err));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString(), at: performance.now() };
      this.notify();
    });
  }

  /** Open a socket; resolves once the upgrade is done (frames are recorded from the start). */
  static open(url: string, options: OpenOptions = {}, timeoutMs = 5000): Promise<RawSocket> {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      autoPong: options.autoPong ?? true,
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    const sock = new RawSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(sock));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Resolve once `check` returns something other than undefined; re-checked on every frame, ping and close. */
  until<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (err) {
          done();
          reject(err);
          return;
        }
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; closed=${JSON.stringify(this.closed)} frames=${this.describe()}`));
      }, timeoutMs);
      const listener = () => tryNow();
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      tryNow();
    });
  }

  /** The first frame (from index `from`) matching `match`; fails if the socket closes first. */
  waitFor(match: (f: Frame) => boolean, what: string, timeoutMs = 5000, from = 0): Promise<Frame> {
    return this.until(() => {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}; frames=${this.describe()}`);
      return undefined;
    }, what, timeoutMs);
  }

  waitEvent(event: string, timeoutMs = 5000, from = 0): Promise<Frame> {
    return this.waitFor((f) => f.type === 'event' && f.event === event, `event ${event}`, timeoutMs, from);
  }

  response(id: string, timeoutMs = 5000): Promise<Frame> {
    return this.waitFor((f) => f.type === 'res' && f.id === id, `response ${id}`, timeoutMs);
  }

  /** Send a request and wait for its response frame. */
  request(method: string, params?: unknown, timeoutMs = 5000): Promise<Frame> {
    const id = randomUUID();
    this.send(params === undefined ? { type: 'req', id, method } : { type: 'req', id, method, params });
    return this.response(id, timeoutMs);
  }

  /** Wait for the challenge, then send `connect` with these params; resolves with the response. */
  async connect(params: Record<string, unknown>, timeoutMs = 10_000): Promise<Frame> {
    await this.waitEvent('connect.challenge');
    return this.request('connect', params, timeoutMs);
  }

  waitClose(timeoutMs = 5000): Promise<Closed> {
    return this.until(() => this.closed, 'close', timeoutMs);
  }

  /** Frames other than ticks, which arrive whenever the interval fires. */
  get nonTickFrames(): Frame[] {
    return this.frames.filter((f) => !(f.type === 'event' && f.event === 'tick'));
  }

  terminate(): void {
    this.ws.terminate();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private describe(): string {
    return JSON.stringify(this.frames.map((f) => ({ ...f, payload: f.payload === undefined ? undefined : '…' }))).slice(0, 2000);
  }
}

/** Open a socket, connect with the token and these overrides, and check the hello-ok. */
export async function connected(url: string, token: string | undefined, overrides: Record<string, unknown> = {}, options: OpenOptions = {}): Promise<{ sock: RawSocket; hello: Record<string, any> }> {
  const sock = await RawSocket.open(url, options);
  const res = await sock.connect(connectParams(token, overrides));
  if (!res.ok) throw new Error(`connect failed: ${JSON.stringify(res.error)}`);
  return { sock, hello: res.payload };
}
