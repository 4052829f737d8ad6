// Browser client for the OpenClaw gateway protocol v4 over one WebSocket.
// The server speaks first (connect.challenge); we answer with a connect request
// and are usable once the hello-ok response arrives. Reconnects with backoff.

export const PROTOCOL = 4;
export const CLIENT = Object.freeze({ id: 'openclaw-control-ui', version: '0.1.0', platform: 'web', mode: 'ui' });
const SCOPES = ['operator.read', 'operator.write', 'operator.admin'];
const CHALLENGE_TIMEOUT_MS = 10_000;

export class GatewayError extends Error {
  constructor(message, { code = 'UNAVAILABLE', reason = '' } = {}) {
    super(message);
    this.name = 'GatewayError';
    this.code = code; // error.code from the frame, e.g. INVALID_REQUEST
    this.reason = reason; // error.details.code, e.g. AUTH_TOKEN_MISMATCH
  }
}

export function gatewayUrl(loc = location) {
  return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + '/';
}

// crypto.randomUUID only exists in secure contexts; plain http on a LAN address is not one.
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// 1 s, 2 s, 4 s ... capped at 30 s.
export function backoffMs(attempt, baseMs = 1000, maxMs = 30_000) {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 15));
}

const isAuthFailure = (err) => err instanceof GatewayError && /^AUTH_|unauthori[sz]ed/i.test(`${err.reason} ${err.message}`);

/**
 * Events (CustomEvent, detail in parentheses):
 *   state   ({ state, error, retryInMs }) state is connecting | connected | disconnected
 *   hello   (hello-ok payload)
 *   message (event frame), for every server event after the handshake
 */
export class GatewayClient extends EventTarget {
  #url;
  #auth = null;
  #timeoutMs;
  #ws = null;
  #pending = new Map();
  #state = 'disconnected';
  #error = null;
  #attempt = 0;
  #retryTimer = 0;
  #watchTimer = 0;
  #lastSeen = 0;
  #running = false;

  constructor({ url = gatewayUrl(), requestTimeoutMs = 30_000 } = {}) {
    super();
    this.#url = url;
    this.#timeoutMs = requestTimeoutMs;
  }

  get state() { return this.#state; }
  get authFailed() { return isAuthFailure(this.#error); }

  /** (Re)connect now with the given auth, { token } or { password }; resets the backoff. */
  start(auth) {
    this.#auth = auth;
    this.#running = true;
    this.#attempt = 0;
    this.#error = null;
    this.#drop();
    this.#open();
  }

  stop() {
    this.#running = false;
    this.#auth = null;
    this.#error = null;
    this.#drop();
    this.#setState('disconnected');
  }

  request(method, params) {
    const ws = this.#ws;
    if (!ws || this.#state !== 'connected') return Promise.reject(new GatewayError('not connected'));
    return this.#call(ws, method, params);
  }

  #call(ws, method, params) {
    return new Promise((resolve, reject) => {
      const id = uuid();
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GatewayError(`${method}: no response after ${this.#timeoutMs / 1000} s`, { code: 'TIMEOUT' }));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      const frame = params === undefined ? { type: 'req', id, method } : { type: 'req', id, method, params };
      ws.send(JSON.stringify(frame));
    });
  }

  #open() {
    clearTimeout(this.#retryTimer);
    this.#setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.#url);
    } catch (err) {
      this.#error = new GatewayError(String(err?.message ?? err));
      this.#retry();
      return;
    }
    this.#ws = ws;
    let challenged = false;
    const challengeTimer = setTimeout(() => {
      if (!challenged) ws.close(4000, 'no connect.challenge');
    }, CHALLENGE_TIMEOUT_MS);

    ws.addEventListener('message', (ev) => {
      if (ws !== this.#ws) return;
      this.#lastSeen = Date.now();
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (frame?.type === 'res') return this.#settle(frame);
      if (frame?.type !== 'event') return;
      if (frame.event === 'connect.challenge') {
        if (challenged) return;
        challenged = true;
        clearTimeout(challengeTimer);
        this.#handshake(ws);
      } else if (this.#state === 'connected') {
        this.dispatchEvent(new CustomEvent('message', { detail: frame }));
      }
    });
    ws.addEventListener('close', (ev) => {
      clearTimeout(challengeTimer);
      if (ws !== this.#ws) return;
      this.#ws = null;
      this.#failPending();
      clearInterval(this.#watchTimer);
      if (!this.#error || this.#state === 'connected') this.#error = closeError(ev);
      this.#retry();
    });
  }

  async #handshake(ws) {
    const params = {
      minProtocol: PROTOCOL,
      maxProtocol: PROTOCOL,
      client: { ...CLIENT },
      role: 'operator',
      scopes: [...SCOPES],
      caps: [],
      auth: this.#auth?.password != null ? { password: this.#auth.password } : { token: this.#auth?.token ?? '' },
      userAgent: navigator.userAgent,
    };
    try {
      const hello = await this.#call(ws, 'connect', params);
      if (ws !== this.#ws) return;
      this.#error = null;
      this.#attempt = 0;
      this.#setState('connected');
      this.#watch(ws, hello?.policy?.tickIntervalMs);
      this.dispatchEvent(new CustomEvent('hello', { detail: hello }));
    } catch (err) {
      if (ws !== this.#ws) return;
      this.#error = err;
      // The server closes with 1008 after a rejected connect; make sure of it.
      ws.close(1000);
    }
  }

  // Tick events keep the socket alive; without them for 2.5 intervals the link is dead.
  #watch(ws, tickMs) {
    clearInterval(this.#watchTimer);
    if (!(tickMs > 0)) return;
    this.#watchTimer = setInterval(() => {
      if (Date.now() - this.#lastSeen > tickMs * 2.5) ws.close(4000, 'tick timeout');
    }, tickMs);
  }

  #settle(frame) {
    const p = this.#pending.get(frame.id);
    if (!p) return;
    this.#pending.delete(frame.id);
    clearTimeout(p.timer);
    if (frame.ok) p.resolve(frame.payload);
    else {
      const e = frame.error ?? {};
      p.reject(new GatewayError(e.message || 'request failed', { code: e.code, reason: e.details?.code ?? '' }));
    }
  }

  #failPending() {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new GatewayError('connection closed'));
    }
    this.#pending.clear();
  }

  #retry() {
    if (!this.#running) return this.#setState('disconnected');
    // Auth and policy failures will not fix themselves quickly: go straight to the cap.
    if (this.authFailed) this.#attempt = Math.max(this.#attempt, 5);
    const retryInMs = backoffMs(this.#attempt++);
    this.#retryTimer = setTimeout(() => this.#open(), retryInMs);
    this.#setState('disconnected', retryInMs);
  }

  #drop() {
    clearTimeout(this.#retryTimer);
    clearInterval(this.#watchTimer);
    const ws = this.#ws;
    this.#ws = null;
    this.#failPending();
    if (ws && ws.readyState < WebSocket.CLOSING) ws.close(1000);
  }

  #setState(state, retryInMs = 0) {
    this.#state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, error: this.#error, retryInMs } }));
  }
}

function closeError(ev) {
  if (ev.code === 1000) return null;
  if (ev.code === 1012) return new GatewayError('gateway restarting', { code: 'RESTART' });
  const text = ev.reason || (ev.code === 1006 ? 'connection lost' : `connection closed (${ev.code})`);
  return new GatewayError(text, { code: ev.code === 1008 ? 'POLICY' : 'CLOSED', reason: ev.code === 1008 ? 'AUTH_POLICY' : '' });
}
