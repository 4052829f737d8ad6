// Device pairing end to end (UPSTREAM §2.9, §3.3-3.5): real gateways, real Ed25519 devices, and the
// real `openclaw devices` CLI. An unpaired device gets PAIRING_REQUIRED with a request id; an
// operator approves it; the device collects its token on reconnect and later needs only that token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeDevice, signedConnect, type DeviceKey } from '../helpers/device.js';
import { BIN, REPO, runCli, type GatewayProcess } from '../helpers/gateway.js';
import { connected, gateway, type Frame, type RawSocket } from '../helpers/ws.js';

async function pairingRequired(g: GatewayProcess, key: DeviceKey, o: Parameters<typeof signedConnect>[2] = {}): Promise<string> {
  const { res, sock } = await signedConnect(g.wsUrl, key, o);
  assert.equal(res.ok, false, 'expected a refusal');
  assert.equal(res.error!.code, 'NOT_PAIRED');
  assert.equal(res.error!.message, 'pairing required');
  const d = res.error!.details!;
  assert.equal(d.code, 'PAIRING_REQUIRED');
  assert.equal(d.recommendedNextStep, 'approve_device');
  assert.equal(d.deviceId, key.id);
  assert.match(String(d.requestId), /^[0-9a-f-]{36}$/);
  const closed = await sock.waitClose();
  assert.deepEqual([closed.code, closed.reason], [1008, 'pairing required']);
  return String(d.requestId);
}

async function accepted(g: GatewayProcess, key: DeviceKey, o: Parameters<typeof signedConnect>[2] = {}): Promise<{ hello: any; sock: RawSocket }> {
  const { res, sock } = await signedConnect(g.wsUrl, key, o);
  assert.equal(res.ok, true, `connect refused: ${JSON.stringify(res.error)}`);
  assert.equal(res.payload.type, 'hello-ok');
  return { hello: res.payload, sock };
}

function cli(g: GatewayProcess, ...args: string[]) {
  return runCli(['devices', ...args], g.env);
}

const READ_WRITE = ['operator.read', 'operator.write'];

