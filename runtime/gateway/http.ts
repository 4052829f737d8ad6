// The HTTP half of the gateway port: unauthenticated probes, the static Control UI, and 404 for
// everything else that is not a UI route. Every response carries the same security headers.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { RequestHandler } from 'sirv';
import { loadSirv } from '../../lib/cjs.js';
import { packageDir } from '../../lib/paths.js';
import { isLoopbackAddress } from './bind.js';
import type { GatewayContext } from './context.js';

export const UI_DIR = path.join(packageDir(import.meta.url), 'dist', 'ui');

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const PROBES: Record<string, 'live' | 'ready' | 'startup'> = {
  '/healthz': 'live',
  '/health': 'live',
  '/readyz': 'ready',
  '/ready': 'ready',
  '/startupz': 'startup',
  '/startup': 'startup',
};

// Paths that are APIs elsewhere: answering them with the UI page would hide a misconfigured client.
const NOT_UI = ['^/api(/|$)', '^/v1(/|$)', '^/metrics$', '^/tools(/|$)', '^/hooks(/|$)'];
const NOT_UI_RE = new RegExp(NOT_UI.join('|'));

function sendJson(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

export function createRequestHandler(gw: GatewayContext): (req: IncomingMessage, res: ServerResponse) => void {
  const hasUi = fs.existsSync(path.join(UI_DIR, 'index.html'));
  // sirv loads on the first page request: the probes a supervisor polls at startup don't need it.
  let ui: Promise<RequestHandler> | undefined;
  const uiHandler = (): Promise<RequestHandler> =>
    (ui ??= Promise.resolve().then(() =>
      loadSirv()(UI_DIR, { single: true, etag: true, gzip: true, brotli: true, ignores: NOT_UI, setHeaders: (res, pathname) => res.setHeader('Cache-Control', pathname.endsWith('.html') || pathname === '/' ? 'no-cache' : 'public, max-age=3600') }),
    ));
  if (!hasUi && gw.settings.controlUiEnabled) gw.logger.warn('ui.missing', { dir: UI_DIR, hint: 'run npm run build' });

  return (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0] ?? '/';
    const method = req.method ?? 'GET';
    const probe = PROBES[pathname];
    if (probe) {
      if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return answerProbe(gw, probe, req, res, method === 'HEAD');
    }
    if (!hasUi || !gw.settings.controlUiEnabled || NOT_UI_RE.test(pathname)) return sendText(res, 404, 'Not Found');
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    uiHandler().then(
      (serve) => serve(req, res, () => sendText(res, 404, 'Not Found')),
      (err: Error) => {
        gw.logger.error('ui.failed', { reason: err.message });
        if (!res.headersSent) sendText(res, 500, 'Control UI unavailable');
      },
    );
  };
}

function answerProbe(gw: GatewayContext, probe: 'live' | 'ready' | 'startup', req: IncomingMessage, res: ServerResponse, head: boolean): void {
  // Remote callers learn only up/down; local callers (the host, a HEALTHCHECK) also get details.
  const local = isLoopbackAddress(req.socket.remoteAddress ?? '');
  const details = local ? { version: gw.version, uptimeMs: Date.now() - gw.startedAt, phase: gw.phase } : {};
  if (probe === 'live') return sendJson(res, 200, { ok: true, status: 'live', ...details }, head);
  if (probe === 'ready') {
    const ready = gw.phase === 'started';
    return sendJson(res, ready ? 200 : 503, { ready, ...(local ? { failing: ready ? [] : [gw.phase], ...details } : {}) }, head);
  }
  const started = gw.phase === 'started';
  return sendJson(res, started ? 200 : 503, { ok: started, status: gw.phase, ...details }, head);
}
