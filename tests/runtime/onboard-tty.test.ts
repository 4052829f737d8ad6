// The interactive wizard on a real pseudo-terminal: tmux runs `openclaw onboard` in a detached
// 120x40 pane, the test types with send-keys and reads the screen with capture-pane (the whole
// scrollback), polling until an expected prompt appears or a deadline passes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startFakeProvider, type FakeProvider, type RecordedRequest, type Reply } from '../helpers/fake-provider.js';
import { BIN, cleanEnv, makeStateDir, runCli, startGateway } from '../helpers/gateway.js';

const KEY = 'sk-tty-SECRET-0123456789abcdef';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

class Pane {
  private constructor(private readonly sock: string) {}

  static start(t: TestContext, args: string[], env: NodeJS.ProcessEnv): Pane {
    const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-tmux-')), 'sock');
    // The shell line reports the exit code on screen and keeps the pane open for the last capture.
    const line = `${[process.execPath, BIN, ...args].map(shq).join(' ')}; echo "__EXIT=$?"; exec sleep 600`;
    const r = spawnSync('tmux', ['-S', sock, '-f', '/dev/null', 'new-session', '-d', '-x', '120', '-y', '40', line], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `tmux new-session: ${r.stderr}`);
    const pane = new Pane(sock);
    t.after(() => pane.kill());
    return pane;
  }