describe('ws device pairing', { concurrency: true }, () => {
  it('unpaired device → PAIRING_REQUIRED; devices list shows it; approve previews without an id; approve <id>; the device collects its token, then needs only the token; revoke refuses it again', async (t) => {
    const g = await gateway(t);
    const { sock: operator } = await connected(g.wsUrl, g.token, { scopes: ['operator.admin'] });
    const { sock: reader } = await connected(g.wsUrl, g.token, { scopes: ['operator.read'] });
    const key = makeDevice();

    const requestId = await pairingRequired(g, key, { scopes: READ_WRITE });
    const requested = await operator.waitEvent('device.pair.requested');
    assert.equal(requested.payload.requestId, requestId);
    assert.equal(requested.payload.deviceId, key.id);
    assert.deepEqual(requested.payload.scopes, READ_WRITE);
    assert.equal(requested.payload.displayName, 'Test browser');
    assert.equal(await pairingRequired(g, key, { scopes: READ_WRITE }), requestId, 'the same retry keeps its request id');

    const listJson = await cli(g, 'list', '--json');
    assert.equal(listJson.code, 0, listJson.stderr);
    const listing = JSON.parse(listJson.stdout);
    assert.deepEqual(listing.pending.map((r: { requestId: string }) => r.requestId), [requestId]);
    assert.deepEqual(listing.paired, []);
    const listText = await cli(g, 'list');
    assert.match(listText.stdout, new RegExp(`Pending requests \\(1\\):[\\s\\S]*${requestId}[\\s\\S]*Test browser[\\s\\S]*operator\\.read,operator\\.write`));
    assert.match(listText.stdout, /Paired devices: none/);

    for (const args of [['approve'], ['approve', '--latest']]) {
      const preview = await cli(g, ...args);
      assert.equal(preview.code, 1, `${args.join(' ')} only previews and exits 1`);
      assert.match(preview.stdout, new RegExp(`request  ${requestId}`));
      assert.match(preview.stdout, new RegExp(`Approve it with: openclaw devices approve ${requestId}`));
    }
    assert.equal((await pairingRequired(g, key, { scopes: READ_WRITE })), requestId, 'the previews approved nothing');

    const approve = await cli(g, 'approve', requestId);
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, /Approved device [0-9a-f]{12} as operator \[operator\.read, operator\.write\]/);
    const resolved = await operator.waitEvent('device.pair.resolved');
    assert.deepEqual([resolved.payload.requestId, resolved.payload.decision], [requestId, 'approved']);
    assert.equal(reader.frames.some((f: Frame) => f.event?.startsWith('device.pair.')), false, 'operator.read alone sees no pairing events');

    // The device reconnects with its signature alone and collects its token in hello-ok.
    const first = await accepted(g, key, { scopes: READ_WRITE });
    const deviceToken = first.hello.auth.deviceToken as string;
    assert.match(deviceToken, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(first.hello.auth.scopes, READ_WRITE);
    assert.equal(first.hello.auth.role, 'operator');
    assert.equal((await first.sock.request('status')).ok, true);
    const forbidden = await first.sock.request('config.get');
    assert.equal(forbidden.error?.code, 'FORBIDDEN', 'only the approved scopes');
    assert.equal((await first.sock.request('device.pair.list')).error?.details?.missingScope, 'operator.pairing');
    first.sock.terminate();

    // From now on the token (plus the key) is the credential: no shared secret anywhere.
    const again = await accepted(g, key, { scopes: ['operator.read', 'operator.admin'], deviceToken });
    assert.equal(again.hello.auth.method, 'device-token');
    assert.equal(again.hello.auth.deviceToken, undefined, 'no new token while the current one is valid');
    assert.deepEqual(again.hello.auth.scopes, ['operator.read'], 'asking for more than approved gets the intersection');
    const noToken = await signedConnect(g.wsUrl, key, { scopes: READ_WRITE });
    assert.equal(noToken.res.error?.details?.code, 'PAIRING_REQUIRED', 'the key alone no longer suffices once the token was collected');
    assert.equal(noToken.res.error?.details?.reason, 'token-missing');

    const paired = JSON.parse((await cli(g, 'list', '--json')).stdout);
    assert.equal(paired.paired.length, 1);
    assert.equal(paired.paired[0].deviceId, key.id);
    assert.deepEqual(paired.paired[0].roles.map((r: { role: string; token: string }) => [r.role, r.token]), [['operator', 'issued']]);
    const file = fs.readFileSync(path.join(g.stateDir, 'devices', 'paired.json'), 'utf8');
    assert.equal(file.includes(deviceToken), false, 'the token is never stored');
    assert.equal(fs.statSync(path.join(g.stateDir, 'devices', 'paired.json')).mode & 0o777, 0o600);

    const revoke = await cli(g, 'revoke', '--device', key.id.slice(0, 10), '--role', 'operator');
    assert.equal(revoke.code, 0, revoke.stderr);
    const kicked = await again.sock.waitClose();
    assert.deepEqual([kicked.code, kicked.reason], [4001, 'device token revoked']);
    const refusedId = await pairingRequired(g, key, { scopes: ['operator.read'], deviceToken });
    assert.notEqual(refusedId, requestId);
    operator.terminate();
    reader.terminate();
  });

  it('a retry with changed scopes or role supersedes the pending request with a new id', async (t) => {
    const g = await gateway(t);
    const key = makeDevice();
    const a = await pairingRequired(g, key, { scopes: ['operator.read'] });
    const b = await pairingRequired(g, key, { scopes: READ_WRITE });
    assert.notEqual(a, b);
    const c = await pairingRequired(g, key, { role: 'node', scopes: [] });
    assert.notEqual(c, b);
    const { pending } = JSON.parse((await cli(g, 'list', '--json')).stdout);
    assert.deepEqual(pending.map((r: { requestId: string; supersedes: string }) => [r.requestId, r.supersedes]), [[c, b]]);
    const stale = await cli(g, 'approve', a);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /unknown or expired pairing request/);
    assert.equal((await cli(g, 'approve', c)).code, 0);
    const node = await accepted(g, key, { role: 'node', scopes: [] });
    assert.equal(node.hello.auth.role, 'node');
    assert.deepEqual(node.hello.auth.scopes, []);
    assert.ok(node.hello.auth.deviceToken);
    node.sock.terminate();
  });

  it('shared secret + device identity pairs the device on the spot; its token then works alone', async (t) => {
    const g = await gateway(t);
    const key = makeDevice();
    const first = await accepted(g, key, { token: g.token!, scopes: ['operator.admin'] });
    const deviceToken = first.hello.auth.deviceToken as string;
    assert.ok(deviceToken, 'hello-ok carries a device token');
    assert.equal(first.hello.auth.method, 'token');
    first.sock.terminate();
    const list = JSON.parse((await cli(g, 'list', '--json')).stdout);
    assert.deepEqual(list.paired.map((d: { deviceId: string }) => d.deviceId), [key.id]);
    assert.deepEqual(list.paired[0].roles[0].scopes, ['operator.admin']);

    const alone = await accepted(g, key, { scopes: ['operator.admin'], deviceToken });
    assert.deepEqual(alone.hello.auth.scopes, ['operator.admin']);
    assert.equal((await alone.sock.request('config.get')).ok, true);
    alone.sock.terminate();
    // The same device with the secret and its current token: nothing new to hand out.
    const both = await accepted(g, key, { token: g.token!, scopes: ['operator.admin'], deviceToken });
    assert.equal(both.hello.auth.deviceToken, undefined);
    both.sock.terminate();
    // Another key cannot use that token.
    const thief = await signedConnect(g.wsUrl, makeDevice(), { scopes: ['operator.admin'], deviceToken });
    assert.equal(thief.res.error?.details?.code, 'PAIRING_REQUIRED');
  });

  it('reject, rename, remove, rotate and clear from the CLI', async (t) => {
    const g = await gateway(t);
    const { sock: operator } = await connected(g.wsUrl, g.token, { scopes: ['operator.pairing'] });
    const a = makeDevice();
    const b = makeDevice();
    const reqA = await pairingRequired(g, a);
    const rejected = await cli(g, 'reject', reqA);
    assert.equal(rejected.code, 0, rejected.stderr);
    const resolved = await operator.waitEvent('device.pair.resolved');
    assert.deepEqual([resolved.payload.requestId, resolved.payload.decision], [reqA, 'rejected']);
    assert.deepEqual(JSON.parse((await cli(g, 'list', '--json')).stdout).pending, []);

    const first = await accepted(g, b, { token: g.token!, scopes: ['operator.read'] });
    first.sock.terminate();
    const tooLong = await cli(g, 'rename', '--device', b.id, '--name', 'x'.repeat(65));
    assert.equal(tooLong.code, 2);
    assert.equal((await cli(g, 'rename', '--device', b.id, '--name', 'Kitchen tablet')).code, 0);
    const text = (await cli(g, 'list')).stdout;
    assert.match(text, /Paired devices \(1\):[\s\S]*Kitchen tablet[\s\S]*operator\[operator\.read\]/);

    const rotate = await cli(g, 'rotate', '--device', 'Kitchen tablet', '--role', 'operator', '--json');
    assert.equal(rotate.code, 0, rotate.stderr);
    const stale = await accepted(g, b, { deviceToken: first.hello.auth.deviceToken });
    assert.ok(stale.hello.auth.deviceToken && stale.hello.auth.deviceToken !== first.hello.auth.deviceToken, 'rotated: a new token on the next signed connect');

    const removed = await cli(g, 'remove', b.id.slice(0, 8));
    assert.equal(removed.code, 0, removed.stderr);
    const kicked = await stale.sock.waitClose();
    assert.equal(kicked.code, 4001);
    assert.equal((await cli(g, 'remove', b.id)).code, 1);

    await pairingRequired(g, a);
    (await accepted(g, b, { token: g.token!, scopes: ['operator.read'] })).sock.terminate();
    const noYes = await cli(g, 'clear');
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /without --yes/);
    const clear = await cli(g, 'clear', '--yes', '--json');
    assert.deepEqual(JSON.parse(clear.stdout), { removed: [b.id], rejected: [] });
    const clearPending = await cli(g, 'clear', '--yes', '--pending');
    assert.match(clearPending.stdout, /Removed 0 paired device\(s\); rejected 1 pending request\(s\)/);
    assert.deepEqual(JSON.parse((await cli(g, 'list', '--json')).stdout), { pending: [], paired: [] });
    assert.equal((await cli(g, 'bogus')).code, 2);
    operator.terminate();
  });

  it('clawdock-devices and clawdock-approve drive `openclaw devices` (docker compose run mapped onto the local CLI)', async (t) => {
    const g = await gateway(t);
    const key = makeDevice();
    const requestId = await pairingRequired(g, key);
    // A docker that runs `compose run --rm openclaw-cli ARGS...` as `openclaw ARGS...` on this host.
    const bin = fs.mkdtempSync(path.join(g.stateDir, 'bin-'));
    fs.writeFileSync(
      path.join(bin, 'docker'),
      `#!/usr/bin/env bash\n[ "$1 $2 $3 $4" = "compose run --rm openclaw-cli" ] || { echo "unexpected: $*" >&2; exit 99; }\nshift 4\nexec "${process.execPath}" "${BIN}" "$@"\n`,
      { mode: 0o755 },
    );
    const checkout = fs.mkdtempSync(path.join(g.stateDir, 'checkout-'));
    fs.writeFileSync(path.join(checkout, 'docker-compose.yml'), 'services: {}\n');
    const script = `source "${path.join(REPO, 'scripts/clawdock/clawdock-helpers.sh')}" && clawdock-devices && clawdock-approve "$1"`;
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn('bash', ['-c', script, 'clawdock', requestId], { env: { ...g.env, PATH: `${bin}:${process.env.PATH}`, CLAWDOCK_DIR: checkout, HOME: g.stateDir } });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('exit', (code) => resolve({ code: code ?? -1, out }));
    });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, new RegExp(`Pending requests \\(1\\):[\\s\\S]*${requestId}`));
    assert.match(result.out, /Approved device/);
    (await accepted(g, key)).sock.terminate();
  });
});
