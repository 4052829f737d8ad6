// Shared-secret checks for the WebSocket handshake. Comparisons are constant-time over a fixed-size
// digest (so neither content nor length leaks), and repeated failures from one address are slowed
// down with a capped exponential delay.
import { nodeCrypto } from '../../lib/cjs.js';
import type { AuthMode } from '../config/schema.js';

export interface AuthSettings {
  mode: AuthMode;
  token?: string;
  password?: string;
}

function digest(value: string): Buffer {
  const crypto = nodeCrypto();
  // The one-shot hash (Node 20.12+) skips building a Hash object: this runs on every connect.
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', value, 'buffer') : crypto.createHash('sha256').update(value, 'utf8').digest();
}

// The configured secret's digest, kept between connects (it changes only with the config).
let expected: { value: string; digest: Buffer } | undefined;

export function secretsEqual(expectedValue: string, given: string): boolean {
  if (expected?.value !== expectedValue) expected = { value: expectedValue, digest: digest(expectedValue) };
  return nodeCrypto().timingSafeEqual(expected.digest, digest(given));
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

export interface LockoutPolicy {
  maxAttempts: number;
  windowMs: number;
  lockoutMs: number;
  exemptLoopback: boolean;
}

/** Upstream's defaults: 10 failures in a minute lock a remote address out for 5 minutes. */
export const DEFAULT_LOCKOUT: LockoutPolicy = { maxAttempts: 10, windowMs: 60_000, lockoutMs: 300_000, exemptLoopback: true };

/**
 * Failed-attempt handling per remote address: every failure is answered after a delay of 250 ms,
 * doubling to a 5 s cap, and forgotten after a quiet window. A remote address that fails
 * `maxAttempts` times within `windowMs` is locked out for `lockoutMs`; loopback is exempt by
 * default, so the operator on the box can always get in with the right secret.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; last: number; windowStart: number; windowCount: number; lockedUntil: number }>();

  constructor(
    private readonly baseMs = 250,
    private readonly maxMs = 5000,
    private readonly forgetAfterMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `address` may try again (0 = not locked out). */
  lockedFor(address: string): number {
    const f = this.failures.get(address);
    return f ? Math.max(0, f.lockedUntil - this.now()) : 0;
  }

  /** Record a failure and return how long to wait before answering it. */
  fail(address: string, policy: LockoutPolicy = DEFAULT_LOCKOUT, loopback = false): number {
    const t = this.now();
    const prev = this.failures.get(address);
    const count = prev && t - prev.last < this.forgetAfterMs ? prev.count + 1 : 1;
    const inWindow = prev !== undefined && t - prev.windowStart < policy.windowMs;
    const windowStart = inWindow ? prev.windowStart : t;
    const windowCount = inWindow ? prev.windowCount + 1 : 1;
    let lockedUntil = prev?.lockedUntil ?? 0;
    if (windowCount >= policy.maxAttempts && !(loopback && policy.exemptLoopback)) lockedUntil = t + policy.lockoutMs;
    this.failures.set(address, { count, last: t, windowStart, windowCount, lockedUntil });
    if (this.failures.size > 10_000) this.prune(t);
    return Math.min(this.maxMs, this.baseMs * 2 ** (count - 1));
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private prune(t: number): void {
    for (const [addr, f] of this.failures) if (t - f.last >= this.forgetAfterMs && f.lockedUntil <= t) this.failures.delete(addr);
  }
}
