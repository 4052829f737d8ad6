// One WebSocket client from upgrade to close: challenge, connect (auth, origin, protocol, device),
// hello-ok, then request/response and events. Everything the handshake rejects ends with the same
// error code and close code upstream clients expect.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ClientInfo, GatewayContext } from '../context.js';
import { checkCredentials, type FailureThrottle } from '../auth.js';
import { isLoopbackAddress } from '../bind.js';
import { checkConnectParams, type ConnectParams } from './connect-params.js';
import { verifyDevice } from './device.js';
import { DEVICE_EVENTS, notifyPairingOperators } from './device-methods.js';
import type { DeviceAuth, DeviceHello } from '../devices.js';
import { METHODS, healthPayload, methodNames, presencePayload } from './methods.js';
import { originAllowed } from './origin.js';
import { missingScopes } from './scopes.js';
import {
  CLOSE, ERROR, MIN_CLIENT_PROTOCOL, MIN_PROBE_PROTOCOL, PROTOCOL_VERSION, ROLES, RpcError, invalidRequest, parseRequestFrame,
  type ErrorShape, type EventFrame, type ResponseFrame,
} from './protocol.js';

let featuresJson: string | undefined;

export const EVENTS = ['connect.challenge', 'tick', 'shutdown', 'presence', 'health', 'chat', 'agent', ...DEVICE_EVENTS];

/** Close reasons are limited to 123 bytes by the WebSocket protocol. */
function reason(text: string): string {
  return Buffer.byteLength(text) <= 123 ? text : Buffer.from(text).subarray(0, 120).toString('utf8') + '...';
}

/** ws keeps the payload cap on its receiver; raising it after auth avoids buffering 25 MiB pre-auth. */
function setMaxPayload(ws: WebSocket, bytes: number): boolean {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') {
    receiver._maxPayload = bytes;
    return true;
  }
  return false;
}

export class Connection {
  readonly connId = randomUUID();
  private readonly nonce = randomUUID();
  private client: ClientInfo | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private busy = false; // a connect is being judged (auth delay): ignore further frames
  private seq = 0;
  private alive = true;
  private closed = false;
  private corked = false;
  private readonly enforcesPreauthCap: boolean;

