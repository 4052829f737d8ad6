// Device identity at connect (UPSTREAM §3.3-3.4): an Ed25519 key, id = sha256(raw public key), and a
// signature over the v3 (or v2) payload that binds the challenge nonce, role, scopes and secret.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { connectParams, gateway, RawSocket, type Frame } from '../helpers/ws.js';

interface DeviceKey {
  id: string;
  publicKey: string;
  privateKey: KeyObject;
}

function makeDevice(): DeviceKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  assert.equal(raw.length, 32);
  return { id: createHash('sha256').update(raw).digest('hex'), publicKey: raw.toString('base64url'), privateKey };
}

interface SignInput {
  version: 'v2' | 'v3';
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  signedAt: number;
  token: string;
  nonce: string;
  platform: string;
  deviceFamily: string;
}

/** `v3|deviceId|clientId|clientMode|role|scopes,comma|signedAtMs|token|nonce|platform|deviceFamily` (v2 stops at nonce). */
function devicePayload(p: SignInput): string {
  const common = [p.version, p.deviceId, p.clientId, p.clientMode, p.role, p.scopes.join(','), String(p.signedAt), p.token, p.nonce];
  return (p.version === 'v3' ? [...common, p.platform, p.deviceFamily] : common).join('|');
}

const SCOPES = ['operator.read', 'operator.write'];
const CLIENT = { id: 'openclaw-linux', version: '1.2.3', platform: 'linux', mode: 'ui', deviceFamily: 'desktop' };

interface Attempt {
  /** What the client signs; defaults match what it sends. */
  sign?: Partial<SignInput>;
  /** Changes to the `device` block after signing. */
  device?: Record<string, unknown>;
  /** Changes to the connect params after signing. */
  params?: Record<string, unknown>;
  key?: DeviceKey;
  /** Applied to the signature after signing. */
  tamper?: (signature: string) => string;
}

/** Open a socket, answer the challenge with a signed device identity, return the response and close. */
async function connectWithDevice(url: string, token: string, attempt: Attempt = {}): Promise<{ res: Frame; sock: RawSocket }> {
  const key = attempt.key ?? makeDevice();
  const sock = await RawSocket.open(url);
  const challenge = await sock.waitEvent('connect.challenge');
  const input: SignInput = {
    version: 'v3',
    deviceId: key.id,
    clientId: CLIENT.id,
    clientMode: CLIENT.mode,
    role: 'operator',
    scopes: SCOPES,
    signedAt: challenge.payload.ts,
    token,
    nonce: challenge.payload.nonce,
    platform: CLIENT.platform,
    deviceFamily: CLIENT.deviceFamily,
    ...attempt.sign,
  };
  const signed = sign(null, Buffer.from(devicePayload(input), 'utf8'), key.privateKey).toString('base64url');
  const signature = attempt.tamper ? attempt.tamper(signed) : signed;
  const device = { id: key.id, publicKey: key.publicKey, signature, signedAt: input.signedAt, nonce: input.nonce, ...attempt.device };
  const params = connectParams(token, { client: CLIENT, scopes: SCOPES, device, ...attempt.params });
  const res = await sock.request('connect', params);
  return { res, sock };
}

function flipLastByte(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[bytes.length - 1]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('ws device identity', { concurrency: true }, () => {
  it('a v3 signature (binding platform and deviceFamily) is accepted with the scopes it signed', async (t) => {
    const g = await gateway(t);
    const { res, sock } = await connectWithDevice(g.wsUrl, g.token!);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.type, 'hello-ok');
    assert.deepEqual(res.payload.auth.scopes, SCOPES);
    assert.equal((await sock.request('status')).ok, true);
    sock.terminate();
  });

  it('a v2 signature (no platform/deviceFamily) is accepted', async (t) => {
    const g = await gateway(t);
    const { res, sock } = await connectWithDevice(g.wsUrl, g.token!, { sign: { version: 'v2' } });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    sock.terminate();
  });

  it('bad device proofs are refused with DEVICE_AUTH_* and close 1008', async (t) => {
    const g = await gateway(t);
    const other = makeDevice();
    const cases: Array<[string, Attempt, string, string]> = [
      ['a nonce from another challenge (replay)', { sign: { nonce: randomUUID() } }, 'DEVICE_AUTH_NONCE_MISMATCH', 'device signature nonce mismatch'],
      ['a tampered signature', { tamper: flipLastByte }, 'DEVICE_AUTH_SIGNATURE_INVALID', 'device signature invalid'],
      ['an id that is not sha256(publicKey)', { device: { id: other.id } }, 'DEVICE_AUTH_DEVICE_ID_MISMATCH', 'device id does not match its public key'],
      ['a key other than the signer', { device: { publicKey: other.publicKey, id: other.id } }, 'DEVICE_AUTH_SIGNATURE_INVALID', 'device signature invalid'],
      ['more scopes than were signed', { params: { scopes: [...SCOPES, 'operator.admin'] } }, 'DEVICE_AUTH_SIGNATURE_INVALID', 'device signature invalid'],
      ['another role than was signed', { sign: { role: 'node' } }, 'DEVICE_AUTH_SIGNATURE_INVALID', 'device signature invalid'],
      ['a signature over another secret', { sign: { token: 'some-other-token' } }, 'DEVICE_AUTH_SIGNATURE_INVALID', 'device signature invalid'],
      ['another platform than was signed (v3)', { sign: { platform: 'darwin' } }, 'DEVICE_AUTH_SIGNATURE_INVALID', 'device signature invalid'],
      ['a signature eleven minutes old', { sign: { signedAt: Date.now() - 11 * 60_000 } }, 'DEVICE_AUTH_SIGNATURE_EXPIRED', 'device signature expired'],
      ['a public key that is not 32 bytes', { device: { publicKey: Buffer.alloc(31, 1).toString('base64url') } }, 'DEVICE_AUTH_PUBLIC_KEY_INVALID', 'device public key invalid'],
    ];
    for (const [name, attempt, code, message] of cases) {
      const { res, sock } = await connectWithDevice(g.wsUrl, g.token!, attempt);
      assert.deepEqual(res.error, { code: 'INVALID_REQUEST', message, details: { code } }, name);
      const closed = await sock.waitClose();
      assert.deepEqual([closed.code, closed.reason], [1008, message], name);
    }
  });

  it('a device identity without the shared secret: NOT_PAIRED + PAIRING_REQUIRED, close 1008', async (t) => {
    const g = await gateway(t);
    const { res, sock } = await connectWithDevice(g.wsUrl, '', { params: { auth: {} } });
    assert.equal(res.error!.code, 'NOT_PAIRED');
    assert.equal(res.error!.message, 'pairing required');
    assert.equal(res.error!.details!.code, 'PAIRING_REQUIRED');
    const closed = await sock.waitClose();
    assert.deepEqual([closed.code, closed.reason], [1008, 'pairing required']);
  });
});
