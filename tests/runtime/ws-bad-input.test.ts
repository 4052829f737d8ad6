// UPSTREAM §3.7, row by row: each bad input gets upstream's response frame and close code. The size
// rows (frames over the pre-auth and post-auth caps) are in ws-limits.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { connected, connectParams, gateway, RawSocket, type Frame } from '../helpers/ws.js';

const TOKEN_MISMATCH = {
  code: 'INVALID_REQUEST',
  message: "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)",
  details: { code: 'AUTH_TOKEN_MISMATCH', authReason: 'token_mismatch', canRetryWithDeviceToken: false, recommendedNextStep: 'update_auth_credentials' },
};

/** Send connect with these params on a fresh socket; returns the response, its delay and the close. */
async function tryConnect(url: string, params: Record<string, unknown>, origin?: string): Promise<{ res: Frame; id: string; delayMs: number; code: number; reason: string }> {
  const sock = await RawSocket.open(url, origin ? { origin } : {});
  await sock.waitEvent('connect.challenge');
  const id = randomUUID();
  const sent = performance.now();
  sock.send({ type: 'req', id, method: 'connect', params });
  const res = await sock.response(id, 10_000);
  const delayMs = performance.now() - sent;
  const closed = await sock.waitClose();
  return { res, id, delayMs, code: closed.code, reason: closed.reason };
}