  constructor(
    private readonly ws: WebSocket,
    private readonly req: IncomingMessage,
    private readonly gw: GatewayContext,
    private readonly throttle: FailureThrottle,
  ) {
    const limits = gw.settings.limits;
    this.enforcesPreauthCap = setMaxPayload(ws, limits.maxPreauthPayload);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.onClose());
    ws.on('error', (err) => gw.logger.debug('ws.error', { conn: this.connId, reason: err.message }));
    this.handshakeTimer = setTimeout(() => this.close(CLOSE.NORMAL, 'handshake timeout'), limits.handshakeTimeoutMs);
    this.sendEvent('connect.challenge', { nonce: this.nonce, ts: Date.now() });
  }

  get remoteAddress(): string {
    return this.req.socket.remoteAddress ?? 'unknown';
  }

  get authenticated(): boolean {
    return this.client !== undefined;
  }

  /** Called by the server's heartbeat: a peer that missed the last ping is gone. */
  heartbeat(): void {
    if (!this.alive) {
      this.gw.logger.info('ws.dead_peer', { conn: this.connId });
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  tick(): void {
    if (this.client && this.ws.bufferedAmount === 0) this.sendEvent('tick', { ts: Date.now() });
  }

  close(code: number, text: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    this.ws.close(code, reason(text));
  }

  sendEvent(event: string, payload: unknown): void {
    const frame: EventFrame = { type: 'event', event, payload };
    if (event !== 'connect.challenge') frame.seq = ++this.seq;
    this.send(frame);
  }

  private send(frame: EventFrame | ResponseFrame): void {
    this.sendText(JSON.stringify(frame), frame.type === 'event');
  }

  private sendText(text: string, coalesce: boolean): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.gw.settings.limits.maxBufferedBytes) {
      this.gw.logger.warn('ws.slow_consumer', { conn: this.connId, buffered: this.ws.bufferedAmount });
      this.close(CLOSE.POLICY, 'slow consumer: too much unread data');
      return;
    }
    // Events sent in the same tick (e.g. the chat deltas of every run on this connection) leave in
    // one write: cork the socket on the first and uncork before the event loop moves on. An answer
    // leaves at once, behind any events already held: its client is waiting for it.
    if (coalesce && !this.corked) {
      const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      if (socket) {
        this.corked = true;
        socket.cork();
        process.nextTick(() => {
          this.corked = false;
          socket.uncork();
        });
      }
    }
    this.ws.send(text);
  }

  private respond(id: string, payload: unknown): void {
    this.send({ type: 'res', id, ok: true, payload });
  }

  private respondError(id: string, error: ErrorShape): void {
    this.send({ type: 'res', id, ok: false, error });
  }

  /** Answer a failed handshake and close; the close reason repeats the message. */
  private reject(id: string, error: ErrorShape, closeCode: number = CLOSE.POLICY): void {
    this.respondError(id, error);
    this.close(closeCode, error.message);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed || this.busy) return;
    if (!this.client && !this.enforcesPreauthCap && data.length > this.gw.settings.limits.maxPreauthPayload) {
      this.close(CLOSE.TOO_BIG, 'payload too large');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(isBinary ? data.toString('utf8') : data.toString());
    } catch {
      // Garbage before connect is not a client we can talk to; after connect it is ignored.
      if (!this.client) this.close(CLOSE.NORMAL, '');
      return;
    }
    const parsed = parseRequestFrame(value);
    if (!parsed.ok) {
      if (this.client) this.respondError(parsed.id, parsed.error.toShape());
      else this.reject(parsed.id, parsed.error.toShape());
      return;
    }
    const frame = parsed.frame;
    if (!this.client) {
      if (frame.method !== 'connect') {
        this.reject(frame.id, invalidRequest('invalid handshake: first request must be connect').toShape());
        return;
      }
      void this.onConnect(frame.id, frame.params);
      return;
    }
    if (frame.method === 'connect') {
      this.respondError(frame.id, invalidRequest('already connected').toShape());
      return;
    }
    this.onRequest(frame.id, frame.method, frame.params);
  }

  private async onConnect(id: string, rawParams: unknown): Promise<void> {
    const problem = checkConnectParams(rawParams);
    if (problem) return this.reject(id, invalidRequest(problem).toShape());
    const params = rawParams as ConnectParams;

    const minAccepted = params.client.mode === 'probe' ? MIN_PROBE_PROTOCOL : MIN_CLIENT_PROTOCOL;
    if (params.maxProtocol < minAccepted || params.minProtocol > PROTOCOL_VERSION || params.minProtocol > params.maxProtocol) {
      return this.reject(
        id,
        invalidRequest('protocol mismatch', {
          code: 'PROTOCOL_MISMATCH',
          clientMinProtocol: params.minProtocol,
          clientMaxProtocol: params.maxProtocol,
          expectedProtocol: PROTOCOL_VERSION,
          minimumProbeProtocol: MIN_PROBE_PROTOCOL,
        }).toShape(),
        CLOSE.PROTOCOL,
      );
    }
    const role = params.role ?? 'operator';
    if (!(ROLES as readonly string[]).includes(role)) return this.reject(id, invalidRequest('invalid role').toShape());

    const origin = this.req.headers.origin;
    if (!originAllowed(origin, this.req.headers.host, this.gw.settings.allowedOrigins)) {
      this.gw.logger.warn('ws.origin_rejected', { conn: this.connId, origin });
      return this.reject(
        id,
        invalidRequest('origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)', {
          code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED',
          origin,
        }).toShape(),
      );
    }

    const auth = this.gw.settings.auth;
    const lockedMs = this.throttle.lockedFor(this.remoteAddress);
    if (lockedMs > 0) {
      return this.reject(id, {
        code: ERROR.INVALID_REQUEST,
        message: 'unauthorized: too many failed authentication attempts; try again later',
        details: { code: 'AUTH_RATE_LIMITED', retryAfterMs: lockedMs },
        retryable: true,
        retryAfterMs: lockedMs,
      });
    }
    const given = { token: params.auth?.token, password: params.auth?.password };
    const result = checkCredentials(auth, given);
    if (!result.ok) {
      if (result.reason === 'missing' && !given.token && !given.password) {
        if (params.device) return this.onDeviceConnect(id, params, role);
        const error = new RpcError(ERROR.NOT_PAIRED, 'device identity required', { code: 'DEVICE_IDENTITY_REQUIRED', recommendedNextStep: 'use_gateway_token' });
        return this.reject(id, error.toShape());
      }
      this.busy = true;
      const delay = this.throttle.fail(this.remoteAddress, this.gw.settings.lockout, isLoopbackAddress(this.remoteAddress));
      this.gw.logger.warn('ws.auth_failed', { conn: this.connId, remote: this.remoteAddress, reason: result.reason, delayMs: delay });
      await new Promise((r) => setTimeout(r, delay));
      this.busy = false;
      const kind = auth.mode === 'password' ? 'password' : 'token';
      const what = result.reason === 'missing' ? `gateway ${kind} missing` : `gateway ${kind} mismatch`;
      return this.reject(
        id,
        invalidRequest(`unauthorized: ${what} (use this gateway's gateway.auth.${kind} or pair the device)`, {
          code: result.reason === 'missing' ? `AUTH_${kind.toUpperCase()}_MISSING` : `AUTH_${kind.toUpperCase()}_MISMATCH`,
          authReason: result.reason === 'missing' ? `${kind}_missing` : result.reason,
          canRetryWithDeviceToken: false,
          recommendedNextStep: 'update_auth_credentials',
        }).toShape(),
      );
    }
    this.throttle.succeed(this.remoteAddress);

    // The shared secret is the operator's own credential, so a client proving it gets the operator
    // scopes it asked for, with or without a device identity. Nodes never get operator scopes.
    const scopes = role === 'operator' ? [...new Set(params.scopes ?? [])] : [];
    if (!params.device) return this.admit(id, params, role, scopes, { method: result.method });

    const check = verifyDevice(params, this.nonce);
    if (!check.ok) return this.reject(id, invalidRequest(check.message, { code: check.code }).toShape());
    // Proving the shared secret proves host access: the device is paired for this role on the spot
    // and gets a token, so it can come back later without the shared secret.
    let deviceToken: string | undefined;
    this.busy = true;
    try {
      const paired = await this.gw.devices.autoPair({ ...this.deviceHello(params, check.deviceId, role), scopes });
      deviceToken = paired.deviceToken;
      if (paired.created) this.gw.logger.info('device.auto_paired', { conn: this.connId, device: check.deviceId.slice(0, 12), role, remote: this.remoteAddress });
    } catch (err) {
      // The client proved the secret; a pairing store that cannot be written only costs it the token.
      this.gw.logger.error('device.store_failed', { conn: this.connId, reason: err as Error });
    } finally {
      this.busy = false;
    }
    if (this.closed) return;
    return this.admit(id, params, role, scopes, { method: result.method, deviceId: check.deviceId, ...(deviceToken ? { deviceToken } : {}) });
  }

  private deviceHello(params: ConnectParams, deviceId: string, role: string): DeviceHello {
    return {
      deviceId,
      publicKey: params.device!.publicKey,
      role,
      scopes: role === 'operator' ? [...new Set(params.scopes ?? [])] : [],
      deviceToken: params.auth?.deviceToken,
      clientId: params.client.id,
      clientMode: params.client.mode,
      displayName: params.client.displayName,
      platform: params.client.platform,
      deviceFamily: params.client.deviceFamily,
      remoteAddress: this.remoteAddress,
    };
  }

  /**
   * A device-signed client without the shared secret: its device token (or a grant approved since
   * its last attempt) lets it in; otherwise it gets a pairing request id to show its operator.
   */
  private async onDeviceConnect(id: string, params: ConnectParams, role: string): Promise<void> {
    const check = verifyDevice(params, this.nonce);
    if (!check.ok) return this.reject(id, invalidRequest(check.message, { code: check.code }).toShape());
    let outcome: DeviceAuth;
    this.busy = true;
    try {
      outcome = await this.gw.devices.authenticate(this.deviceHello(params, check.deviceId, role));
    } catch (err) {
      this.gw.logger.error('device.store_failed', { conn: this.connId, reason: err as Error });
      return this.reject(id, { code: ERROR.UNAVAILABLE, message: 'device pairing store unavailable', retryable: true }, CLOSE.INTERNAL);
    } finally {
      this.busy = false;
    }
    if (this.closed) return;
    if (outcome.kind === 'ok') {
      const scopes = role === 'operator' ? outcome.scopes : [];
      return this.admit(id, params, role, scopes, { method: 'device-token', deviceId: check.deviceId, viaDevice: true, ...(outcome.deviceToken ? { deviceToken: outcome.deviceToken } : {}) });
    }
    const request = outcome.request;
    if (outcome.created) {
      this.gw.logger.info('device.pair_requested', { conn: this.connId, request: request.requestId, device: check.deviceId.slice(0, 12), role, scopes: request.scopes.join(','), remote: this.remoteAddress, supersedes: request.supersedes });
      notifyPairingOperators(this.gw, 'device.pair.requested', request);
    }
    return this.reject(
      id,
      new RpcError(ERROR.NOT_PAIRED, 'pairing required', {
        code: 'PAIRING_REQUIRED',
        requestId: request.requestId,
        deviceId: check.deviceId,
        reason: outcome.reason,
        canRetryWithDeviceToken: false,
        recommendedNextStep: 'approve_device',
      }).toShape(),
    );
  }

  private admit(id: string, params: ConnectParams, role: string, scopes: string[], how: { method: string; deviceId?: string; deviceToken?: string; viaDevice?: boolean }): void {
    if (this.closed) return;
    this.client = {
      connId: this.connId,
      clientId: params.client.id,
      mode: params.client.mode,
      role,
      scopes,
      remoteAddress: this.remoteAddress,
      connectedAt: Date.now(),
      displayName: params.client.displayName,
      instanceId: params.client.instanceId,
      version: params.client.version,
      platform: params.client.platform,
      deviceId: how.deviceId,
      viaDevice: how.viaDevice,
      sendEvent: (event, payload) => this.sendEvent(event, payload),
      disconnect: (code, text) => this.close(code, text),
    };
    clearTimeout(this.handshakeTimer);
    setMaxPayload(this.ws, this.gw.settings.limits.maxPayload);
    this.gw.clients.set(this.connId, this.client);
    const gw = this.gw;
    const limits = gw.settings.limits;
    // hello-ok as one string: `features` (every method and event name, a third of the frame) is the
    // same for every client and is serialized once; the rest is this client's.
    featuresJson ??= JSON.stringify({ methods: methodNames(), events: EVENTS, capabilities: [] });
    const head = JSON.stringify({
      type: 'hello-ok',
      protocol: PROTOCOL_VERSION,
      server: { version: gw.version, bootId: gw.bootId, connId: this.connId, controlUiBuildSource: 'bundled' },
    });
    const rest = JSON.stringify({
      snapshot: {
        presence: presencePayload(gw),
        health: healthPayload(gw),
        stateVersion: { presence: gw.clients.size, health: 0 },
        uptimeMs: Date.now() - gw.startedAt,
        configPath: gw.config.path,
        stateDir: gw.paths.stateDir,
        authMode: gw.settings.auth.mode,
      },
      auth: { method: how.method, role, scopes, ...(how.deviceToken ? { deviceToken: how.deviceToken } : {}) },
      policy: { maxPayload: limits.maxPayload, maxBufferedBytes: limits.maxBufferedBytes, tickIntervalMs: limits.tickIntervalMs },
    });
    this.sendText(`{"type":"res","id":${JSON.stringify(id)},"ok":true,"payload":${head.slice(0, -1)},"features":${featuresJson},${rest.slice(1)}}`, false);
    // Logged in a later turn: the synchronous writes to stderr and the log file are not on the
    // client's clock.
    const fields = { conn: this.connId, client: params.client.id, mode: params.client.mode, remote: this.remoteAddress, scopes: scopes.join(','), ...(how.deviceId ? { device: how.deviceId.slice(0, 12), auth: how.method } : {}) };
    setImmediate(() => this.gw.logger.info('ws.connected', fields));
  }

  private onRequest(id: string, method: string, params: unknown): void {
    const entry = METHODS[method];
    if (!entry) return this.respondError(id, invalidRequest(`unknown method: ${method}`).toShape());
    const missing = missingScopes(this.client!.scopes, entry.scopes);
    if (missing.length > 0) {
      return this.respondError(id, {
        code: ERROR.FORBIDDEN,
        message: `missing scope: ${missing[0]}`,
        details: { code: 'MISSING_SCOPE', missingScope: missing[0], requiredScopes: entry.scopes },
      });
    }
    let result: unknown;
    try {
      result = entry.handler(params, { gateway: this.gw, client: this.client! });
    } catch (err) {
      return this.requestFailed(id, method, err);
    }
    // Handlers that answer at once (health, status) are answered in this turn, with no promise in
    // between; the others when they settle.
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(
        (payload) => this.answer(id, method, payload),
        (err: unknown) => this.requestFailed(id, method, err),
      );
    } else {
      this.answer(id, method, result);
    }
  }

  /** A payload that cannot be sent (JSON.stringify throws) still gets an answer. */
  private answer(id: string, method: string, payload: unknown): void {
    try {
      this.respond(id, payload);
    } catch (err) {
      this.requestFailed(id, method, err);
    }
  }

  private requestFailed(id: string, method: string, err: unknown): void {
    if (err instanceof RpcError) return this.respondError(id, err.toShape());
    this.gw.logger.error('rpc.failed', { conn: this.connId, method, reason: err as Error });
    this.respondError(id, { code: ERROR.INTERNAL, message: `${method} failed: ${(err as Error).message}` });
  }

  private onClose(): void {
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    if (this.client) {
      this.gw.clients.delete(this.connId);
      this.gw.logger.info('ws.closed', { conn: this.connId });
    }
  }
}
