// Shared-secret checks for the WebSocket handshake. Comparisons are constant-time over a fixed-size
// digest (so neither content nor length leaks), and repeated failures from one address are slowed
// down with a capped exponential delay.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthMode } from '../config/schema.js';

export interface AuthSettings {
  mode: AuthMode;
  token?: string;
  password?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function secretsEqual(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

export interface Credentials {
  token?: string | undefined;
  password?: string | undefined;
}

export type AuthResult = { ok: true; method: 'token' | 'password' | 'none' } | { ok: false; reason: 'missing' | 'token_mismatch' | 'password_mismatch' };

export function checkCredentials(settings: AuthSettings, given: Credentials): AuthResult {
  if (settings.mode === 'none') return { ok: true, method: 'none' };
  if (settings.mode === 'password') {
    if (!given.password) return { ok: false, reason: 'missing' };
    return settings.password !== undefined && secretsEqual(settings.password, given.password) ? { ok: true, method: 'password' } : { ok: false, reason: 'password_mismatch' };
  }
  if (!given.token) return { ok: false, reason: 'missing' };
  return settings.token !== undefined && secretsEqual(settings.token, given.token) ? { ok: true, method: 'token' } : { ok: false, reason: 'token_mismatch' };
}

/**
 * Failed-attempt delay per remote address: 250 ms doubling to a 5 s cap, forgotten after a quiet
 * window. Every address, loopback included, is delayed, but nobody is ever locked out: a correct
 * secret still works after any number of failures.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly baseMs = 250,
    private readonly maxMs = 5000,
    private readonly forgetAfterMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Record a failure and return how long to wait before answering it. */
  fail(address: string): number {
    const t = this.now();
    const prev = this.failures.get(address);
    const count = prev && t - prev.last < this.forgetAfterMs ? prev.count + 1 : 1;
    this.failures.set(address, { count, last: t });
    if (this.failures.size > 10_000) this.prune(t);
    return Math.min(this.maxMs, this.baseMs * 2 ** (count - 1));
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private prune(t: number): void {
    for (const [addr, f] of this.failures) if (t - f.last >= this.forgetAfterMs) this.failures.delete(addr);
  }
}
