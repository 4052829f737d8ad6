// A real Ed25519 device for protocol tests: id = sha256(raw public key), and a connect signed over
// the v3 payload `v3|deviceId|clientId|clientMode|role|scopes|signedAt|secret|nonce|platform|family`
// where `secret` is the shared token, else the device token, else empty.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { connectParams, RawSocket, type Frame } from './ws.js';

export interface DeviceKey {
  id: string;
  publicKey: string;
  privateKey: KeyObject;
}

export function makeDevice(): DeviceKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { id: createHash('sha256').update(raw).digest('hex'), publicKey: raw.toString('base64url'), privateKey };
}

export const DEVICE_CLIENT = { id: 'openclaw-control-ui', version: '1.2.3', platform: 'linux', mode: 'ui', deviceFamily: 'desktop', displayName: 'Test browser' };

export interface SignedConnect {
  role?: string;
  scopes?: string[];
  /** The shared secret (auth.token). */
  token?: string;
  deviceToken?: string;
  client?: Record<string, string>;
}

/** Open a socket and connect with a signed device identity; the socket stays open if accepted. */
export async function signedConnect(url: string, key: DeviceKey, o: SignedConnect = {}): Promise<{ res: Frame; sock: RawSocket }> {
  const role = o.role ?? 'operator';
  const scopes = o.scopes ?? ['operator.read'];
  const client = o.client ?? DEVICE_CLIENT;
  const sock = await RawSocket.open(url);
  const challenge = await sock.waitEvent('connect.challenge');
  const { nonce, ts } = challenge.payload as { nonce: string; ts: number };
  const secret = o.token ?? o.deviceToken ?? '';
  const payload = ['v3', key.id, client.id, client.mode, role, scopes.join(','), String(ts), secret, nonce, client.platform ?? '', client.deviceFamily ?? ''].join('|');
  const signature = sign(null, Buffer.from(payload, 'utf8'), key.privateKey).toString('base64url');
  const auth: Record<string, string> = {};
  if (o.token) auth.token = o.token;
  if (o.deviceToken) auth.deviceToken = o.deviceToken;
  const params = connectParams(undefined, { client, role, scopes, auth, device: { id: key.id, publicKey: key.publicKey, signature, signedAt: ts, nonce } });
  const res = await sock.request('connect', params);
  return { res, sock };
}