  private tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-S', this.sock, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`);
    return r.stdout;
  }

  /** Everything the pane has shown, scrollback included, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-');
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${s}`);
      await delay(25);
    }
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-l', text);
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.sock, 'kill-server']);
  }
}

function envFor(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // OPENCLAW_ONBOARD_CONTAINER=1: the service question is not asked, so the flow is the same on
  // hosts with and without systemd.
  const env = cleanEnv({ OPENCLAW_STATE_DIR: dir, HOME: dir, OPENCLAW_ONBOARD_CONTAINER: '1', ...extra });
  for (const k of ['CI', 'NONINTERACTIVE', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'CUSTOM_API_KEY', 'TMUX']) if (!(k in extra)) delete env[k];
  return env;
}

function modelsReply(req: RecordedRequest): Reply {
  if (!req.path.endsWith('/models')) return { kind: 'status', status: 404 };
  if (req.headers.authorization !== `Bearer ${KEY}`) return { kind: 'status', status: 401 };
  return { kind: 'status', status: 200, body: { object: 'list', data: [{ id: 'fake-small' }, { id: 'fake-large' }] } };
}

async function fakeProvider(t: TestContext): Promise<FakeProvider> {
  const fake = await startFakeProvider(modelsReply);
  t.after(() => fake.close());
  return fake;
}

/** Every file under dir with its bytes, to prove a run changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    out[name] = fs.statSync(p).isDirectory() ? '<dir>' : fs.readFileSync(p, 'utf8');
  }
  return out;
}

const readEnvFile = (dir: string) => fs.readFileSync(path.join(dir, '.env'), 'utf8');

test('interactive end to end: every step answered on a terminal, summary shown before any write, hidden key, healthy gateway', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const fake = await fakeProvider(t);
  const dir = makeStateDir();
  const pane = Pane.start(t, ['onboard'], envFor(dir));

  await pane.waitFor(/Where should the gateway listen\?/);
  pane.keys('Down', 'Enter');
  await pane.waitFor(/How should clients authenticate\?/);
  pane.keys('Enter');
  await pane.waitFor(/\? Gateway token/);
  pane.keys('Enter');
  await pane.waitFor(/\? Gateway port \[18789\]: $/m);
  pane.type('19555');
  pane.keys('Enter');
  await pane.waitFor(/\? Agent workspace directory \[~\/workspace\]: $/m);
  pane.keys('Enter');
  await pane.waitFor(/Model provider for the agent/);
  pane.type('5');
  pane.keys('Enter');
  await pane.waitFor(/\? Base URL \(usually ends in \/v1\): $/m);
  pane.type(fake.openaiBase);
  pane.keys('Enter');
  await pane.waitFor(/\? API key \(Enter for none\) \(input hidden\): $/m);
  pane.type(KEY);
  pane.keys('Enter');
  await pane.waitFor(/ok: key accepted, 2 models available/);
  await pane.waitFor(/\? Model \[fake-small\]: $/m);
  pane.keys('Enter');
  await pane.waitFor(/Run agent tools in a sandbox container\?/);
  pane.keys('Down', 'Enter');
  const summary = await pane.waitFor(/\? Write these files\? \[Y\/n\] $/m);

  // The summary lists files and keys; nothing exists on disk until the answer.
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing is written before the confirmation');
  assert.match(summary, /^ {2}~\/openclaw\.json {2}\(mode 0600\)$/m);
  assert.match(summary, /^ {4}gateway\.bind = "lan"$/m);
  assert.match(summary, /^ {4}gateway\.port = 19555$/m);
  assert.match(summary, /^ {4}gateway\.auth\.token = env:OPENCLAW_GATEWAY_TOKEN$/m);
  assert.match(summary, /^ {4}models\.providers\.custom\.apiKey = env:CUSTOM_API_KEY$/m);
  assert.match(summary, /^ {4}agents\.defaults\.model = "custom\/fake-small"$/m);
  assert.match(summary, /^ {4}agents\.defaults\.sandbox\.mode = "non-main"$/m);
  assert.match(summary, /^ {2}~\/\.env {2}\(mode 0600; values not shown\)$/m);
  assert.match(summary, /^ {4}OPENCLAW_GATEWAY_TOKEN {2}added: gateway token, new, 64 hex characters$/m);
  assert.match(summary, /^ {4}CUSTOM_API_KEY {10}added: custom API key, as entered$/m);
  assert.match(summary, /^ {2}~\/workspace\/ {2}\(new directory, mode 0700\)$/m);

  pane.keys('Enter');
  const end = await pane.waitFor(/__EXIT=\d+/);
  assert.match(end, /__EXIT=0/);

  assert.ok(!end.includes(KEY), 'the key never appears on screen');
  assert.match(end, /API key \(Enter for none\): \(received 30 characters, not shown\)/);
  const cfgText = fs.readFileSync(path.join(dir, 'openclaw.json'), 'utf8');
  assert.ok(!cfgText.includes(KEY), 'the key is not in openclaw.json');
  const cfg = JSON.parse(cfgText);
  assert.deepEqual(cfg.models.providers.custom, { baseUrl: fake.openaiBase, api: 'openai-completions', apiKey: { source: 'env', provider: 'default', id: 'CUSTOM_API_KEY' } });
  assert.equal(cfg.gateway.port, 19555);
  assert.match(readEnvFile(dir), new RegExp(`^CUSTOM_API_KEY=${KEY}$`, 'm'));
  assert.match(readEnvFile(dir), /^OPENCLAW_GATEWAY_TOKEN=[0-9a-f]{64}$/m);
  const token = /^OPENCLAW_GATEWAY_TOKEN=(.*)$/m.exec(readEnvFile(dir))![1]!;
  assert.ok(!end.includes(token), 'the token is not printed either');
  assert.equal(fake.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`, 'the live check used the typed key');

  const gw = await startGateway({ config: null, stateDir: dir, token: null, env: { HOME: dir } });
  try {
    assert.equal((await fetch(`${gw.url}healthz`)).status, 200);
    const health = await runCli(['health', '--json'], cleanEnv({ OPENCLAW_STATE_DIR: dir, HOME: dir }));
    assert.equal(health.code, 0, health.stderr);
  } finally {
    await gw.stop();
  }
});

test('Ctrl-C at the provider step (typing the key) writes nothing and shows nothing of the key', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const dir = makeStateDir();
  const setup = await runCli(['onboard', '--mode', 'local', '--gateway-port', '19556'], envFor(dir));
  assert.equal(setup.code, 0, setup.stderr);
  const before = snapshot(dir);
  const pane = Pane.start(t, ['onboard'], envFor(dir));
  await pane.waitFor(/Existing setup found in ~\/openclaw\.json/);
  await pane.waitFor(/Where should the gateway listen\?/);
  pane.keys('Enter');
  await pane.waitFor(/How should clients authenticate\?/);
  pane.keys('Enter');
  await pane.waitFor(/\? Gateway token/);
  const tokenScreen = pane.screen();
  assert.match(tokenScreen, /> 1\. keep the current token/, 'an existing token is offered first');
  pane.keys('Enter');
  await pane.waitFor(/\? Gateway port \[19556\]: $/m);
  pane.keys('Enter');
  await pane.waitFor(/\? Agent workspace directory/);
  pane.keys('Enter');
  await pane.waitFor(/Model provider for the agent/);
  pane.keys('Enter'); // OpenAI
  await pane.waitFor(/\? OpenAI API key \(input hidden\): $/m);
  pane.type('sk-partial-SECRET-typed');
  pane.keys('C-c');
  const end = await pane.waitFor(/__EXIT=\d+/);
  assert.match(end, /__EXIT=130/);
  assert.match(end, /^openclaw: onboard: interrupted; nothing was written \(run openclaw onboard again to start over\)$/m);
  assert.ok(!end.includes('sk-partial-SECRET'), 'the half-typed key is not on screen');
  assert.deepEqual(snapshot(dir), before, 'no file changed, no .bak appeared');
});

test('Ctrl-C at the provider choice on a fresh machine leaves no file at all', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const dir = makeStateDir();
  const pane = Pane.start(t, ['setup'], envFor(dir));
  await pane.waitFor(/Where should the gateway listen\?/);
  pane.keys('Enter');
  await pane.waitFor(/How should clients authenticate\?/);
  pane.keys('Enter');
  await pane.waitFor(/\? Gateway token/);
  pane.keys('Enter');
  await pane.waitFor(/\? Gateway port/);
  pane.keys('Enter');
  await pane.waitFor(/\? Agent workspace directory/);
  pane.keys('Enter');
  await pane.waitFor(/Model provider for the agent/);
  pane.keys('Down', 'C-c');
  const end = await pane.waitFor(/__EXIT=\d+/);
  assert.match(end, /__EXIT=130/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('an interactive re-run keeps the token and the stored key by default', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const fake = await fakeProvider(t);
  const dir = makeStateDir();
  const setup = await runCli(['onboard', '--mode', 'local', '--provider', 'openai', '--api-key-env', 'OPENAI_API_KEY', '--base-url', fake.openaiBase], envFor(dir, { OPENAI_API_KEY: KEY }));
  assert.equal(setup.code, 0, setup.stderr);
  const envBefore = readEnvFile(dir);
  const pane = Pane.start(t, ['onboard'], envFor(dir));
  for (const prompt of [/Where should the gateway listen\?/, /How should clients authenticate\?/, /\? Gateway token/, /\? Gateway port/, /\? Agent workspace directory/, /Model provider for the agent/]) {
    await pane.waitFor(prompt);
    pane.keys('Enter');
  }
  await pane.waitFor(/An API key is already set \(OPENAI_API_KEY, ~\/\.env\)/);
  pane.keys('Enter');
  await pane.waitFor(/ok: key accepted/);
  await pane.waitFor(/\? Model \[fake-small\]: $/m);
  pane.keys('Enter');
  await pane.waitFor(/Run agent tools in a sandbox container\?/);
  pane.keys('Enter');
  const summary = await pane.waitFor(/\? Write these files\? \[Y\/n\] $/m);
  assert.doesNotMatch(summary, /\.env {2}\(mode/, 'the env file is not rewritten');
  assert.match(summary, /^ {4}agents\.defaults\.sandbox\.mode = "off"$/m);
  pane.keys('Enter');
  const end = await pane.waitFor(/__EXIT=\d+/);
  assert.match(end, /__EXIT=0/);
  assert.equal(readEnvFile(dir), envBefore, 'token and key kept');
  assert.ok(!end.includes(KEY));
});

test('on a host with systemctl the wizard offers the service, and yes installs it through gateway install', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const dir = makeStateDir();
  const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-stub-'));
  const log = path.join(stubDir, 'log');
  fs.writeFileSync(log, '');
  const stubs = path.join(path.dirname(BIN), '..', 'tests', 'stubs');
  const env = envFor(dir, { OPENCLAW_ONBOARD_CONTAINER: '0', PATH: `${stubs}:${process.env.PATH}`, STUB_LOG: log, STUB_DIR: stubDir, XDG_CONFIG_HOME: path.join(dir, 'xdg') });
  const pane = Pane.start(t, ['onboard', '--mode', 'local', '--gateway-bind', 'loopback', '--gateway-auth', 'token', '--gateway-port', '19557', '--workspace', '~/ws', '--sandbox', 'off'], env);
  await pane.waitFor(/\? Gateway token/);
  pane.keys('Enter');
  await pane.waitFor(/Model provider for the agent/);
  pane.type('6'); // skip
  pane.keys('Enter');
  const offer = await pane.waitFor(/Start the gateway as a service\?/);
  assert.match(offer, /Bind: loopback \(--gateway-bind\)/, 'a flag answers its question without asking');
  pane.keys('Enter');
  const summary = await pane.waitFor(/\? Write these files\? \[Y\/n\] $/m);
  assert.match(summary, /then: openclaw gateway install/);
  pane.keys('y');
  const end = await pane.waitFor(/__EXIT=\d+/);
  assert.match(end, /__EXIT=0/);
  assert.match(fs.readFileSync(log, 'utf8'), /^systemctl --user enable openclaw-gateway\.service$/m);
  assert.ok(fs.existsSync(path.join(dir, 'xdg', 'systemd', 'user', 'openclaw-gateway.service')));
});
