// Protocol v4 handshake against a real gateway process: challenge, hello-ok, ticks, password mode,
// browser origins, heartbeat and shutdown (UPSTREAM §3.3-3.6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connected, connectParams, gateway, RawSocket } from '../helpers/ws.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('ws handshake', { concurrency: true }, () => {
  it('the server speaks first: connect.challenge {nonce, ts}, a fresh nonce per socket', async (t) => {
    const g = await gateway(t);
    const before = Date.now();
    const a = await RawSocket.open(g.wsUrl);
    const b = await RawSocket.open(g.wsUrl);
    await a.waitEvent('connect.challenge');
    await b.waitEvent('connect.challenge');
    const after = Date.now();
    const first = a.frames[0]!;
    assert.deepEqual(Object.keys(first).sort(), ['event', 'payload', 'type'], 'the challenge has no seq');
    assert.equal(first.type, 'event');
    assert.equal(first.event, 'connect.challenge');
    assert.match(first.payload.nonce, UUID);
    assert.ok(first.payload.ts >= before && first.payload.ts <= after, `ts ${first.payload.ts} not in [${before}, ${after}]`);
    assert.notEqual(b.frames[0]!.payload.nonce, first.payload.nonce);
    a.terminate();
    b.terminate();
  });

  it('a valid connect gets hello-ok with protocol 4, the ops methods and the policy limits', async (t) => {
    const g = await gateway(t, { env: { OPENCLAW_TICK_INTERVAL_MS: '7000' } });
    const sock = await RawSocket.open(g.wsUrl);
    const res = await sock.connect(connectParams(g.token));
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const hello = res.payload;
    assert.equal(hello.type, 'hello-ok');
    assert.equal(hello.protocol, 4);
    for (const m of ['health', 'status', 'config.get', 'config.set', 'config.patch', 'logs.tail', 'system-presence']) {
      assert.ok(hello.features.methods.includes(m), `features.methods lacks ${m}: ${hello.features.methods}`);
    }
    assert.ok(hello.features.events.includes('tick'));
    assert.deepEqual(hello.policy, { maxPayload: 26214400, maxBufferedBytes: 52428800, tickIntervalMs: 7000 });
    assert.deepEqual(hello.auth, { method: 'token', role: 'operator', scopes: ['operator.read', 'operator.write', 'operator.admin'] });
    assert.match(hello.server.connId, UUID);
    assert.equal(hello.snapshot.authMode, 'token');
    assert.equal(hello.snapshot.stateDir, g.stateDir);
    assert.ok(sock.isOpen);
    sock.terminate();
  });

  it('the default tick interval is 30 s (upstream 2026.9.6)', async (t) => {
    const g = await gateway(t);
    const { sock, hello } = await connected(g.wsUrl, g.token);
    assert.equal(hello.policy.tickIntervalMs, 30000);
    sock.terminate();
  });

  it('authenticated sockets get tick events {ts} with increasing seq; unauthenticated ones get none', async (t) => {
    const g = await gateway(t, { env: { OPENCLAW_TICK_INTERVAL_MS: '50' } });
    const idle = await RawSocket.open(g.wsUrl);
    const { sock } = await connected(g.wsUrl, g.token);
    const ticks = await sock.until(() => {
      const list = sock.frames.filter((f) => f.event === 'tick');
      return list.length >= 3 ? list : undefined;
    }, 'three ticks');
    for (const tick of ticks) {
      assert.equal(tick.type, 'event');
      assert.equal(typeof tick.payload.ts, 'number');
      assert.equal(typeof tick.seq, 'number');
    }
    assert.ok(ticks[0]!.seq! < ticks[1]!.seq! && ticks[1]!.seq! < ticks[2]!.seq!, `seq not increasing: ${ticks.map((x) => x.seq)}`);
    assert.deepEqual(idle.frames.map((f) => f.event), ['connect.challenge'], 'a socket that has not connected gets no ticks');
    idle.terminate();
    sock.terminate();
  });

  it('password mode accepts the password and refuses a wrong one or a token', async (t) => {
    const password = 'correct horse battery staple';
    const g = await gateway(t, { token: null, args: ['--auth', 'password'], env: { OPENCLAW_GATEWAY_PASSWORD: password } });

    const { sock, hello } = await connected(g.wsUrl, undefined, { auth: { password } });
    assert.equal(hello.auth.method, 'password');
    assert.equal(hello.snapshot.authMode, 'password');
    sock.terminate();

    const wrong = await RawSocket.open(g.wsUrl);
    const res = await wrong.connect(connectParams(undefined, { auth: { password: 'wrong horse' } }));
    assert.equal(res.ok, false);
    assert.equal(res.error!.code, 'INVALID_REQUEST');
    assert.equal(res.error!.message, "unauthorized: gateway password mismatch (use this gateway's gateway.auth.password or pair the device)");
    assert.equal(res.error!.details!.code, 'AUTH_PASSWORD_MISMATCH');
    const closed = await wrong.waitClose();
    assert.equal(closed.code, 1008);
    assert.equal(closed.reason, res.error!.message);

    const token = await RawSocket.open(g.wsUrl);
    const res2 = await token.connect(connectParams('not-the-password'));
    assert.equal(res2.error!.code, 'INVALID_REQUEST');
    assert.equal(res2.error!.details!.code, 'AUTH_PASSWORD_MISSING');
    assert.equal((await token.waitClose()).code, 1008);
  });

  it('browser origins: loopback for the port, same-origin through an IP literal and configured origins pass', async (t) => {
    const g = await gateway(t, { config: { gateway: { mode: 'local', controlUi: { allowedOrigins: ['https://ui.example'] } } } });
    const accepted = [
      { origin: `http://127.0.0.1:${g.port}` },
      { origin: `http://localhost:${g.port}` },
      { origin: `http://[::1]:${g.port}` },
      { origin: 'https://ui.example' },
      // A published port (podman -p 28789:18789): the page and the socket share the IP-literal origin.
      { origin: 'http://127.0.0.1:28789', headers: { Host: '127.0.0.1:28789' } },
      { origin: 'http://192.168.1.20:28789', headers: { Host: '192.168.1.20:28789' } },
    ];
    for (const options of accepted) {
      const { sock, hello } = await connected(g.wsUrl, g.token, { client: { id: 'openclaw-control-ui', version: '1', platform: 'web', mode: 'ui' } }, options);
      assert.equal(hello.type, 'hello-ok', JSON.stringify(options));
      sock.terminate();
    }
  });

  it('browser origins: another port, a DNS name (even same-origin) and "null" are refused with 1008', async (t) => {
    const g = await gateway(t);
    const refused = [
      { origin: `http://127.0.0.1:${g.port + 1}` },
      { origin: `http://gateway.example:${g.port}`, headers: { Host: `gateway.example:${g.port}` } },
      { origin: 'null' },
    ];
    for (const options of refused) {
      const sock = await RawSocket.open(g.wsUrl, options);
      const res = await sock.connect(connectParams(g.token));
      assert.equal(res.ok, false, JSON.stringify(options));
      assert.equal(res.error!.details!.code, 'CONTROL_UI_ORIGIN_NOT_ALLOWED', JSON.stringify(options));
      assert.equal((await sock.waitClose()).code, 1008);
    }
  });

  it('heartbeat: a peer that stops answering pings is terminated, one that answers stays', async (t) => {
    const heartbeatMs = 200;
    const g = await gateway(t, { env: { OPENCLAW_WS_HEARTBEAT_MS: String(heartbeatMs) } });
    const { sock: alive } = await connected(g.wsUrl, g.token);
    const { sock: dead } = await connected(g.wsUrl, g.token, {}, { autoPong: false });
    const started = performance.now();
    const closed = await dead.waitClose(20 * heartbeatMs);
    const elapsed = closed.at - started;
    assert.equal(closed.code, 1006, 'terminated, not closed politely');
    assert.ok(dead.pings >= 1, 'it was pinged first');
    assert.ok(elapsed <= 5 * heartbeatMs, `terminated after ${elapsed.toFixed(0)} ms, expected within a few ${heartbeatMs} ms intervals`);
    const pingsThen = alive.pings;
    await alive.until(() => (alive.pings >= pingsThen + 3 ? true : undefined), 'three more pings', 20 * heartbeatMs);
    assert.ok(alive.isOpen, 'the ponging client is still connected');
    const res = await alive.request('health');
    assert.equal(res.ok, true);
    alive.terminate();
  });

  it('SIGTERM closes clients with 1012 after a shutdown event and exits 0 within 5 s', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const pending = await RawSocket.open(g.wsUrl);
    await pending.waitEvent('connect.challenge');
    const started = performance.now();
    const exited = g.stop('SIGTERM');
    const [closed, pendingClosed] = await Promise.all([sock.waitClose(), pending.waitClose()]);
    assert.deepEqual([closed.code, closed.reason], [1012, 'service restart']);
    assert.equal(pendingClosed.code, 1012, 'a socket still in the handshake is closed the same way');
    const shutdown = sock.frames.find((f) => f.event === 'shutdown');
    assert.ok(shutdown, 'a shutdown event came before the close');
    assert.equal(typeof shutdown.seq, 'number');
    assert.equal(await exited, 0);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 5000, `exit took ${elapsed.toFixed(0)} ms`);
  });
});
