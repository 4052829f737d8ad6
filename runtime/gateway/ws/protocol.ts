// OpenClaw gateway protocol v4: constants, frame shapes and the error shapes clients branch on.
// Frames are closed objects, as upstream's schemas are: an unknown field is an INVALID_REQUEST.

export const PROTOCOL_VERSION = 4;
export const MIN_CLIENT_PROTOCOL = 4;
export const MIN_PROBE_PROTOCOL = 3;

export const MAX_PREAUTH_PAYLOAD = 64 * 1024;
export const MAX_PAYLOAD = 25 * 1024 * 1024;
export const MAX_BUFFERED_BYTES = 50 * 1024 * 1024;
export const HANDSHAKE_TIMEOUT_MS = 15_000;
export const TICK_INTERVAL_MS = 30_000;

export const CLOSE = {
  NORMAL: 1000,
  PROTOCOL: 1002,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  RESTART: 1012,
} as const;

export const ERROR = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  NOT_PAIRED: 'NOT_PAIRED',
  FORBIDDEN: 'FORBIDDEN',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export const SCOPES = ['operator.read', 'operator.write', 'operator.admin', 'operator.approvals', 'operator.questions', 'operator.pairing', 'operator.talk', 'operator.talk.secrets'] as const;

export const CLIENT_IDS = [
  'webchat-ui', 'openclaw-control-ui', 'openclaw-browser-copilot', 'openclaw-tui', 'webchat', 'cli', 'gateway-client',
  'openclaw-macos', 'openclaw-linux', 'openclaw-ios', 'openclaw-watchos', 'openclaw-android', 'node-host', 'openclaw-worker',
  'test', 'fingerprint', 'openclaw-probe',
] as const;
export const CLIENT_MODES = ['webchat', 'cli', 'ui', 'backend', 'node', 'worker', 'probe', 'test'] as const;
export const ROLES = ['operator', 'node'] as const;

export interface ErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

export interface RequestFrame {
  type: 'req';
  id: string;
  method: string;
  params?: unknown;
  traceparent?: string;
  expectedProfileId?: string;
}

export interface ResponseFrame {
  type: 'res';
  id: string;
  ok: boolean;
  payload?: unknown;
  error?: ErrorShape;
}

export interface EventFrame {
  type: 'event';
  event: string;
  payload?: unknown;
  seq?: number;
  stateVersion?: number;
}

/** An error a method handler throws to answer `ok:false` with this code and details. */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  toShape(): ErrorShape {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function invalidRequest(message: string, details?: Record<string, unknown>): RpcError {
  return new RpcError(ERROR.INVALID_REQUEST, message, details);
}

const REQUEST_KEYS = new Set(['type', 'id', 'method', 'params', 'traceparent', 'expectedProfileId']);

/**
 * Check a parsed frame. Returns the request, or an error (with the id to answer, "invalid" when the
 * frame had none) so the caller can reply and keep the socket open.
 */
export function parseRequestFrame(value: unknown): { ok: true; frame: RequestFrame } | { ok: false; id: string; error: RpcError } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, id: 'invalid', error: invalidRequest('invalid request frame: must be object') };
  }
  const v = value as Record<string, unknown>;
  const id = typeof v.id === 'string' && v.id.length > 0 ? v.id : 'invalid';
  const fail = (why: string) => ({ ok: false as const, id, error: invalidRequest(`invalid request frame: ${why}`) });
  if (v.type !== 'req') return fail(v.type === undefined ? "must have required property 'type'" : 'type must be "req"');
  if (v.id === undefined) return fail("must have required property 'id'");
  if (typeof v.id !== 'string' || v.id.length === 0) return fail('id must be a non-empty string');
  if (v.method === undefined) return fail("must have required property 'method'");
  if (typeof v.method !== 'string' || v.method.length === 0) return fail('method must be a non-empty string');
  for (const key of Object.keys(v)) if (!REQUEST_KEYS.has(key)) return fail(`at root: unexpected property '${key}'`);
  if (v.traceparent !== undefined && (typeof v.traceparent !== 'string' || v.traceparent.length > 128)) return fail('traceparent must be a string of at most 128 characters');
  if (v.expectedProfileId !== undefined && typeof v.expectedProfileId !== 'string') return fail('expectedProfileId must be a string');
  return { ok: true, frame: v as unknown as RequestFrame };
}
