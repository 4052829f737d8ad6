// The CLI against real gateways and real files: every command, its errors and exit codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cleanEnv, makeStateDir, runCli, startGateway } from '../helpers/gateway.js';

function envFor(stateDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ OPENCLAW_STATE_DIR: stateDir, ...extra });
}

test('--version, help, unknown command (exit 2), unknown flag (exit 2, names it)', async () => {
  const env = envFor(makeStateDir());
  const version = await runCli(['--version'], env);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await runCli(['help'], env);
  assert.equal(help.code, 0);
  for (const cmd of ['gateway', 'health', 'status', 'config', 'dashboard', 'doctor']) assert.match(help.stdout, new RegExp(`^  ${cmd} `, 'm'));
  const sub = await runCli(['health', '--help'], env);
  assert.match(sub.stdout, /^Usage: openclaw health /);
  const gwHelp = await runCli(['gateway', 'run', '--help'], env);
  assert.match(gwHelp.stdout, /^Usage: openclaw gateway \[run\] \[--bind loopback\|lan\|auto\|custom\]/);
  const unknown = await runCli(['nope'], env);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "openclaw: unknown command 'nope' (run: openclaw help)\n");
  const flag = await runCli(['health', '--bogus'], env);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^openclaw: unknown option '--bogus' \(usage: health /);
});

test('config set/get/unset round trip with redaction, dry run and strict JSON', async () => {
  const dir = makeStateDir();
  const env = envFor(dir);
  const file = path.join(dir, 'openclaw.json');
  let r = await runCli(['config', 'set', 'gateway.mode', 'local'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `changed  set gateway.mode = "local"\nwrote ${file}\n`);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  r = await runCli(['config', 'set', 'gateway.port', '19001'], env);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { gateway: { mode: 'local', port: 19001 } });
  r = await runCli(['config', 'get', 'gateway.port'], env);
  assert.equal(r.stdout, '19001\n');
  r = await runCli(['config', 'set', 'gateway.auth.token', 'supersecret-token'], env);
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes('supersecret-token'), 'set does not echo a secret');
  r = await runCli(['config', 'get', 'gateway', '--json'], env);
  assert.deepEqual(JSON.parse(r.stdout), { mode: 'local', port: 19001, auth: { token: '__OPENCLAW_REDACTED__' } });
  r = await runCli(['config', 'set', 'gateway.bind', 'lan', '--dry-run'], env);
  assert.equal(r.stdout, `would  set gateway.bind = "lan"\n(dry run: ${file} not written)\n`);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.bind, undefined);
  r = await runCli(['config', 'set', 'gateway.bind', 'lan', '--strict-json'], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'lan' is not valid JSON5 \(--strict-json\)/);
  r = await runCli(['config', 'unset', 'gateway.port'], env);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.port, undefined);
  assert.equal(JSON.parse(fs.readFileSync(`${file}.bak`, 'utf8')).gateway.port, 19001, '.bak holds the previous version');
  r = await runCli(['config', 'get', 'gateway.port'], env);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'openclaw: config: gateway.port is valid but unset; the runtime default applies\n');
  r = await runCli(['config', 'file'], env);
  assert.equal(r.stdout, `${file}\n`);
});

test('config set --batch-json applies all entries or none', async () => {
  const dir = makeStateDir();
  const env = envFor(dir);
  const file = path.join(dir, 'openclaw.json');
  let r = await runCli(['config', 'set', '--batch-json', '[{"path":"gateway.mode","value":"local"},{"path":"gateway.bind","value":"lan"},{"path":"gateway.controlUi.allowedOrigins","value":["http://127.0.0.1:18789"]}]'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { gateway: { mode: 'local', bind: 'lan', controlUi: { allowedOrigins: ['http://127.0.0.1:18789'] } } });
  const before = fs.readFileSync(file, 'utf8');
  r = await runCli(['config', 'set', '--batch-json', '[{"path":"gateway.port","value":1},{"path":"gateway.bind","value":"moon"}]'], env);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /gateway\.bind: expected one of .* got "moon" \(nothing was written\)/);
  assert.equal(fs.readFileSync(file, 'utf8'), before, 'a failing batch writes nothing, not even its valid entries');
  r = await runCli(['config', 'set', '--batch-json', '[{"path":"gateway.port"}]'], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--batch-json\[0\] \(gateway\.port\): needs "value"/);
  r = await runCli(['config', 'set', '--batch-json', 'not json'], env);
  assert.equal(r.code, 2);
  r = await runCli(['config', 'set', 'gateway.nope', '1'], env);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /gateway\.nope: unknown key/);
});

