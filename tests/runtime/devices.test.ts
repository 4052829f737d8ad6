// The pairing store on its own (runtime/gateway/devices.ts): paired.json written atomically with
// mode 0600, tokens kept only as sha256, supersede rules for pending requests, and their TTL.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { DeviceStore, DeviceError, hashToken, MAX_DEVICE_NAME, MAX_PENDING, tokenMatches, type DeviceHello } from '../../runtime/gateway/devices.js';

function tmpDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openclaw-devices-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'devices');
}

function hello(n: number, extra: Partial<DeviceHello> = {}): DeviceHello {
  const publicKey = Buffer.alloc(32, n).toString('base64url');
  return {
    deviceId: createHash('sha256').update(Buffer.alloc(32, n)).digest('hex'),
    publicKey,
    role: 'operator',
    scopes: ['operator.read'],
    clientId: 'openclaw-control-ui',
    clientMode: 'ui',
    platform: 'linux',
    remoteAddress: '172.17.0.1',
    ...extra,
  };
}

/** A clock the test moves by hand. */
function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('device pairing store', () => {
  it('an unknown device gets a pending request; the same retry keeps its id, a changed role or scopes supersede it', async (t) => {
    const store = new DeviceStore(tmpDir(t));
    const first = await store.authenticate(hello(1));
    assert.equal(first.kind, 'pairing');
    if (first.kind !== 'pairing') return;
    assert.equal(first.created, true);
    assert.equal(first.reason, 'not-paired');
    assert.equal(first.request.isRepair, false);

    const again = await store.authenticate(hello(1, { scopes: ['operator.read', 'operator.read'] }));
    assert.ok(again.kind === 'pairing' && !again.created && again.request.requestId === first.request.requestId, 'same request: same id');

    const wider = await store.authenticate(hello(1, { scopes: ['operator.read', 'operator.write'] }));
    assert.ok(wider.kind === 'pairing' && wider.created);
    assert.notEqual(wider.request.requestId, first.request.requestId);
    assert.equal(wider.request.supersedes, first.request.requestId);

    const asNode = await store.authenticate(hello(1, { role: 'node', scopes: [] }));
    assert.ok(asNode.kind === 'pairing' && asNode.created && asNode.request.supersedes === wider.request.requestId);

    const pending = await store.listPending();
    assert.deepEqual(pending.map((r) => r.requestId), [asNode.request.requestId], 'one pending request per device');
    await assert.rejects(store.approve(first.request.requestId), (e: unknown) => e instanceof DeviceError && e.code === 'UNKNOWN_REQUEST');
  });

  it('a changed key supersedes the pending request of the same device id', async (t) => {
    const store = new DeviceStore(tmpDir(t));
    const a = await store.authenticate(hello(1));
    const b = await store.authenticate(hello(1, { publicKey: Buffer.alloc(32, 9).toString('base64url') }));
    assert.ok(a.kind === 'pairing' && b.kind === 'pairing');
    assert.equal(b.created, true);
    assert.equal(b.request.supersedes, a.request.requestId);
  });

  it('pending requests expire after the TTL; a retry refreshes it; the oldest is dropped past the cap', async (t) => {
    const c = clock();
    const store = new DeviceStore(tmpDir(t), c.now, 60_000);
    const a = await store.authenticate(hello(1));
    c.advance(50_000);
    await store.authenticate(hello(1)); // refreshes the expiry
    c.advance(50_000);
    assert.equal((await store.listPending()).length, 1, 'refreshed by the retry');
    c.advance(60_001);
    assert.equal((await store.listPending()).length, 0, 'expired');
    assert.ok(a.kind === 'pairing');
    await assert.rejects(store.approve(a.request.requestId), /unknown or expired pairing request/);

    for (let i = 0; i < MAX_PENDING + 5; i++) {
      await store.authenticate(hello(1, { deviceId: `dev-${i}` }));
      c.advance(1);
    }
    const pending = await store.listPending();
    assert.equal(pending.length, MAX_PENDING);
    assert.equal(pending[0]!.deviceId, 'dev-5', 'the oldest were dropped');
  });

  it('approve writes paired.json atomically with mode 0600; the token is issued once, on the next signed connect, and stored as its sha256 only', async (t) => {
    const dir = tmpDir(t);
    const store = new DeviceStore(dir);
    const req = await store.authenticate(hello(1, { scopes: ['operator.read', 'operator.write'] }));
    assert.ok(req.kind === 'pairing');
    assert.equal(fs.existsSync(path.join(dir, 'paired.json')), false, 'a pending request is not written');
    await store.approve(req.request.requestId);
    const file = path.join(dir, 'paired.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(dir), ['paired.json'], 'no temp file left behind');
    assert.equal((await store.listPaired())[0]!.roles[0]!.token, 'awaiting-device');

    const first = await store.authenticate(hello(1, { scopes: ['operator.read', 'operator.admin'] }));
    assert.equal(first.kind, 'ok');
    assert.ok(first.kind === 'ok' && first.deviceToken && first.via === 'first-delivery');
    assert.deepEqual(first.scopes, ['operator.read'], 'the intersection of what it asks and what was approved');
    const token = first.deviceToken;
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text.includes(token), false, 'the token itself is never written');
    assert.ok(text.includes(hashToken(token)), 'its sha256 is');
    assert.equal(JSON.stringify(await store.listPaired()).includes(hashToken(token)), false, 'the list never shows a hash');

    const again = await store.authenticate(hello(1, { scopes: ['operator.write'], deviceToken: token }));
    assert.ok(again.kind === 'ok' && again.via === 'device-token' && again.deviceToken === undefined);
    assert.deepEqual(again.kind === 'ok' && again.scopes, ['operator.write']);

    const noToken = await store.authenticate(hello(1, { scopes: ['operator.read'] }));
    assert.ok(noToken.kind === 'pairing' && noToken.reason === 'token-missing' && noToken.request.isRepair, 'the key alone is not enough once the token was collected');
    const wrong = await store.authenticate(hello(1, { scopes: ['operator.read'], deviceToken: token + 'x' }));
    assert.ok(wrong.kind === 'pairing' && wrong.reason === 'token-mismatch');

    // A fresh store reads what the first one wrote.
    const reread = new DeviceStore(dir);
    const back = await reread.authenticate(hello(1, { scopes: ['operator.read'], deviceToken: token }));
    assert.equal(back.kind, 'ok');
  });

  it('tokenMatches is a constant-time compare of sha256 digests and refuses empty input', () => {
    const h = hashToken('abc');
    assert.equal(h, createHash('sha256').update('abc').digest('hex'));
    assert.equal(tokenMatches(h, 'abc'), true);
    assert.equal(tokenMatches(h, 'abd'), false);
    assert.equal(tokenMatches(h, ''), false);
    assert.equal(tokenMatches(h, undefined), false);
    assert.equal(tokenMatches(undefined, 'abc'), false);
    assert.equal(tokenMatches('00', 'abc'), false, 'a malformed stored hash never matches');
  });

  it('revoke drops the grant (the token stops working), rotate re-issues on the next connect, remove forgets the device', async (t) => {
    const store = new DeviceStore(tmpDir(t));
    const paired = await store.autoPair(hello(1, { scopes: ['operator.admin'] }));
    assert.ok(paired.created && paired.deviceToken);
    const kept = await store.autoPair(hello(1, { scopes: ['operator.admin'], deviceToken: paired.deviceToken }));
    assert.deepEqual(kept, { created: false }, 'presenting the current token for the same scopes issues nothing new');
    const widened = await store.autoPair(hello(1, { scopes: ['operator.read'], deviceToken: paired.deviceToken }));
    assert.ok(widened.deviceToken && widened.deviceToken !== paired.deviceToken, 'changed scopes: new token');
    const token = widened.deviceToken;

    await store.rotate(hello(1).deviceId, 'operator', ['operator.read']);
    const stale = await store.authenticate(hello(1, { deviceToken: token }));
    assert.ok(stale.kind === 'ok' && stale.via === 'first-delivery' && stale.deviceToken && stale.deviceToken !== token, 'rotated: a fresh token on the next signed connect');
    const fresh = stale.kind === 'ok' ? stale.deviceToken! : '';

    await store.revoke(hello(1).deviceId, 'operator');
    const refused = await store.authenticate(hello(1, { deviceToken: fresh }));
    assert.ok(refused.kind === 'pairing' && refused.reason === 'role-not-paired');
    await assert.rejects(store.revoke(hello(1).deviceId, 'operator'), (e: unknown) => e instanceof DeviceError && e.code === 'UNKNOWN_ROLE');

    await store.rename(hello(1).deviceId, '  Kitchen tablet ');
    assert.equal((await store.listPaired())[0]!.name, 'Kitchen tablet');
    await assert.rejects(store.rename(hello(1).deviceId, 'x'.repeat(MAX_DEVICE_NAME + 1)), (e: unknown) => e instanceof DeviceError && e.code === 'INVALID_NAME');
    await assert.rejects(store.rename(hello(1).deviceId, '   '), /1-64 printable/);
    await store.rename(hello(1).deviceId, 'y'.repeat(MAX_DEVICE_NAME));

    await store.remove(hello(1).deviceId);
    assert.deepEqual(await store.listPaired(), []);
    assert.deepEqual(await store.listPending(), [], 'remove also drops its pending request');
    await assert.rejects(store.remove(hello(1).deviceId), (e: unknown) => e instanceof DeviceError && e.code === 'UNKNOWN_DEVICE');
  });

  it('concurrent writes are serialized and the file always parses', async (t) => {
    const dir = tmpDir(t);
    const store = new DeviceStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.autoPair(hello(i + 1))));
    const data = JSON.parse(fs.readFileSync(path.join(dir, 'paired.json'), 'utf8'));
    assert.equal(data.devices.length, 20);
    assert.deepEqual(fs.readdirSync(dir), ['paired.json']);
  });
  it('a paired.json that does not parse is moved aside (and reported), not a lock-out', async (t) => {
    const dir = tmpDir(t);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'paired.json'), '{"devices": [tru');
    const warnings: string[] = [];
    const store = new DeviceStore(dir, Date.now, 60_000, (event) => warnings.push(event));
    const r = await store.authenticate(hello(1));
    assert.equal(r.kind, 'pairing');
    assert.deepEqual(warnings, ['devices.store_corrupt']);
    assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('paired.json.corrupt-')));
  });

  it('a failed write does not leave a token hash the device never received', async (t) => {
    const dir = tmpDir(t);
    const store = new DeviceStore(dir);
    const req = await store.authenticate(hello(1));
    assert.ok(req.kind === 'pairing');
    await store.approve(req.request.requestId);
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a directory'); // every write now fails
    await assert.rejects(store.authenticate(hello(1)));
    await assert.rejects(store.autoPair(hello(2)));
    assert.deepEqual((await store.listPaired()).map((d) => d.deviceId), [hello(1).deviceId], 'the failed auto-pair left nothing behind');
    fs.rmSync(dir);
    const retry = await store.authenticate(hello(1));
    assert.ok(retry.kind === 'ok' && retry.via === 'first-delivery' && retry.deviceToken, 'the grant is still waiting for the device');
  });
});
