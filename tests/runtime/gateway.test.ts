// The gateway process as users run it: binds, refusals (exit 78), the mode guard, first-start
// token, probes and headers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { detectContainer, resolveBind } from '../../runtime/gateway/bind.js';
import { spawn } from 'node:child_process';
import { BIN, cleanEnv, makeStateDir, spawnGateway, startGateway } from '../helpers/gateway.js';

async function refusal(options: Parameters<typeof spawnGateway>[0]): Promise<{ code: number | string; output: string; stateDir: string }> {
  const g = spawnGateway(options);
  const code = await g.exited;
  return { code, output: g.output(), stateDir: g.stateDir };
}

test('loopback listens on 127.0.0.1 and ::1, with probes on both', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  for (const host of ['127.0.0.1', '[::1]']) {
    const res = await fetch(`http://${host}:${gw.port}/healthz`);
    assert.equal(res.status, 200, host);
    assert.deepEqual(((await res.json()) as { status: string }).status, 'live');
  }
  assert.match(gw.output(), /bind=loopback hosts=127\.0\.0\.1,::1/);
});

test('--bind lan without any secret is refused with exit 78, naming the env vars', async () => {
  const r = await refusal({ token: null, args: ['--bind', 'lan'] });
  assert.equal(r.code, 78);
  assert.match(r.output, /refusing to bind gateway to lan \(0\.0\.0\.0:0\) without auth/);
  assert.match(r.output, /OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD/);
  assert.equal(fs.existsSync(path.join(r.stateDir, '.env')), false, 'no token is generated for a refused start');
});

test('--bind lan --auth none is refused; --auth password without a password is refused', async () => {
  const none = await refusal({ token: null, args: ['--bind', 'lan', '--auth', 'none'] });
  assert.equal(none.code, 78);
  assert.match(none.output, /without auth/);
  const pw = await refusal({ token: null, args: ['--auth', 'password'] });
  assert.equal(pw.code, 78);
  assert.match(pw.output, /gateway auth is set to password, but no password is configured/);
});

test('--bind lan with a token listens on all interfaces', async (t) => {
  const gw = await startGateway({ args: ['--bind', 'lan'] });
  t.after(() => gw.stop());
  assert.match(gw.output(), /bind=lan hosts=0\.0\.0\.0/);
  assert.match(gw.output(), /warn gateway\.non_loopback/);
  assert.equal((await fetch(`${gw.url}healthz`)).status, 200);
});

test('the mode guard refuses an unconfigured start and names the fix', async () => {
  const missing = await refusal({ config: null });
  assert.equal(missing.code, 78);
  assert.match(missing.output, /missing config .*openclaw\.json; refusing to start \(run: openclaw config set gateway\.mode local, or pass --allow-unconfigured\)/);
  const noMode = await refusal({ config: { gateway: { port: 1 } } });
  assert.equal(noMode.code, 78);
  assert.match(noMode.output, /does not set gateway\.mode/);
  const remote = await refusal({ config: { gateway: { mode: 'remote' } } });
  assert.equal(remote.code, 78);
  assert.match(remote.output, /gateway\.mode is "remote"/);
});

test('--allow-unconfigured starts and writes no config', async (t) => {
  const gw = await startGateway({ config: null, args: ['--allow-unconfigured'] });
  t.after(() => gw.stop());
  assert.equal((await fetch(`${gw.url}healthz`)).status, 200);
  assert.equal(fs.existsSync(path.join(gw.stateDir, 'openclaw.json')), false);
});

test('an invalid config exits 78 naming file, line:col and key', async () => {
  const stateDir = makeStateDir();
  fs.writeFileSync(path.join(stateDir, 'openclaw.json'), '{\n  gateway: { mode: "local", prot: 1 }\n}\n');
  const r = await refusal({ stateDir, config: null });
  assert.equal(r.code, 78);
  assert.ok(r.output.includes(`${path.join(stateDir, 'openclaw.json')}:2:29: gateway.prot: unknown key (did you mean 'port'?)`), r.output);
});