test('config validate reports file:line:col and exits 78', async () => {
  const dir = makeStateDir();
  fs.writeFileSync(path.join(dir, 'openclaw.json'), '{ gateway: { mode: "lokal" } }');
  const r = await runCli(['config', 'validate', '--json'], envFor(dir));
  assert.equal(r.code, 78);
  const out = JSON.parse(r.stdout);
  assert.equal(out.valid, false);
  assert.match(out.issues[0], /openclaw\.json:1:14: gateway\.mode: expected one of "local" \| "remote", got "lokal"/);
});

test('a running gateway picks up a config file change without a restart', async (t) => {
  const gw = await startGateway({ env: { OPENCLAW_TICK_INTERVAL_MS: '100000' } });
  t.after(() => gw.stop());
  const r = await runCli(['config', 'set', 'logging.level', 'debug'], gw.env);
  assert.equal(r.code, 0, r.stderr);
  await new Promise<void>((resolve) => {
    const check = () => gw.output().includes('config.reloaded') && resolve();
    gw.proc.stderr!.on('data', check);
    check();
  });
});

test('health, status, gateway probe/status/healthcheck, dashboard against a running gateway', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  let r = await runCli(['health'], gw.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Gateway: healthy \\(v\\d+\\.\\d+\\.\\d+, started, up \\d+ s\\) at ws://127\\.0\\.0\\.1:${gw.port}\\n$`));
  r = await runCli(['health', '--json'], gw.env);
  assert.equal(JSON.parse(r.stdout).status, 'live');
  r = await runCli(['health', '--token', 'wrong'], gw.env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unauthorized: gateway token mismatch/);
  r = await runCli(['status', '--json'], gw.env);
  const status = JSON.parse(r.stdout);
  assert.equal(status.gateway.reachable, true);
  assert.equal(status.gateway.bind.port, gw.port);
  assert.equal(status.lock.state, 'held');
  r = await runCli(['gateway', 'probe', '--json'], gw.env);
  assert.equal(JSON.parse(r.stdout).capability, 'connected-admin');
  r = await runCli(['gateway', 'status'], gw.env);
  assert.equal(r.code, 0);
  assert.match(r.stdout, new RegExp(`Gateway: running \\(pid ${gw.proc.pid}, port ${gw.port},`));
  r = await runCli(['gateway', 'healthcheck'], gw.env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['dashboard', '--no-open'], gw.env);
  assert.equal(r.stdout, `Control UI: http://127.0.0.1:${gw.port}/\nToken: OPENCLAW_GATEWAY_TOKEN in ${path.join(gw.stateDir, '.env')}\n`);
  assert.ok(!r.stdout.includes(gw.token!), 'dashboard never prints the token');
});

test('client commands find the token in the state .env when the environment has none', async (t) => {
  const gw = await startGateway({ token: null });
  t.after(() => gw.stop());
  const env = envFor(gw.stateDir);
  const r = await runCli(['health'], env);
  assert.equal(r.code, 0, r.stderr);
});

test('with no gateway: health fails with the next step; gateway status/healthcheck exit 1; doctor reports', async () => {
  const dir = makeStateDir();
  const env = envFor(dir, { OPENCLAW_GATEWAY_PORT: '1' });
  let r = await runCli(['health', '--timeout', '2000'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^openclaw: cannot reach the gateway at ws:\/\/127\.0\.0\.1:1: ECONNREFUSED \(is it running\? start it with: openclaw gateway\)\n$/);
  r = await runCli(['gateway', 'status'], env);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Gateway: not running\n/);
  r = await runCli(['gateway', 'healthcheck'], env);
  assert.equal(r.code, 1);
  r = await runCli(['doctor', '--json'], envFor(dir));
  assert.equal(r.code, 1, 'missing config blocks a start');
  const report = JSON.parse(r.stdout);
  const byId = Object.fromEntries(report.checks.map((c: { id: string }) => [c.id, c]));
  assert.equal(byId.config.status, 'fail');
  assert.equal(byId.config.fix, 'openclaw config set gateway.mode local');
  fs.writeFileSync(path.join(dir, 'openclaw.json'), '{gateway:{mode:"local"}}', { mode: 0o644 });
  r = await runCli(['doctor', '--json'], envFor(dir));
  const again = JSON.parse(r.stdout);
  const perm = again.checks.find((c: { id: string }) => c.id === 'permissions');
  assert.equal(perm.status, 'fail');
  assert.equal(perm.fix, `chmod 600 ${path.join(dir, 'openclaw.json')}`);
});

test('plaintext ws:// to a non-loopback address is refused client-side', async () => {
  const r = await runCli(['health', '--url', 'ws://192.0.2.1:18789'], envFor(makeStateDir()));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing plaintext ws:\/\/ to non-loopback address 192\.0\.2\.1:18789/);
});
