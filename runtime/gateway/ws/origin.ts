// Which browser origins may open the gateway WebSocket. Non-browser clients send no Origin and are
// judged by their credentials alone. A browser origin passes when it is listed in
// gateway.controlUi.allowedOrigins, is a loopback origin for the bound port, or is the page's own
// origin reached through an IP literal or `localhost` (a published port such as 127.0.0.1:28789).
// Same-origin through a DNS name is not trusted by default: that is what DNS rebinding forges.
import net from 'node:net';

export function defaultOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}

export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  const o = normalizeOrigin(origin);
  if (o === undefined) return false;
  if (allowed.some((a) => a === '*' || normalizeOrigin(a) === o)) return true;
  if (!host) return false;
  let parsed: URL;
  try {
    parsed = new URL(o);
  } catch {
    return false;
  }
  if (parsed.host !== host.toLowerCase()) return false;
  const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
  return hostname === 'localhost' || net.isIP(hostname) !== 0;
}

function normalizeOrigin(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  try {
    const u = new URL(origin);
    return `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    return undefined;
  }
}
