// The ops RPC methods over a real connection: health, status, system-presence, logs.tail and
// config.get/set/patch, plus the scope rules that guard them (UPSTREAM §3.2, §3.4, §3.5).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { connected, connectParams, gateway, RawSocket } from '../helpers/ws.js';

const REDACTED = '__OPENCLAW_REDACTED__';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const configFile = (stateDir: string) => path.join(stateDir, 'openclaw.json');
const readConfig = (stateDir: string) => JSON.parse(fs.readFileSync(configFile(stateDir), 'utf8'));

describe('ws methods', { concurrency: true }, () => {
  it('health answers live with version and phase', async (t) => {
    const g = await gateway(t);
    const { sock, hello } = await connected(g.wsUrl, g.token);
    const before = Date.now();
    const res = await sock.request('health');
    assert.equal(res.ok, true);
    assert.equal(res.payload.ok, true);
    assert.equal(res.payload.status, 'live');
    assert.equal(res.payload.phase, 'started');
    assert.equal(res.payload.ready, true);
    assert.equal(res.payload.version, hello.server.version);
    assert.ok(res.payload.ts >= before && res.payload.ts <= Date.now());
    sock.terminate();
  });

  it('status describes this process, its bind, auth mode, paths and connections, without the token', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const res = await sock.request('status');
    assert.equal(res.ok, true);
    const s = res.payload;
    assert.equal(s.pid, g.proc.pid);
    assert.equal(s.phase, 'started');
    assert.equal(s.bind.port, g.port);
    assert.equal(s.bind.loopbackOnly, true);
    assert.deepEqual(s.auth, { mode: 'token' });
    assert.equal(s.stateDir, g.stateDir);
    assert.equal(s.configPath, configFile(g.stateDir));
    assert.equal(s.config.hash, sha256(fs.readFileSync(configFile(g.stateDir), 'utf8')));
    assert.equal(s.connections, 1);
    assert.equal(s.logFile, path.join(g.stateDir, 'logs', 'gateway.log'));
    assert.ok(!JSON.stringify(res).includes(g.token!), 'the token is not in status');
    sock.terminate();
  });

  it('system-presence lists the gateway itself and each connected client', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const client = { id: 'openclaw-tui', version: '9.9.9', platform: 'linux', mode: 'ui', displayName: 'laptop', instanceId: 'tui-1' };
    const { sock: other } = await connected(g.wsUrl, g.token, { client });
    const res = await sock.request('system-presence');
    assert.equal(res.ok, true);
    const [self, ...clients] = res.payload as Array<Record<string, unknown>>;
    assert.equal(self!.mode, 'gateway');
    assert.equal(self!.reason, 'self');
    assert.equal(clients.length, 2);
    const tui = clients.find((c) => c.clientId === 'openclaw-tui');
    assert.deepEqual(
      { host: tui?.host, version: tui?.version, platform: tui?.platform, mode: tui?.mode, reason: tui?.reason, instanceId: tui?.instanceId },
      { host: 'laptop', version: '9.9.9', platform: 'linux', mode: 'ui', reason: 'connect', instanceId: 'tui-1' },
    );
    sock.terminate();
    other.terminate();
  });

  it('logs.tail returns JSON lines from <state>/logs/gateway.log, follows a cursor, and never shows the token', async (t) => {
    const g = await gateway(t);
    // Put the token where the gateway logs it: a refused Origin is logged verbatim.
    const leaky = await RawSocket.open(g.wsUrl, { origin: `http://${g.token}.example` });
    await leaky.connect(connectParams(g.token));
    assert.equal((await leaky.waitClose()).code, 1008);

    const { sock } = await connected(g.wsUrl, g.token);
    const first = await sock.request('logs.tail');
    assert.equal(first.ok, true, JSON.stringify(first.error));
    const file = path.join(g.stateDir, 'logs', 'gateway.log');
    assert.equal(first.payload.file, file);
    const events = (first.payload.lines as string[]).map((l) => JSON.parse(l).event);
    for (const e of ['gateway.listening', 'ws.origin_rejected', 'ws.connected']) assert.ok(events.includes(e), `no ${e} in ${events}`);
    const rejected = (first.payload.lines as string[]).find((l) => l.includes('ws.origin_rejected'))!;
    assert.match(rejected, /"origin":"http:\/\/\*\*\*\.example"/, 'the secret is masked in place');
    assert.ok(!JSON.stringify(first.payload).includes(g.token!), 'logs.tail leaked the token');
    assert.ok(!fs.readFileSync(file, 'utf8').includes(g.token!), 'the log file holds the token');

    const { sock: second } = await connected(g.wsUrl, g.token);
    const next = await sock.request('logs.tail', { cursor: first.payload.cursor });
    const newEvents = (next.payload.lines as string[]).map((l) => JSON.parse(l).event);
    assert.deepEqual(newEvents, ['ws.connected'], 'only what was written after the cursor');

    const one = await sock.request('logs.tail', { limit: 1 });
    assert.equal(one.payload.lines.length, 1);
    const bad = await sock.request('logs.tail', { bogus: 1 });
    assert.deepEqual(bad.error, { code: 'INVALID_REQUEST', message: "invalid logs.tail params: at root: unexpected property 'bogus'" });
    sock.terminate();
    second.terminate();
  });

  it('config.get returns the file with secrets redacted, its path and hash', async (t) => {
    const token = 'config-token-' + 'k'.repeat(24);
    const config = { gateway: { mode: 'local', auth: { token } }, env: { OPENAI_API_KEY: 'sk-very-secret' }, channels: { telegram: { botToken: 'tg-secret' } } };
    const g = await gateway(t, { token: null, config });
    const { sock } = await connected(g.wsUrl, token);
    const res = await sock.request('config.get');
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const text = fs.readFileSync(configFile(g.stateDir), 'utf8');
    assert.equal(res.payload.path, configFile(g.stateDir));
    assert.equal(res.payload.exists, true);
    assert.equal(res.payload.valid, true);
    assert.equal(res.payload.hash, sha256(text));
    assert.deepEqual(res.payload.config, {
      gateway: { mode: 'local', auth: { token: REDACTED } },
      env: { OPENAI_API_KEY: REDACTED },
      channels: { telegram: { botToken: REDACTED } },
    });
    const shown = JSON.stringify(res);
    for (const secret of [token, 'sk-very-secret', 'tg-secret']) assert.ok(!shown.includes(secret), `config.get leaked ${secret}`);
    sock.terminate();
  });

  it('config.set by path writes the file and applies it live', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const refused = await RawSocket.open(g.wsUrl, { origin: 'https://ui.example' });
    assert.equal((await refused.connect(connectParams(g.token))).ok, false, 'not allowed before the change');

    const res = await sock.request('config.set', { path: 'gateway.controlUi.allowedOrigins', value: ['https://ui.example'] });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const text = fs.readFileSync(configFile(g.stateDir), 'utf8');
    assert.deepEqual(JSON.parse(text), { gateway: { mode: 'local', controlUi: { allowedOrigins: ['https://ui.example'] } } });
    assert.deepEqual(res.payload, { ok: true, path: configFile(g.stateDir), hash: sha256(text), restartRequired: false, restartKeys: [] });
    assert.equal((await sock.request('config.get')).payload.hash, sha256(text));

    const { sock: ui, hello } = await connected(g.wsUrl, g.token, {}, { origin: 'https://ui.example' });
    assert.equal(hello.type, 'hello-ok', 'the new origin is accepted without a restart');
    // --port (the test passes --port 0) wins over the file, so only the bind needs a restart here.
    const bind = await sock.request('config.set', { path: 'gateway.bind', value: 'lan' });
    assert.deepEqual([bind.payload.restartRequired, bind.payload.restartKeys], [true, ['gateway.bind']]);
    const port = await sock.request('config.set', { path: 'gateway.port', value: 18790 });
    assert.deepEqual(port.payload.restartKeys, ['gateway.bind'], 'the bind change is still pending; the port is not');
    ui.terminate();
    sock.terminate();
  });

  it('config.set by raw checks baseHash: a stale hash is CONFIG_BASE_HASH_MISMATCH and writes nothing', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const before = fs.readFileSync(configFile(g.stateDir), 'utf8');
    const raw = '{ gateway: { mode: "local", controlUi: { enabled: false } } } // JSON5';
    const stale = await sock.request('config.set', { raw, baseHash: sha256('something else') });
    assert.equal(stale.ok, false);
    assert.equal(stale.error!.code, 'INVALID_REQUEST');
    assert.equal(stale.error!.details!.code, 'CONFIG_BASE_HASH_MISMATCH');
    assert.equal(stale.error!.details!.currentHash, sha256(before));
    assert.equal(fs.readFileSync(configFile(g.stateDir), 'utf8'), before, 'file unchanged');

    const fresh = await sock.request('config.set', { raw, baseHash: sha256(before) });
    assert.equal(fresh.ok, true, JSON.stringify(fresh.error));
    assert.deepEqual(readConfig(g.stateDir), { gateway: { mode: 'local', controlUi: { enabled: false } } });
    sock.terminate();
  });

  it('config.patch merges: objects merge, arrays replace, null deletes', async (t) => {
    const config = { gateway: { mode: 'local', controlUi: { enabled: true, allowedOrigins: ['https://a.example'] } }, logging: { level: 'info' } };
    const g = await gateway(t, { config });
    const { sock } = await connected(g.wsUrl, g.token);
    const res = await sock.request('config.patch', { patch: { logging: null, gateway: { controlUi: { enabled: false } } } });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.deepEqual(readConfig(g.stateDir), { gateway: { mode: 'local', controlUi: { enabled: false, allowedOrigins: ['https://a.example'] } } });

    const hash = (await sock.request('config.get')).payload.hash;
    const res2 = await sock.request('config.patch', { raw: "{ gateway: { controlUi: { allowedOrigins: ['https://b.example'] } } }", baseHash: hash });
    assert.equal(res2.ok, true, JSON.stringify(res2.error));
    assert.deepEqual(readConfig(g.stateDir).gateway.controlUi, { enabled: false, allowedOrigins: ['https://b.example'] });

    const stale = await sock.request('config.patch', { patch: { logging: { level: 'debug' } }, baseHash: hash });
    assert.equal(stale.error!.details!.code, 'CONFIG_BASE_HASH_MISMATCH');
    const notObject = await sock.request('config.patch', { patch: [1] });
    assert.deepEqual(notObject.error, { code: 'INVALID_REQUEST', message: "invalid config.patch params: 'patch' must be an object" });
    sock.terminate();
  });

  it('an invalid config via config.set is refused naming the key path, and the file is untouched', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token);
    const before = fs.readFileSync(configFile(g.stateDir), 'utf8');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ path: 'gateway.port', value: 'nope' }, /gateway\.port: expected integer, got string/],
      [{ path: 'gateway.bnd', value: 'lan' }, /gateway\.bnd: unknown key/],
      [{ raw: '{ gateway: { mode: "local", bind: "everywhere" } }' }, /gateway\.bind: expected one of/],
    ];
    for (const [params, pattern] of cases) {
      const res = await sock.request('config.set', params);
      assert.equal(res.ok, false, JSON.stringify(params));
      assert.equal(res.error!.code, 'INVALID_REQUEST');
      assert.equal(res.error!.details!.code, 'INVALID_CONFIG');
      assert.match(res.error!.message, pattern);
      assert.equal(fs.readFileSync(configFile(g.stateDir), 'utf8'), before, `file changed by ${JSON.stringify(params)}`);
    }
    assert.ok(!fs.existsSync(configFile(g.stateDir) + '.bak'), 'not even a backup was made');
    assert.equal((await sock.request('health')).ok, true, 'the gateway kept running on the old config');
    sock.terminate();
  });

  it('a changed token via config.set: the caller gets its answer, then every client is closed with 4001', async (t) => {
    const oldToken = 'old-token-' + 'a'.repeat(24);
    const newToken = 'new-token-' + 'b'.repeat(24);
    const g = await gateway(t, { token: null, config: { gateway: { mode: 'local', auth: { token: oldToken } } } });
    const { sock: admin } = await connected(g.wsUrl, oldToken);
    const { sock: other } = await connected(g.wsUrl, oldToken);
    const res = await admin.request('config.set', { path: 'gateway.auth.token', value: newToken });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const [a, b] = await Promise.all([admin.waitClose(), other.waitClose()]);
    assert.deepEqual([a.code, a.reason], [4001, 'gateway auth changed']);
    assert.deepEqual([b.code, b.reason], [4001, 'gateway auth changed']);

    const { sock, hello } = await connected(g.wsUrl, newToken);
    assert.equal(hello.type, 'hello-ok', 'the new token works at once');
    sock.terminate();
    const old = await RawSocket.open(g.wsUrl);
    const refused = await old.connect(connectParams(oldToken));
    assert.equal(refused.error!.details!.code, 'AUTH_TOKEN_MISMATCH');
  });
});

