// `openclaw onboard` without a terminal: every flag, the missing-answer errors (each names its
// flag), idempotent re-runs, --reset, --json, --install-daemon against stub systemctl/loginctl, and
// a gateway that starts healthy from nothing but what onboarding wrote.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startFakeProvider, type FakeProvider, type RecordedRequest, type Reply } from '../helpers/fake-provider.js';
import { cleanEnv, makeStateDir, REPO, runCli, startGateway } from '../helpers/gateway.js';

const KEY = 'sk-onboard-test-0123456789abcdef';
const STUBS = path.join(REPO, 'tests', 'stubs');
const HEX64 = /^[0-9a-f]{64}$/;

function envFor(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv({ OPENCLAW_STATE_DIR: dir, HOME: dir, ...extra });
  for (const k of ['CI', 'NONINTERACTIVE', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'CUSTOM_API_KEY', 'XDG_CONFIG_HOME']) if (!(k in extra)) delete env[k];
  return env;
}

const readJson = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8'));
const readEnvFile = (dir: string): Record<string, string> =>
  Object.fromEntries(
    fs
      .readFileSync(path.join(dir, '.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const ref = (id: string) => ({ source: 'env', provider: 'default', id });
const mode = (file: string) => fs.statSync(file).mode & 0o777;

function modelsReply(req: RecordedRequest): Reply {
  const auth = req.headers.authorization ?? (req.headers['x-api-key'] ? `Bearer ${req.headers['x-api-key']}` : undefined);
  if (!req.path.endsWith('/models')) return { kind: 'status', status: 404 };
  if (auth !== `Bearer ${KEY}`) return { kind: 'status', status: 401, body: { error: { message: 'bad key' } } };
  return { kind: 'status', status: 200, body: { object: 'list', data: [{ id: 'fake-small' }, { id: 'fake-large' }] } };
}

/** A local port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function withFake<T>(fn: (fake: FakeProvider) => Promise<T>): Promise<T> {
  const fake = await startFakeProvider(modelsReply);
  try {
    return await fn(fake);
  } finally {
    await fake.close();
  }
}

test('no terminal: nothing is asked; a fresh setup without --mode is an error naming the flag, and writes nothing', async () => {
  const dir = makeStateDir();
  const r = await runCli(['onboard'], envFor(dir));
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'openclaw: onboard: missing --mode: a fresh setup needs the gateway mode (pass --mode local; stdin is not a terminal, so nothing was asked)\n');
  assert.equal(r.stdout, '');
  assert.deepEqual(fs.readdirSync(dir), []);
  const ni = await runCli(['onboard', '--non-interactive'], envFor(dir));
  assert.equal(ni.stderr, 'openclaw: onboard: missing --mode: a fresh setup needs the gateway mode (pass --mode local)\n');
  const remote = await runCli(['onboard', '--mode', 'remote'], envFor(dir));
  assert.equal(remote.code, 2);
  assert.match(remote.stderr, /^openclaw: onboard: --mode remote is not supported/);
  const bad = await runCli(['onboard', '--mode', 'local', '--bogus'], envFor(dir));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^openclaw: unknown option '--bogus' \(usage: onboard /);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('--mode local: token generated into .env (0600), openclaw.json refers to it; defaults for bind, port, workspace; --json result', async () => {
  const dir = makeStateDir();
  const r = await runCli(['onboard', '--non-interactive', '--mode', 'local', '--json'], envFor(dir));
  assert.equal(r.code, 0, r.stderr);
  const cfg = readJson(dir);
  assert.deepEqual(cfg, {
    gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'token', token: ref('OPENCLAW_GATEWAY_TOKEN') }, port: 18789 },
    agents: { defaults: { workspace: path.join(dir, 'workspace') } },
  });
  const env = readEnvFile(dir);
  assert.match(env.OPENCLAW_GATEWAY_TOKEN!, HEX64);
  assert.equal(mode(path.join(dir, '.env')), 0o600);
  assert.equal(mode(path.join(dir, 'openclaw.json')), 0o600);
  assert.equal(mode(path.join(dir, 'workspace')), 0o700);
  assert.ok(!fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8').includes(env.OPENCLAW_GATEWAY_TOKEN!));
  assert.ok(!r.stdout.includes(env.OPENCLAW_GATEWAY_TOKEN!) && !r.stderr.includes(env.OPENCLAW_GATEWAY_TOKEN!), 'the token is never printed');
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, true);
  assert.deepEqual(out.gateway, { mode: 'local', bind: 'loopback', port: 18789, auth: { mode: 'token', ref: ref('OPENCLAW_GATEWAY_TOKEN'), origin: 'generated' } });
  assert.deepEqual(out.written, { config: 'written', env: ['OPENCLAW_GATEWAY_TOKEN'], dirs: [path.join(dir, 'workspace')], backups: [] });
  assert.match(r.stderr, /^changed {2}.*\.env: OPENCLAW_GATEWAY_TOKEN \(gateway token, new, 64 hex characters\)$/m);
});

test('re-runs are idempotent: same token, files untouched (no .bak), only ok lines; setup is the same command', async () => {
  const dir = makeStateDir();
  const args = ['--mode', 'local', '--gateway-bind', 'lan', '--gateway-port', '19031', '--sandbox', 'non-main'];
  assert.equal((await runCli(['onboard', ...args], envFor(dir))).code, 0);
  const cfgText = fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8');
  const envText = fs.readFileSync(path.join(dir, '.env'), 'utf8');
  const mtime = fs.statSync(path.join(dir, 'openclaw.json')).mtimeMs;
  for (const cmd of ['onboard', 'setup']) {
    const again = await runCli([cmd, ...args], envFor(dir));
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /^changed/m);
    assert.match(again.stderr, /^ok {2}.*openclaw\.json \(unchanged\)$/m);
    assert.match(again.stderr, /^ok {2}.*\.env \(unchanged\)$/m);
  }
  // With no flags at all, a configured state dir is kept as it is.
  const bare = await runCli(['onboard'], envFor(dir));
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8'), cfgText);
  assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), envText);
  assert.equal(fs.statSync(path.join(dir, 'openclaw.json')).mtimeMs, mtime);
  assert.ok(!fs.existsSync(path.join(dir, 'openclaw.json.bak')) && !fs.existsSync(path.join(dir, '.env.bak')));
});

test('--gateway-bind, --gateway-port, --workspace (~ expanded), --sandbox; bad values are usage errors naming the flag', async () => {
  const dir = makeStateDir();
  const r = await runCli(['onboard', '--mode', 'local', '--gateway-bind', 'lan', '--gateway-port', '19099', '--workspace', '~/work/agents', '--sandbox', 'all'], envFor(dir));
  assert.equal(r.code, 0, r.stderr);
  const cfg = readJson(dir);
  assert.equal(cfg.gateway.bind, 'lan');
  assert.equal(cfg.gateway.port, 19099);
  assert.equal(cfg.agents.defaults.workspace, path.join(dir, 'work', 'agents'));
  assert.equal(cfg.agents.defaults.sandbox.mode, 'all');
  assert.ok(fs.statSync(path.join(dir, 'work', 'agents')).isDirectory());
  for (const [flag, value, pattern] of [
    ['--gateway-bind', 'everywhere', /^openclaw: onboard: --gateway-bind: invalid value 'everywhere' \(use one of loopback\|lan\|auto\|tailnet\)$/],
    ['--gateway-port', '70000', /^openclaw: --gateway-port: 70000 is out of range 1-65535$/],
    ['--gateway-port', 'x', /^openclaw: --gateway-port: expected a whole number, got 'x'$/],
    ['--sandbox', 'some', /^openclaw: onboard: --sandbox: invalid value 'some' \(use one of off\|non-main\|all\)$/],
    ['--gateway-auth', 'none', /^openclaw: onboard: --gateway-auth: invalid value 'none' \(use one of token\|password\)$/],
    ['--workspace', path.join(dir, 'openclaw.json'), /^openclaw: onboard: --workspace: .*openclaw\.json exists and is not a directory/],
    ['--secret-input-mode', 'plaintext', /^openclaw: onboard: --secret-input-mode: only 'ref' is supported/],
  ] as const) {
    const bad = await runCli(['onboard', '--mode', 'local', flag, value], envFor(dir));
    assert.equal(bad.code, 2, `${flag} ${value}: ${bad.stderr}`);
    assert.match(bad.stderr.trim(), pattern);
  }
  assert.equal(readJson(dir).gateway.port, 19099, 'a refused run changed nothing');
});

test('--gateway-token stores the given token in .env only; a re-run without it keeps it; a literal token in openclaw.json is moved out', async () => {
  const dir = makeStateDir();
  const token = 'given-token-0123456789abcdef';
  const r = await runCli(['onboard', '--mode', 'local', '--gateway-token', token], envFor(dir));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readEnvFile(dir).OPENCLAW_GATEWAY_TOKEN, token);
  assert.ok(!fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8').includes(token));
  assert.equal((await runCli(['onboard'], envFor(dir))).code, 0);
  assert.equal(readEnvFile(dir).OPENCLAW_GATEWAY_TOKEN, token, 'kept on re-run');
  const both = await runCli(['onboard', '--mode', 'local', '--gateway-token', token, '--gateway-token-ref-env', 'X'], envFor(dir));
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--gateway-token and --gateway-token-ref-env are exclusive/);

  const legacy = makeStateDir();
  fs.writeFileSync(path.join(legacy, 'openclaw.json'), '// hand-written\n{ gateway: { mode: "local", auth: { token: "literal-token-abcdef0123456789" } }, logging: { level: "debug" } }\n');
  const moved = await runCli(['onboard'], envFor(legacy));
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal(readEnvFile(legacy).OPENCLAW_GATEWAY_TOKEN, 'literal-token-abcdef0123456789');
  const cfg = readJson(legacy);
  assert.deepEqual(cfg.gateway.auth.token, ref('OPENCLAW_GATEWAY_TOKEN'));
  assert.equal(cfg.logging.level, 'debug', 'unrelated settings are kept');
  assert.match(fs.readFileSync(path.join(legacy, 'openclaw.json.bak'), 'utf8'), /literal-token/, 'the previous file is kept as .bak');
});

test('--gateway-token-ref-env (the Docker form): refers to the variable, never copies the token; unset variable names the flag', async () => {
  const dir = makeStateDir();
  const token = 'f'.repeat(64);
  const docker = ['onboard', '--mode', 'local', '--no-install-daemon', '--gateway-auth', 'token', '--gateway-token-ref-env', 'OPENCLAW_GATEWAY_TOKEN', '--skip-ui', '--suppress-gateway-token-output', '--accept-risk', '--json'];
  const missing = await runCli(docker, envFor(dir));
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    `openclaw: onboard: --gateway-token-ref-env OPENCLAW_GATEWAY_TOKEN: OPENCLAW_GATEWAY_TOKEN is not set (export OPENCLAW_GATEWAY_TOKEN first, or leave out --gateway-token-ref-env to generate a token in ~/.env)\n`,
  );
  assert.deepEqual(fs.readdirSync(dir), []);
  const r = await runCli(docker, envFor(dir, { OPENCLAW_GATEWAY_TOKEN: token }));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readJson(dir).gateway.auth, { mode: 'token', token: ref('OPENCLAW_GATEWAY_TOKEN') });
  assert.ok(!fs.existsSync(path.join(dir, '.env')) || !fs.readFileSync(path.join(dir, '.env'), 'utf8').includes(token), 'the token is not copied into .env');
  assert.equal(JSON.parse(r.stdout).gateway.auth.origin, 'environment');
  assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token));
  const custom = await runCli(['onboard', '--gateway-token-ref-env', 'MY_GW_TOKEN'], envFor(dir, { MY_GW_TOKEN: token }));
  assert.equal(custom.code, 0, custom.stderr);
  assert.deepEqual(readJson(dir).gateway.auth.token, ref('MY_GW_TOKEN'));
  const badName = await runCli(['onboard', '--gateway-token-ref-env', 'lower-case'], envFor(dir));
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /--gateway-token-ref-env: 'lower-case' is not an environment variable name/);
});

test('--gateway-auth password: needs --gateway-password (named), stores it in .env, drops the token reference', async () => {
  const dir = makeStateDir();
  assert.equal((await runCli(['onboard', '--mode', 'local'], envFor(dir))).code, 0);
  const missing = await runCli(['onboard', '--gateway-auth', 'password'], envFor(dir));
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'openclaw: onboard: missing --gateway-password: password auth needs a password (pass --gateway-password, or export OPENCLAW_GATEWAY_PASSWORD; stdin is not a terminal, so nothing was asked)\n');
  const r = await runCli(['onboard', '--gateway-auth', 'password', '--gateway-password', 'correct-horse-battery'], envFor(dir));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readJson(dir).gateway.auth, { mode: 'password', password: ref('OPENCLAW_GATEWAY_PASSWORD') });
  assert.equal(readEnvFile(dir).OPENCLAW_GATEWAY_PASSWORD, 'correct-horse-battery');
  assert.ok(!fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8').includes('correct-horse'));
  const again = await runCli(['onboard'], envFor(dir));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readJson(dir).gateway.auth.mode, 'password', 're-run keeps password auth');
  const conflict = await runCli(['onboard', '--gateway-auth', 'token', '--gateway-password', 'x'.repeat(10)], envFor(dir));
  assert.equal(conflict.code, 2);
  assert.match(conflict.stderr, /--gateway-password needs --gateway-auth password/);
});

test('--provider openai --api-key-env: key checked live, stored in .env, referenced from openclaw.json; re-run keeps it', async () => {
  await withFake(async (fake) => {
    const dir = makeStateDir();
    const r = await runCli(['onboard', '--mode', 'local', '--provider', 'openai', '--api-key-env', 'OPENAI_API_KEY', '--base-url', fake.openaiBase, '--json'], envFor(dir, { OPENAI_API_KEY: KEY }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]!.path, '/v1/models');
    assert.equal(fake.requests[0]!.headers.authorization, `Bearer ${KEY}`);
    const cfg = readJson(dir);
    assert.deepEqual(cfg.models.providers.openai, { baseUrl: fake.openaiBase, apiKey: ref('OPENAI_API_KEY') });
    assert.equal(cfg.agents.defaults.model, 'openai/fake-small', 'the default model is not served, so the first listed one is used');
    assert.equal(readEnvFile(dir).OPENAI_API_KEY, KEY);
    assert.ok(!fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8').includes(KEY));
    assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
    const out = JSON.parse(r.stdout);
    assert.equal(out.provider.check.ok, true);
    assert.equal(out.provider.check.message, 'key accepted, 2 models available');
    // Re-run with no key in the shell: the stored key is kept and checked again.
    const again = await runCli(['onboard', '--provider', 'openai', '--model', 'fake-large'], envFor(dir));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readEnvFile(dir).OPENAI_API_KEY, KEY);
    assert.equal(readJson(dir).agents.defaults.model, 'openai/fake-large');
    assert.equal(fake.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);
  });
});

test('provider errors name the flag: --api-key-env (missing or unset), --base-url for custom, --provider for orphan flags; unknown provider', async () => {
  const dir = makeStateDir();
  const cases: Array<[string[], RegExp]> = [
    [['--provider', 'anthropic'], /^openclaw: onboard: missing --api-key-env: provider anthropic needs an API key \(export ANTHROPIC_API_KEY=<your key> and pass --api-key-env ANTHROPIC_API_KEY;/],
    [['--provider', 'openai', '--api-key-env', 'NOPE_KEY'], /^openclaw: onboard: missing --api-key-env NOPE_KEY: NOPE_KEY is not set \(export NOPE_KEY=<your key> first/],
    [['--provider', 'custom'], /^openclaw: onboard: missing --base-url: an OpenAI-compatible provider needs its URL/],
    [['--api-key-env', 'OPENAI_API_KEY'], /^openclaw: onboard: --api-key-env needs --provider/],
    [['--base-url', 'http://127.0.0.1:1/v1'], /^openclaw: onboard: --base-url needs --provider/],
    [['--provider', 'nope'], /^openclaw: onboard: --provider: unknown provider 'nope' \(use one of openai\|anthropic\|/],
    [['--provider', 'custom', '--base-url', 'ftp://x'], /^openclaw: onboard: --base-url: 'ftp:\/\/x' is not an http/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(['onboard', '--mode', 'local', ...args], envFor(dir));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'no refused run wrote anything');
});

test('--provider anthropic, custom (openai-compatible), ollama; a rejected key warns with the result; --skip-check sends nothing', async () => {
  await withFake(async (fake) => {
    const dir = makeStateDir();
    let r = await runCli(['onboard', '--mode', 'local', '--provider', 'anthropic', '--api-key-env', 'ANTHROPIC_API_KEY', '--base-url', fake.anthropicBase, '--model', 'claude-test'], envFor(dir, { ANTHROPIC_API_KEY: KEY }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.requests.at(-1)!.path, '/v1/models');
    assert.equal(fake.requests.at(-1)!.headers['x-api-key'], KEY);
    assert.equal(fake.requests.at(-1)!.headers['anthropic-version'], '2023-06-01');
    assert.equal(readJson(dir).agents.defaults.model, 'anthropic/claude-test');
    assert.deepEqual(readJson(dir).models.providers.anthropic.apiKey, ref('ANTHROPIC_API_KEY'));

    r = await runCli(['onboard', '--provider', 'openai-compatible', '--base-url', fake.openaiBase, '--api-key-env', 'CUSTOM_API_KEY', '--model', 'fake-small', '--json'], envFor(dir, { CUSTOM_API_KEY: 'wrong-key' }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warn {2}provider check: the key was rejected \(HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1\/models\)$/m);
    assert.equal(JSON.parse(r.stdout).provider.check.outcome, 'rejected');
    assert.equal(readJson(dir).models.providers.custom.api, 'openai-completions');
    assert.equal(readJson(dir).models.providers.custom.baseUrl, fake.openaiBase);

    const before = fake.requests.length;
    r = await runCli(['onboard', '--provider', 'ollama', '--base-url', fake.openaiBase, '--skip-check'], envFor(dir));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.requests.length, before, '--skip-check contacts nobody');
    assert.equal(readJson(dir).agents.defaults.model, 'ollama/llama3.2');
    assert.equal(readJson(dir).models.providers.ollama.apiKey, undefined, 'a local provider needs no key');

    const port = await closedPort();
    const down = await runCli(['onboard', '--provider', 'lmstudio', '--base-url', `http://127.0.0.1:${port}/v1`], envFor(dir));
    assert.equal(down.code, 2);
    assert.match(down.stderr, /^openclaw: onboard: missing --model: no model named for lmstudio, and the check failed: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/models: connection refused \(is the server running\?\)/);
  });
});

test('--reset needs --yes (named); --reset --yes starts over after backing up both files', async () => {
  const dir = makeStateDir();
  assert.equal((await runCli(['onboard', '--mode', 'local', '--gateway-port', '19077'], envFor(dir))).code, 0);
  const oldToken = readEnvFile(dir).OPENCLAW_GATEWAY_TOKEN!;
  const oldCfg = fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8');
  const no = await runCli(['onboard', '--reset'], envFor(dir));
  assert.equal(no.code, 2);
  assert.match(no.stderr, /^openclaw: onboard: missing --yes: --reset replaces the current setup \(add --yes to confirm/);
  const r = await runCli(['onboard', '--reset', '--yes', '--mode', 'local'], envFor(dir));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readJson(dir).gateway.port, 18789, 'settings start over');
  const newToken = readEnvFile(dir).OPENCLAW_GATEWAY_TOKEN!;
  assert.match(newToken, HEX64);
  assert.notEqual(newToken, oldToken);
  assert.equal(fs.readFileSync(path.join(dir, 'openclaw.json.bak'), 'utf8'), oldCfg);
  assert.match(fs.readFileSync(path.join(dir, '.env.bak'), 'utf8'), new RegExp(oldToken));
  assert.equal(mode(path.join(dir, '.env.bak')), 0o600);
});

function stubEnv(dir: string, extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; log: string; unitFile: string } {
  const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-stub-'));
  const log = path.join(stubDir, 'log');
  fs.writeFileSync(log, '');
  const env = envFor(dir, { PATH: `${STUBS}:${process.env.PATH}`, STUB_LOG: log, STUB_DIR: stubDir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), OPENCLAW_ONBOARD_CONTAINER: '0', ...extra });
  return { env, log, unitFile: path.join(dir, 'xdg', 'systemd', 'user', 'openclaw-gateway.service') };
}

test('--install-daemon: openclaw gateway install (unit without the token), then linger; --no-install-daemon touches nothing', async () => {
  const dir = makeStateDir();
  const { env, log, unitFile } = stubEnv(dir);
  const r = await runCli(['onboard', '--mode', 'local', '--gateway-port', '19088', '--install-daemon', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const calls = fs.readFileSync(log, 'utf8');
  assert.match(calls, /^systemctl --user daemon-reload\nsystemctl --user enable openclaw-gateway\.service\nsystemctl --user restart openclaw-gateway\.service\n/m);
  assert.match(calls, /^loginctl enable-linger /m);
  const unit = fs.readFileSync(unitFile, 'utf8');
  assert.match(unit, /gateway --port 19088/);
  assert.ok(!unit.includes(readEnvFile(dir).OPENCLAW_GATEWAY_TOKEN!), 'the token is not in the unit');
  assert.deepEqual(JSON.parse(r.stdout).daemon, { installed: true, unit: 'openclaw-gateway.service', linger: 'enabled', commands: [] });

  const dir2 = makeStateDir();
  const s2 = stubEnv(dir2);
  const no = await runCli(['onboard', '--mode', 'local', '--no-install-daemon'], s2.env);
  assert.equal(no.code, 0, no.stderr);
  assert.equal(fs.readFileSync(s2.log, 'utf8'), '');
  assert.ok(!fs.existsSync(s2.unitFile));
  const both = await runCli(['onboard', '--install-daemon', '--no-install-daemon'], s2.env);
  assert.equal(both.code, 2);
});

test('--install-daemon without systemd: config written, exact commands printed, foreground advice; exit 1', async () => {
  const dir = makeStateDir();
  const { env } = stubEnv(dir, { STUB_SYSTEMCTL_EXIT: '127', STUB_SYSTEMCTL_ERROR: 'systemctl: command not found' });
  const r = await runCli(['onboard', '--mode', 'local', '--install-daemon'], env);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'openclaw.json')), 'the config is written either way');
  assert.match(r.stderr, /^warn {2}service: unit written to .* but not started: systemctl not found \[missing_systemctl\]$/m);
  assert.match(r.stderr, /^ {8}systemctl --user daemon-reload$/m);
  assert.match(r.stderr, /^ {8}systemctl --user enable --now openclaw-gateway\.service$/m);
  assert.match(r.stderr, /^ {8}sudo loginctl enable-linger \S+$/m);
  assert.match(r.stderr, /run the gateway in the foreground: openclaw gateway/);

  const bus = await runCli(['onboard', '--install-daemon', '--json'], stubEnv(dir, { STUB_SYSTEMCTL_EXIT: '1' }).env);
  assert.equal(bus.code, 1);
  assert.equal(JSON.parse(bus.stdout).daemon.reason, 'user_bus_unavailable');

  const container = await runCli(['onboard', '--install-daemon'], stubEnv(dir, { OPENCLAW_ONBOARD_CONTAINER: '1' }).env);
  assert.equal(container.code, 1);
  assert.match(container.stderr, /in a container there is no systemd user manager: run the gateway in the foreground \(openclaw gateway\)/);
});

test('the gateway starts healthy from what onboarding wrote (token and password, lan bind), and the CLI authenticates', async () => {
  for (const extra of [['--gateway-bind', 'lan'], ['--gateway-auth', 'password', '--gateway-password', 'pw-for-the-test-123']]) {
    const dir = makeStateDir();
    const r = await runCli(['onboard', '--mode', 'local', ...extra], envFor(dir));
    assert.equal(r.code, 0, r.stderr);
    const gw = await startGateway({ config: null, stateDir: dir, token: null, env: { HOME: dir } });
    try {
      const res = await fetch(`${gw.url}healthz`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { ok: boolean; status: string };
      assert.deepEqual([body.ok, body.status], [true, 'live']);
      assert.doesNotMatch(gw.output(), /token_generated/, 'the gateway used the onboarded secret, not a new one');
      const health = await runCli(['health', '--json'], envFor(dir));
      assert.equal(health.code, 0, health.stderr);
      assert.equal(JSON.parse(health.stdout).ok, true);
    } finally {
      await gw.stop();
    }
  }
});
