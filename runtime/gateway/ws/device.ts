// Device identity: an Ed25519 key whose id is sha256(raw public key). The client signs a pipe-joined
// payload that binds the challenge nonce, its claimed role and scopes, and the shared secret, so a
// captured signature cannot be replayed on another connection or for more scopes.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { ConnectParams } from './connect-params.js';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** How far a device's clock may drift from ours. */
export const DEVICE_SIGNATURE_SKEW_MS = 10 * 60_000;

export type DeviceCheck = { ok: true; deviceId: string } | { ok: false; code: string; message: string };

function fromBase64Url(value: string): Buffer {
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Lowercase ASCII only, trimmed: the same on every client runtime. */
function normalizeMeta(value: string | undefined): string {
  return (value ?? '').trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function devicePayloads(params: ConnectParams, deviceId: string, nonce: string, signedAt: number): string[] {
  const role = params.role ?? 'operator';
  const scopes = (params.scopes ?? []).join(',');
  const token = params.auth?.token ?? params.auth?.deviceToken ?? '';
  const common = [deviceId, params.client.id, params.client.mode, role, scopes, String(signedAt), token, nonce];
  return [
    ['v3', ...common, normalizeMeta(params.client.platform), normalizeMeta(params.client.deviceFamily)].join('|'),
    ['v2', ...common].join('|'),
  ];
}

export function verifyDevice(params: ConnectParams, challengeNonce: string, now = Date.now()): DeviceCheck {
  const device = params.device!;
  let raw: Buffer;
  try {
    raw = fromBase64Url(device.publicKey);
  } catch {
    raw = Buffer.alloc(0);
  }
  if (raw.length !== 32) return { ok: false, code: 'DEVICE_AUTH_PUBLIC_KEY_INVALID', message: 'device public key invalid' };
  const deviceId = createHash('sha256').update(raw).digest('hex');
  if (device.id !== deviceId) return { ok: false, code: 'DEVICE_AUTH_DEVICE_ID_MISMATCH', message: 'device id does not match its public key' };
  if (device.nonce !== challengeNonce) return { ok: false, code: 'DEVICE_AUTH_NONCE_MISMATCH', message: 'device signature nonce mismatch' };
  if (Math.abs(now - device.signedAt) > DEVICE_SIGNATURE_SKEW_MS) return { ok: false, code: 'DEVICE_AUTH_SIGNATURE_EXPIRED', message: 'device signature expired' };
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  const signature = fromBase64Url(device.signature);
  for (const payload of devicePayloads(params, deviceId, device.nonce, device.signedAt)) {
    if (verify(null, Buffer.from(payload, 'utf8'), key, signature)) return { ok: true, deviceId };
  }
  return { ok: false, code: 'DEVICE_AUTH_SIGNATURE_INVALID', message: 'device signature invalid' };
}