describe('ws scopes', { concurrency: true }, () => {
  it('operator.read only: status and presence work, config.get is FORBIDDEN + MISSING_SCOPE', async (t) => {
    const g = await gateway(t);
    const { sock, hello } = await connected(g.wsUrl, g.token, { scopes: ['operator.read'] });
    assert.deepEqual(hello.auth.scopes, ['operator.read']);
    assert.equal((await sock.request('status')).ok, true);
    assert.equal((await sock.request('system-presence')).ok, true);
    assert.equal((await sock.request('logs.tail')).ok, true);
    const res = await sock.request('config.get');
    assert.deepEqual(res.error, {
      code: 'FORBIDDEN',
      message: 'missing scope: operator.admin',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.admin', requiredScopes: ['operator.admin'] },
    });
    const set = await sock.request('config.set', { path: 'gateway.port', value: 1 });
    assert.equal(set.error!.code, 'FORBIDDEN');
    assert.ok(sock.isOpen, 'a missing scope does not close the socket');
    sock.terminate();
  });

  it('operator.write implies read but not admin', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token, { scopes: ['operator.write'] });
    assert.equal((await sock.request('status')).ok, true);
    assert.equal((await sock.request('config.patch', { patch: {} })).error!.details!.missingScope, 'operator.admin');
    sock.terminate();
  });

  it('no scopes: health only; status is FORBIDDEN missing operator.read', async (t) => {
    const g = await gateway(t);
    const { sock } = await connected(g.wsUrl, g.token, { scopes: [] });
    assert.equal((await sock.request('health')).ok, true);
    assert.deepEqual((await sock.request('status')).error, {
      code: 'FORBIDDEN',
      message: 'missing scope: operator.read',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.read', requiredScopes: ['operator.read'] },
    });
    sock.terminate();
  });

  it('a node-role client gets no operator scopes, whatever it asks for', async (t) => {
    const g = await gateway(t);
    const { sock, hello } = await connected(g.wsUrl, g.token, {
      role: 'node',
      client: { id: 'node-host', version: '1', platform: 'linux', mode: 'node' },
      scopes: ['operator.read', 'operator.admin'],
    });
    assert.deepEqual([hello.auth.role, hello.auth.scopes], ['node', []]);
    assert.equal((await sock.request('health')).ok, true);
    assert.equal((await sock.request('status')).error!.details!.code, 'MISSING_SCOPE');
    assert.equal((await sock.request('config.get')).error!.code, 'FORBIDDEN');
    sock.terminate();
  });
});
