// One port, HTTP and WebSocket: an http.Server per bound address (127.0.0.1 and ::1 for loopback),
// all sharing one request handler and one noServer WebSocketServer for upgrades.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { loadWs } from '../../lib/cjs.js';

import { EXIT, OpenclawError } from '../../lib/errors.js';
import { FailureThrottle } from './auth.js';
import type { GatewayContext } from './context.js';
import { createRequestHandler } from './http.js';
import type { Connection } from './ws/connection.js';
import { CLOSE } from './ws/protocol.js';

/** What an upgrade needs: ws itself and the protocol code (a third of the gateway's source). */
interface WsStack {
  wss: WebSocketServer;
  Connection: typeof Connection;
}

export class GatewayServer {
  private readonly servers: http.Server[] = [];
  private wsStack: WsStack | undefined;
  private wsLoading: Promise<WsStack> | undefined;
  private readonly connections = new Set<Connection>();
  private readonly throttle = new FailureThrottle();
  private timers: NodeJS.Timeout[] = [];
  port = 0;

  constructor(private readonly gw: GatewayContext) {}

  /**
   * The WebSocket half is loaded on the first upgrade, not at startup: ws pulls in node's https and
   * tls modules, the protocol code is a third of the gateway, and /healthz (what a supervisor waits
   * for) needs none of it. The first client waits for the load once.
   */
  private loadWsStack(): Promise<WsStack> {
    this.wsLoading ??= import('./ws/connection.js').then(({ Connection }) => {
      const wss = new (loadWs().WebSocketServer)({
        noServer: true,
        maxPayload: this.gw.settings.limits.maxPayload,
        perMessageDeflate: false,
        clientTracking: false,
      });
      this.wsStack = { wss, Connection };
      return this.wsStack;
    });
    return this.wsLoading;
  }

  async listen(): Promise<number> {
    const handler = createRequestHandler(this.gw);
    let port = this.gw.settings.port;
    for (const [i, host] of this.gw.settings.bind.hosts.entries()) {
      const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, handler);
      server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
      server.on('clientError', (_err, socket) => socket.destroy());
      try {
        await listenOn(server, host, port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A host without IPv6 has no ::1; loopback on 127.0.0.1 alone is still loopback.
        if (i > 0 && host === '::1' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) {
          this.gw.logger.debug('gateway.ipv6_loopback_unavailable', { code });
          continue;
        }
        await this.closeServers();
        throw await describeListenError(err as NodeJS.ErrnoException, host, port);
      }
      this.servers.push(server);
      if (port === 0) port = (server.address() as { port: number }).port;
    }
    this.port = port;
    const { heartbeatMs, tickIntervalMs } = this.gw.settings.limits;
    this.timers = [
      setInterval(() => this.connections.forEach((c) => c.heartbeat()), heartbeatMs),
      setInterval(() => this.connections.forEach((c) => c.tick()), tickIntervalMs),
    ];
    this.timers.forEach((t) => t.unref());
    return port;
  }

  get clientCount(): number {
    return this.connections.size;
  }

  broadcast(event: string, payload: unknown): void {
    for (const c of this.connections) if (c.authenticated) c.sendEvent(event, payload);
  }

  /**
   * Close every current client with `code` (e.g. 4001 after the shared secret changed). The close
   * waits one turn of the event loop so the answer to the request that made the change (config.set)
   * still reaches its caller; clients that connect meanwhile already used the new settings.
   */
  disconnectAll(code: number, reason: string): void {
    const current = [...this.connections];
    setImmediate(() => current.forEach((c) => c.close(code, reason)));
  }

  /** Stop accepting, tell clients we are restarting (1012), and close everything. */
  async close(): Promise<void> {
    this.timers.forEach((t) => clearInterval(t));
    this.broadcast('shutdown', { reason: 'gateway stopping', restartExpectedMs: null });
    for (const c of this.connections) c.close(CLOSE.RESTART, 'service restart');
    await this.closeServers();
  }

  private async closeServers(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      ),
    );
    this.servers.length = 0;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.wsStack) return this.upgrade(this.wsStack, req, socket, head);
    this.loadWsStack().then(
      (stack) => this.upgrade(stack, req, socket, head),
      (err: Error) => {
        this.gw.logger.error('ws.unavailable', { reason: err.message });
        socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      },
    );
  }

  private upgrade(stack: WsStack, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.gw.phase === 'draining') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    stack.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new stack.Connection(ws, req, this.gw, this.throttle);
      this.connections.add(conn);
      ws.on('close', () => this.connections.delete(conn));
    });
  }
}

function listenOn(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): Promise<OpenclawError> {
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  if (err.code === 'EADDRINUSE') {
    const other = await looksLikeGateway(host, port);
    return new OpenclawError(`port ${port} is already in use on ${shown}${other ? ' by another OpenClaw gateway' : ' by another process'}`, {
      code: 'PORT_IN_USE',
      hint: other ? `stop that gateway, or start this one with --port ${port + 1}` : `free the port, or start with --port ${port + 1} (or set OPENCLAW_GATEWAY_PORT)`,
    });
  }
  if (err.code === 'EACCES') {
    return new OpenclawError(`cannot listen on ${shown}: permission denied`, { hint: 'ports below 1024 need privileges; use the default 18789' });
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new OpenclawError(`cannot listen on ${shown}: address not available on this host`, { exitCode: EXIT.CONFIG, hint: 'check gateway.customBindHost' });
  }
  return new OpenclawError(`cannot listen on ${shown}: ${err.code ?? err.message}`);
}

async function looksLikeGateway(host: string, port: number): Promise<boolean> {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  try {
    const res = await fetch(`http://${target.includes(':') ? `[${target}]` : target}:${port}/healthz`, { signal: AbortSignal.timeout(500) });
    const body = (await res.json()) as { status?: string };
    return body.status === 'live';
  } catch {
    return false;
  }
}