test('first loopback start generates a token into .env (0600, dir 0700) and keeps it on restart', async () => {
  const first = await startGateway({ token: null });
  const envFile = path.join(first.stateDir, '.env');
  const text = fs.readFileSync(envFile, 'utf8');
  assert.match(text, /^OPENCLAW_GATEWAY_TOKEN=[0-9a-f]{64}\n$/);
  assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
  assert.equal(fs.statSync(first.stateDir).mode & 0o777, 0o700);
  assert.equal(await first.stop(), 0);
  const token = text.trim().split('=')[1]!;
  assert.ok(!first.output().includes(token), 'the token is not printed when stdout is not a terminal');
  assert.match(first.output(), /generated a gateway token and saved it to .*\.env \(OPENCLAW_GATEWAY_TOKEN\); Control UI: http:\/\/127\.0\.0\.1:\d+\//);
  assert.ok(!fs.readFileSync(path.join(first.stateDir, 'logs', 'gateway.log'), 'utf8').includes(token), 'the token is not in the file log');
  const second = await startGateway({ token: null, stateDir: first.stateDir, config: { gateway: { mode: 'local' } } });
  assert.equal(fs.readFileSync(envFile, 'utf8'), text, 'the token is kept');
  assert.doesNotMatch(second.output(), /token_generated/);
  await second.stop();
});

test('a port held by another process is named, with a --port suggestion', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const r = await refusal({ args: ['--port', String(port)] });
  assert.equal(r.code, 1);
  assert.ok(r.output.includes(`port ${port} is already in use on 127.0.0.1:${port} by another process (free the port, or start with --port ${port + 1}`), r.output);
});

test('SIGTERM drains and exits 0 well within 5 s; SIGINT too', async () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const gw = await startGateway();
    const t0 = performance.now();
    assert.equal(await gw.stop(signal), 0);
    assert.ok(performance.now() - t0 < 5000);
    assert.match(gw.output(), new RegExp(`gateway\\.stopping reason=${signal}`));
    assert.equal(fs.existsSync(path.join(gw.stateDir, 'gateway.lock')), false, 'a clean stop removes the lock');
  }
});

test('probes: live, ready, startup; HEAD; 405 for other methods; JSON with no-store', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  for (const p of ['/healthz', '/health']) {
    const res = await fetch(gw.url.replace(/\/$/, p));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.ok, true);
    assert.equal(body.status, 'live');
  }
  for (const p of ['/readyz', '/ready']) {
    const body = (await (await fetch(gw.url.replace(/\/$/, p))).json()) as Record<string, unknown>;
    assert.equal(body.ready, true);
    assert.deepEqual(body.failing, []);
  }
  const startup = await fetch(`${gw.url}startupz`);
  assert.equal(startup.status, 200);
  assert.equal(((await startup.json()) as { status: string }).status, 'started');
  const head = await fetch(`${gw.url}healthz`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  const post = await fetch(`${gw.url}healthz`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('security headers on every response; API-looking paths are 404, UI routes get the page', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const expectHeaders = (res: Response, what: string) => {
    assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/, what);
  };
  for (const p of ['', 'healthz', 'api/health', 'v1/models', 'metrics', 'assets/nope.js', 'some/ui/route']) {
    const res = await fetch(gw.url + p);
    expectHeaders(res, p || '/');
    const expected = ['api/health', 'v1/models', 'metrics', 'assets/nope.js'].includes(p) ? 404 : 200;
    assert.equal(res.status, expected, p);
    if (p === '' || p === 'some/ui/route') assert.match(await res.text(), /<html/i, p);
  }
});

test('bind resolution and container detection', () => {
  assert.deepEqual(resolveBind('loopback', undefined, true).hosts, ['127.0.0.1', '::1']);
  assert.deepEqual(resolveBind('auto', undefined, false).hosts, ['127.0.0.1', '::1']);
  assert.deepEqual(resolveBind('auto', undefined, true).hosts, ['0.0.0.0']);
  assert.deepEqual(resolveBind('custom', '192.168.1.10', false), { mode: 'custom', hosts: ['192.168.1.10', '127.0.0.1'], loopbackOnly: false });
  assert.throws(() => resolveBind('custom', 'my-host', false), /gateway\.customBindHost must be an IP address, got 'my-host'/);
  const root = makeStateDir() + '/';
  fs.mkdirSync(`${root}proc/1`, { recursive: true });
  fs.writeFileSync(`${root}proc/1/cgroup`, '0::/init.scope\n');
  assert.equal(detectContainer({}, root), undefined);
  fs.writeFileSync(`${root}.dockerenv`, '');
  assert.equal(detectContainer({}, root), 'docker');
  assert.equal(detectContainer({ container: 'podman' }, root), 'podman');
});

test('on a terminal, the first start prints the token once with the dashboard URL', async () => {
  // script(1) gives the gateway a pseudo-terminal, as `npm start` in a shell does.
  const stateDir = makeStateDir();
  const env = cleanEnv({ OPENCLAW_STATE_DIR: stateDir });
  const cmd = `'${process.execPath}' '${BIN}' gateway --allow-unconfigured --port 0`;
  const proc = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', () => /#token=[0-9a-f]{64}/.test(out) && resolve());
    proc.on('exit', () => reject(new Error(out)));
  });
  const token = fs.readFileSync(path.join(stateDir, '.env'), 'utf8').trim().split('=')[1];
  assert.match(out, new RegExp(`open the Control UI: http://127\\.0\\.0\\.1:\\d+/#token=${token}`));
  assert.equal(out.split(token!).length - 1, 1, 'printed exactly once');
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
});