describe('ws bad input (UPSTREAM §3.7)', { concurrency: true }, () => {
  it('wrong token: INVALID_REQUEST + AUTH_TOKEN_MISMATCH after ~250 ms, close 1008 with the same text', async (t) => {
    const g = await gateway(t);
    const { res, id, delayMs, code, reason } = await tryConnect(g.wsUrl, connectParams('not-the-token'));
    assert.deepEqual(res, { type: 'res', id, ok: false, error: TOKEN_MISMATCH });
    assert.ok(delayMs >= 245, `answered after ${delayMs.toFixed(0)} ms, expected the 250 ms failure delay`);
    assert.equal(code, 1008);
    assert.equal(reason, TOKEN_MISMATCH.message);
  });

  it('repeated wrong tokens: delay doubles from 250 ms to a 5 s cap; a correct token still works and resets it', async (t) => {
    const g = await gateway(t);
    const expected = [250, 500, 1000, 2000, 4000, 5000]; // uncapped, the sixth would be 8000
    const measured: number[] = [];
    for (const e of expected) {
      const { res, code, delayMs } = await tryConnect(g.wsUrl, connectParams('wrong'));
      measured.push(Math.round(delayMs));
      assert.deepEqual(res.error, TOKEN_MISMATCH);
      assert.equal(code, 1008);
      assert.ok(delayMs >= e - 5 && delayMs < e + 250 + e * 0.2, `attempt ${measured.length}: ${delayMs.toFixed(0)} ms, expected ~${e} (all: ${measured})`);
    }
    const { sock, hello } = await connected(g.wsUrl, g.token);
    assert.equal(hello.type, 'hello-ok', 'loopback is never locked out');
    sock.terminate();
    const after = await tryConnect(g.wsUrl, connectParams('wrong'));
    assert.ok(after.delayMs < 750, `a success resets the delay; next failure waited ${after.delayMs.toFixed(0)} ms`);
  });

  for (const [name, auth] of [
    ['no auth', undefined],
    ['empty auth', {}],
    ['empty token', { token: '' }],
  ] as const) {
    it(`${name}: NOT_PAIRED + DEVICE_IDENTITY_REQUIRED, close 1008 "device identity required"`, async (t) => {
      const g = await gateway(t);
      const { res, code, reason } = await tryConnect(g.wsUrl, connectParams(g.token, { auth }));
      assert.equal(res.ok, false);
      assert.equal(res.error!.code, 'NOT_PAIRED');
      assert.equal(res.error!.message, 'device identity required');
      assert.equal(res.error!.details!.code, 'DEVICE_IDENTITY_REQUIRED');
      assert.deepEqual([code, reason], [1008, 'device identity required']);
    });
  }

  it('protocol range 1..2: INVALID_REQUEST + PROTOCOL_MISMATCH with both ranges, close 1002', async (t) => {
    const g = await gateway(t);
    const { res, id, code, reason } = await tryConnect(g.wsUrl, connectParams(g.token, { minProtocol: 1, maxProtocol: 2 }));
    assert.deepEqual(res, {
      type: 'res',
      id,
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: 'protocol mismatch',
        details: { code: 'PROTOCOL_MISMATCH', clientMinProtocol: 1, clientMaxProtocol: 2, expectedProtocol: 4, minimumProbeProtocol: 3 },
      },
    });
    assert.deepEqual([code, reason], [1002, 'protocol mismatch']);
  });

  it('role "root": INVALID_REQUEST "invalid role", close 1008', async (t) => {
    const g = await gateway(t);
    const { res, id, code } = await tryConnect(g.wsUrl, connectParams(g.token, { role: 'root' }));
    assert.deepEqual(res, { type: 'res', id, ok: false, error: { code: 'INVALID_REQUEST', message: 'invalid role' } });
    assert.equal(code, 1008);
  });

  it("an extra connect property: \"invalid connect params: at root: unexpected property 'extra'\", close 1008", async (t) => {
    const g = await gateway(t);
    const { res, id, code, reason } = await tryConnect(g.wsUrl, connectParams(g.token, { extra: true }));
    const message = "invalid connect params: at root: unexpected property 'extra'";
    assert.deepEqual(res, { type: 'res', id, ok: false, error: { code: 'INVALID_REQUEST', message } });
    assert.deepEqual([code, reason], [1008, message]);
  });

  it('health before connect: "invalid handshake: first request must be connect", close 1008', async (t) => {
    const g = await gateway(t);
    const sock = await RawSocket.open(g.wsUrl);
    await sock.waitEvent('connect.challenge');
    const res = await sock.request('health');
    assert.deepEqual(res.error, { code: 'INVALID_REQUEST', message: 'invalid handshake: first request must be connect' });
    assert.equal((await sock.waitClose()).code, 1008);
  });

  it('bad JSON before connect: no answer, silent close 1000', async (t) => {
    const g = await gateway(t);
    const sock = await RawSocket.open(g.wsUrl);
    await sock.waitEvent('connect.challenge');
    sock.send('{not json');
    const closed = await sock.waitClose();
    assert.deepEqual([closed.code, closed.reason], [1000, '']);
    assert.deepEqual(sock.frames.map((f) => f.event ?? f.type), ['connect.challenge'], 'nothing but the challenge was sent');
  });

  it('bad JSON after connect is ignored and the socket stays usable', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const mark = sock.frames.length;
    sock.send('{not json');
    const res = await sock.request('health');
    assert.equal(res.ok, true);
    assert.deepEqual(sock.nonTickFrames.slice(sock.nonTickFrames.indexOf(sock.frames[mark - 1]!) + 1), [res], 'the bad frame got no answer');
    assert.ok(sock.isOpen);
    sock.terminate();
  });

  it('a request without id after connect: res id "invalid" INVALID_REQUEST, socket stays open', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    sock.send({ type: 'req', method: 'health' });
    const res = await sock.response('invalid');
    assert.deepEqual(res, { type: 'res', id: 'invalid', ok: false, error: { code: 'INVALID_REQUEST', message: "invalid request frame: must have required property 'id'" } });
    assert.equal((await sock.request('health')).ok, true, 'still usable');
    sock.terminate();
  });

  it('an unknown method: "unknown method: no.such.method", socket stays open', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const res = await sock.request('no.such.method');
    assert.deepEqual(res, { type: 'res', id: res.id, ok: false, error: { code: 'INVALID_REQUEST', message: 'unknown method: no.such.method' } });
    assert.equal((await sock.request('health')).ok, true, 'still usable');
    sock.terminate();
  });

  it('frames that break the request shape after connect are answered, not fatal', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const cases: Array<[unknown, string, string]> = [
      [{ type: 'req', id: 'x1', method: 'health', extra: 1 }, 'x1', "invalid request frame: at root: unexpected property 'extra'"],
      [[1, 2], 'invalid', 'invalid request frame: must be object'],
      [{ type: 'req', id: 'x2', method: 'connect', params: connectParams(g.token) }, 'x2', 'already connected'],
    ];
    for (const [frame, id, message] of cases) {
      const mark = sock.frames.length;
      sock.send(frame);
      const res = await sock.waitFor((f) => f.type === 'res' && f.id === id, `answer to ${JSON.stringify(frame)}`, 5000, mark);
      assert.deepEqual(res.error, { code: 'INVALID_REQUEST', message });
    }
    assert.equal((await sock.request('health')).ok, true);
    sock.terminate();
  });

  it('a socket that never sends connect is closed with 1000 at the handshake timeout; a connected one is not', async (t) => {
    const timeoutMs = 400;
    const g = await gateway(t, { env: { OPENCLAW_HANDSHAKE_TIMEOUT_MS: String(timeoutMs) } });
    const { sock: ok } = await connected(g.wsUrl, g.token);
    const started = performance.now();
    const idle = await RawSocket.open(g.wsUrl);
    const closed = await idle.waitClose(timeoutMs + 3000);
    const elapsed = closed.at - started;
    assert.equal(closed.code, 1000);
    assert.ok(elapsed >= timeoutMs - 5 && elapsed < timeoutMs + 1500, `closed after ${elapsed.toFixed(0)} ms, expected ~${timeoutMs}`);
    assert.ok(ok.isOpen, 'a connected client outlives the handshake timeout (its own fired before the idle one)');
    assert.equal((await ok.request('health')).ok, true);
    ok.terminate();
  });

  it('a foreign Origin with the correct token: CONTROL_UI_ORIGIN_NOT_ALLOWED, close 1008', async (t) => {
    const g = await gateway(t);
    const { res, code } = await tryConnect(g.wsUrl, connectParams(g.token), 'https://evil.example');
    assert.equal(res.ok, false);
    assert.equal(res.error!.code, 'INVALID_REQUEST');
    assert.equal(res.error!.message, 'origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)');
    assert.equal(res.error!.details!.code, 'CONTROL_UI_ORIGIN_NOT_ALLOWED');
    assert.equal(code, 1008);
  });
});
