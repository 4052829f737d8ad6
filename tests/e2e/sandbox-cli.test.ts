// `openclaw sandbox explain|exec|list|recreate` end to end: the real CLI (bin/openclaw) against real
// engines, each test with its own OPENCLAW_STATE_DIR, config and agent id (so its containers carry a
// unique openclaw.agentId label and are removed by that label in t.after).
//
// `recreate --all` acts on every openclaw sandbox an engine has, so it runs against a private podman
// store (CONTAINERS_STORAGE_CONF: its own graphroot, the shared store as a read-only image store);
// on the shared stores only the --agent / --session selectors are exercised.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanEnv, runCli, type CliResult } from '../helpers/gateway.js';
import { engineRun, requireEngine, type Engine, type EngineName } from '../helpers/engine.js';
import { cleanupByLabel, sandboxImage, stateDir, testAgentId } from '../helpers/sandbox.js';
import type { ListRow as ManagerListRow } from '../../runtime/sandbox/manager.js';

interface Ctx {
  engine: Engine;
  agentId: string;
  image: string;
  state: string;
  env: NodeJS.ProcessEnv;
  /** Extra env for engine commands the test runs itself (the private podman store). */
  engineEnv: NodeJS.ProcessEnv | undefined;
}

/** A row of `sandbox list --json`: the manager's row plus the CLI's verdicts. */
type ListRow = ManagerListRow & { current?: boolean; hot: boolean };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function sandboxConfig(c: Pick<Ctx, 'agentId' | 'image'>, sandbox: Record<string, unknown> = {}, agent: Record<string, unknown> = {}, docker: Record<string, unknown> = {}): object {
  return {
    agents: {
      defaults: { sandbox: { mode: 'all', scope: 'agent', workspaceAccess: 'none', ...sandbox, docker: { image: c.image, pidsLimit: 128, memory: '256m', env: { HELLO: 'world', MY_API_KEY: 'sk-never-shown' }, ...docker } } },
      list: [{ id: c.agentId, default: true, ...agent }],
    },
  };
}

function writeConfig(c: Ctx, config: object): void {
  writeFileSync(join(c.state, 'openclaw.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
}

/** The CLI with this test's state dir; the engine is chosen as the sandbox runtime would be told to. */
function envFor(engine: Engine, state: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv({ OPENCLAW_STATE_DIR: state, HOME: state, ...extra });
  // Rootless podman runs as another user: the CLI prefix (runuser … podman) is the only way to say so.
  if (engine.rootless) env['OPENCLAW_SANDBOX_ENGINE_ARGV'] = JSON.stringify(engine.argv);
  for (const k of ['DOCKER_HOST', 'CONTAINER_HOST', 'CONTAINERS_STORAGE_CONF']) delete env[k];
  return env;
}

async function setup(t: TestContext, name: EngineName, opts: { privateStore?: 'with-images' | 'empty' } = {}): Promise<Ctx | undefined> {
  const engine = await requireEngine(t, name);
  if (!engine) return undefined;
  const image = await sandboxImage(engine);
  const agentId = testAgentId();
  let engineEnv: NodeJS.ProcessEnv | undefined;
  const extra: Record<string, string> = {};
  let store: string | undefined;
  if (opts.privateStore) {
    store = mkdtempSync(join(tmpdir(), 'openclaw-sbx-store-'));
    const conf = join(store, 'storage.conf');
    let images = '';
    if (opts.privateStore === 'with-images') {
      const shared = await engineRun(engine, ['info', '--format', '{{.Store.GraphRoot}}'], { timeoutMs: 30_000 });
      assert.equal(shared.code, 0, shared.stderr);
      images = `[storage.options]\nadditionalimagestores = ["${shared.stdout.trim()}"]\n`;
    }
    writeFileSync(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${store}/root"\nrunroot = "${store}/run"\n${images}`);
    extra['CONTAINERS_STORAGE_CONF'] = conf;
    engineEnv = { ...process.env, CONTAINERS_STORAGE_CONF: conf };
  }
  // t.after hooks run in registration order: containers first, then the store, then the state dir.
  if (opts.privateStore) {
    t.after(async () => {
      const ps = await engineRun(engine, ['ps', '-aq', '--filter', `label=openclaw.agentId=${agentId}`], { timeoutMs: 60_000, env: engineEnv! });
      const ids = ps.stdout.split('\n').filter(Boolean);
      if (ids.length) await engineRun(engine, ['rm', '-f', '-t', '0', ...ids], { timeoutMs: 60_000, env: engineEnv! });
      rmSync(store!, { recursive: true, force: true });
    });
  } else cleanupByLabel(t, engine, agentId);
  const state = stateDir(t, engine);
  return { engine, agentId, image, state, env: { ...envFor(engine, state), ...extra }, engineEnv };
}

function eng(c: Ctx, args: string[]) {
  return engineRun(c.engine, args, { timeoutMs: 60_000, ...(c.engineEnv ? { env: c.engineEnv } : {}) });
}

async function cli(c: Ctx, args: string[]): Promise<CliResult> {
  return runCli(args, c.env);
}

function explainJson(r: CliResult): Json {
  assert.equal(r.code, 0, `explain exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

async function rows(c: Ctx): Promise<ListRow[]> {
  const r = await cli(c, ['sandbox', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as ListRow[]).filter((x) => x.agentId === c.agentId);
}

async function labelOf(c: Ctx, name: string, key: string): Promise<string> {
  const r = await eng(c, ['inspect', '--format', `{{index .Config.Labels "${key}"}}`, name]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function exists(c: Ctx, name: string): Promise<boolean> {
  return (await eng(c, ['container', 'inspect', name])).code === 0;
}

function flagValue(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));
}

const ENGINES: EngineName[] = ['docker', 'podman', 'podman-rootless'];

for (const name of ENGINES) {
  test(`sandbox CLI on ${name}: explain, exec, list, config change → recreate pending, recreate --agent/--session`, { timeout: 600_000 }, async (t) => {
    const c = await setup(t, name);
    if (!c) return;
    const backend = c.engine.rootless ? {} : { backend: c.engine.kind };
    writeConfig(c, sandboxConfig(c, backend));

    let explained: Json = {};
    await t.test('explain --json: effective config, backend and why, tool policy, exact create argv', async () => {
      explained = explainJson(await cli(c, ['sandbox', 'explain', '--json']));
      assert.equal(explained['agentId'], c.agentId);
      assert.equal(explained['runtime'], 'sandboxed');
      assert.deepEqual([explained['mode'], explained['scope'], explained['scopeKey'], explained['workspaceAccess']], ['all', 'agent', `agent:${c.agentId}`, 'none']);
      assert.equal(explained['backend'], c.engine.rootless ? 'podman (rootless), OPENCLAW_SANDBOX_ENGINE_ARGV' : `${c.engine.kind}, config (sandbox.backend)`);
      const d = explained['docker'] as Json;
      assert.deepEqual([d['image'], d['memory'], d['pidsLimit'], d['network'], d['readOnlyRoot'], d['capDrop']], [c.image, '256m', 128, 'none', true, ['ALL']]);
      assert.deepEqual(d['env'], { LANG: 'C.UTF-8', HELLO: 'world' }, 'secret-looking env is not shown (nor passed)');
      assert.doesNotMatch(JSON.stringify(explained), /sk-never-shown/);
      assert.deepEqual(explained['blockedEnv'], [{ name: 'MY_API_KEY', why: 'looks like a secret (keep credentials out of sandboxes)' }]);
      assert.deepEqual(explained['prune'], { idleHours: 24, maxAgeDays: 7 });
      assert.deepEqual(explained['ignoredOverrides'], []);
      const tools = explained['tools'] as Json;
      assert.ok((tools['allow'] as string[]).includes('exec') && (tools['deny'] as string[]).includes('browser'), JSON.stringify(tools));
      assert.deepEqual(tools['sources'], { allow: 'default', deny: 'default' });
      assert.equal(explained['recreate'], `openclaw sandbox recreate --agent ${c.agentId}`);
      const argv = explained['createArgv'] as string[];
      assert.deepEqual(argv.slice(0, c.engine.argv.length + 1), [...c.engine.argv, 'create']);
      assert.equal(argv.at(-3), c.image);
      assert.deepEqual(argv.slice(-2), ['sleep', 'infinity']);
      for (const f of ['--read-only', '--init']) assert.ok(argv.includes(f), `${f} in ${argv.join(' ')}`);
      assert.deepEqual(flagValue(argv, '--network'), ['none']);
      assert.deepEqual(flagValue(argv, '--memory'), ['256m']);
      assert.deepEqual(flagValue(argv, '--pids-limit'), ['128']);
      assert.ok(flagValue(argv, '--label').includes(`openclaw.agentId=${c.agentId}`));
      assert.deepEqual(flagValue(argv, '--env-file'), ['<0600 env file>']);
      // The human form prints the same argv on one line.
      const text = await cli(c, ['sandbox', 'explain']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`backend: ${c.engine.kind}`));
      const oneLine = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
      // Only the createdAtMs label differs between two explains (it is the time of the call).
      const masked = (x: string) => x.replace(/openclaw\.createdAtMs=\d+/, 'openclaw.createdAtMs=T');
      assert.ok(text.stdout.split('\n').map(masked).includes(`  ${masked(oneLine)}`), `${oneLine}\nnot in:\n${text.stdout}`);
    });

    const sandboxName = flagValue(explained['createArgv'] as string[], '--name')[0]!;
    const explainedHash = flagValue(explained['createArgv'] as string[], '--label').find((l) => l.startsWith('openclaw.configHash='))!.split('=')[1]!;

    await t.test('exec creates the sandbox, runs as a non-root uid, propagates exit codes and streams', async () => {
      assert.equal(await exists(c, sandboxName), false, 'nothing exists before the first exec');
      const id = await cli(c, ['sandbox', 'exec', '--agent', c.agentId, '--', 'id', '-u']);
      assert.equal(id.code, 0, id.stderr);
      assert.match(id.stdout, /^[1-9]\d*\n$/, `uid: ${JSON.stringify(id.stdout)}`);
      assert.equal(Number(id.stdout), c.engine.rootless ? c.engine.user.uid : c.engine.user.uid === 0 ? 1000 : c.engine.user.uid);
      // What was created is what explain printed: same name, same config hash, same limits.
      assert.equal(await exists(c, sandboxName), true);
      assert.equal(await labelOf(c, sandboxName, 'openclaw.configHash'), explainedHash);
      const seven = await cli(c, ['sandbox', 'exec', '--agent', c.agentId, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
      assert.deepEqual([seven.code, seven.stdout, seven.stderr], [7, 'out\n', 'err\n']);
      const env = await cli(c, ['sandbox', 'exec', '--', 'sh', '-c', 'echo "$HELLO ${MY_API_KEY-unset} $(pwd)"']);
      assert.deepEqual([env.code, env.stdout], [0, 'world unset /workspace\n']);
      const slow = await cli(c, ['sandbox', 'exec', '--timeout', '300', '--', 'sleep', '30']);
      assert.equal(slow.code, 137, slow.stderr);
      assert.match(slow.stderr, /timed out, killed \(SIGKILL\)/);
    });

    await t.test('list --json: state, image, age, idle, key, config current', async () => {
      const [row, ...more] = await rows(c);
      assert.equal(more.length, 0);
      assert.ok(row);
      assert.deepEqual([row.name, row.state, row.image, row.scopeKey, row.configHash, row.current, row.hot], [sandboxName, 'running', c.image, `agent:${c.agentId}`, explainedHash, true, true]);
      const now = Date.now();
      assert.ok(row.createdAtMs > now - 600_000 && row.createdAtMs <= now, `createdAtMs ${row.createdAtMs}`);
      assert.ok(row.lastUsedAtMs !== undefined && row.lastUsedAtMs >= row.createdAtMs && row.lastUsedAtMs <= now, `lastUsedAtMs ${row.lastUsedAtMs}`);
      const text = await cli(c, ['sandbox', 'list']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^NAME\s+STATE\s+IMAGE\s+AGE\s+IDLE\s+SCOPE KEY\s+CONFIG$/m);
      const line = text.stdout.split('\n').find((l) => l.startsWith(sandboxName + ' '));
      assert.match(line ?? '', new RegExp(`^${sandboxName}\\s+running\\s+\\S+\\s+\\d+s\\s+\\d+s\\s+agent:${c.agentId}\\s+current$`), text.stdout);
    });

    await t.test('a config change: list says recreate pending; a hot sandbox is kept and the recreate command is logged', async () => {
      writeConfig(c, sandboxConfig(c, backend, {}, { pidsLimit: 100 }));
      const [row] = await rows(c);
      assert.equal(row?.current, false);
      const text = await cli(c, ['sandbox', 'list']);
      assert.match(text.stdout, new RegExp(`^${sandboxName}\\s.*\\srecreate pending$`, 'm'), text.stdout);
      const created = await labelOf(c, sandboxName, 'openclaw.createdAtMs');
      const r = await cli(c, ['sandbox', 'exec', '--agent', c.agentId, '--', 'echo', 'still here']);
      assert.deepEqual([r.code, r.stdout], [0, 'still here\n']);
      assert.ok(r.stderr.includes(`Recreate to apply: openclaw sandbox recreate --agent ${c.agentId}`), r.stderr);
      assert.equal(await labelOf(c, sandboxName, 'openclaw.createdAtMs'), created, 'the hot container was kept');
      assert.equal(await labelOf(c, sandboxName, 'openclaw.configHash'), explainedHash);
    });

    await t.test('recreate --agent skips a recently used sandbox; --force removes it; next use recreates with the new config', async () => {
      const skip = await cli(c, ['sandbox', 'recreate', '--agent', c.agentId]);
      assert.equal(skip.code, 0, skip.stderr);
      assert.match(skip.stdout, new RegExp(`^- Skipped ${sandboxName} \\(used in the last 5 minutes; add --force\\)$`, 'm'));
      assert.match(skip.stdout, /Done: 0 removed, 1 skipped, 0 failed\./);
      assert.equal(await exists(c, sandboxName), true);
      const force = await cli(c, ['sandbox', 'recreate', '--agent', c.agentId, '--force']);
      assert.equal(force.code, 0, force.stderr);
      assert.match(force.stdout, new RegExp(`^✓ Removed ${sandboxName}$`, 'm'));
      assert.match(force.stdout, /Done: 1 removed, 0 skipped, 0 failed\./);
      assert.equal(await exists(c, sandboxName), false);
      assert.deepEqual(await rows(c), []);
      const again = await cli(c, ['sandbox', 'exec', '--agent', c.agentId, '--', 'true']);
      assert.equal(again.code, 0, again.stderr);
      const [row] = await rows(c);
      assert.deepEqual([row?.name, row?.current], [sandboxName, true]);
      if (!c.engine.rootless) {
        const pids = await eng(c, ['inspect', '--format', '{{.HostConfig.PidsLimit}}', sandboxName]);
        assert.equal(pids.stdout.trim(), '100');
      }
      // --session takes the exact scope key.
      const bySession = await cli(c, ['sandbox', 'recreate', '--session', `agent:${c.agentId}`, '--force']);
      assert.match(bySession.stdout, /Done: 1 removed, 0 skipped, 0 failed\./);
      assert.equal(await exists(c, sandboxName), false);
    });
  });
}

test('sandbox explain under scope shared lists the ignored per-agent overrides and uses the defaults', { timeout: 120_000 }, async (t) => {
  const c = await setup(t, 'docker');
  if (!c) return;
  writeConfig(c, sandboxConfig(c, { scope: 'shared' }, { sandbox: { workspaceAccess: 'rw', docker: { memory: '2g', network: 'bridge' }, prune: { idleHours: 1 } } }));
  const j = explainJson(await cli(c, ['sandbox', 'explain', '--agent', c.agentId, '--json']));
  assert.deepEqual(j['ignoredOverrides'], [`agents.list[${c.agentId}].sandbox.docker`, `agents.list[${c.agentId}].sandbox.prune`, `agents.list[${c.agentId}].sandbox.workspaceAccess`]);
  assert.deepEqual([j['scopeKey'], j['workspaceAccess'], (j['docker'] as Json)['memory'], (j['docker'] as Json)['network'], (j['prune'] as Json)['idleHours']], ['shared', 'none', '256m', 'none', 24]);
  assert.equal(j['recreate'], 'openclaw sandbox recreate --all');
  const argv = j['createArgv'] as string[];
  assert.deepEqual(flagValue(argv, '--memory'), ['256m']);
  assert.ok(flagValue(argv, '--mount')[0]!.includes(`source=${join(c.state, 'sandboxes')},target=/workspace`), argv.join(' '));
  const text = await cli(c, ['sandbox', 'explain', '--agent', c.agentId]);
  assert.match(text.stdout, new RegExp(`^  ignored \\(scope is shared\\): agents\\.list\\[${c.agentId}\\]\\.sandbox\\.docker$`, 'm'), text.stdout);
  // Auto-detection says why it chose docker.
  writeConfig(c, sandboxConfig(c));
  const auto = explainJson(await cli(c, ['sandbox', 'explain', '--json']));
  assert.equal(auto['backend'], 'docker, auto-detected (docker daemon answered)');
});

test('sandbox recreate --all on a private podman store: skips hot sandboxes, --force removes every one', { timeout: 300_000 }, async (t) => {
  const c = await setup(t, 'podman', { privateStore: 'with-images' });
  if (!c) return;
  writeConfig(c, sandboxConfig(c, { backend: 'podman', scope: 'session' }));
  const keys = [`agent:${c.agentId}:one`, `agent:${c.agentId}:two`];
  for (const key of keys) {
    const r = await cli(c, ['sandbox', 'exec', '--session', key, '--', 'echo', key]);
    assert.deepEqual([r.code, r.stdout], [0, `${key}\n`], r.stderr);
  }
  const before = await rows(c);
  assert.deepEqual(before.map((r) => r.scopeKey).sort(), keys);
  // Nothing of the shared store is visible here, so --all means exactly this test's sandboxes.
  const all = await cli(c, ['sandbox', 'list', '--json']);
  assert.equal((JSON.parse(all.stdout) as ListRow[]).length, 2);
  const skip = await cli(c, ['sandbox', 'recreate', '--all']);
  assert.equal(skip.code, 0, skip.stderr);
  assert.match(skip.stdout, /Done: 0 removed, 2 skipped, 0 failed\./);
  const force = await cli(c, ['sandbox', 'recreate', '--all', '--force']);
  assert.equal(force.code, 0, force.stderr);
  for (const r of before) assert.match(force.stdout, new RegExp(`^✓ Removed ${r.name}$`, 'm'));
  assert.match(force.stdout, /Done: 2 removed, 0 skipped, 0 failed\./);
  assert.deepEqual(await rows(c), []);
  const ps = await eng(c, ['ps', '-aq', '--filter', 'label=openclaw.sandbox=1']);
  assert.equal(ps.stdout.trim(), '');
});

test('a missing image fails with the command that builds it (exit 1, nothing created)', { timeout: 120_000 }, async (t) => {
  const c = await setup(t, 'docker');
  if (!c) return;
  writeConfig(c, sandboxConfig({ agentId: c.agentId, image: `localhost/openclaw-sandbox-missing-${c.agentId}:x` }, { backend: 'docker' }));
  const custom = await cli(c, ['sandbox', 'exec', '--', 'true']);
  assert.equal(custom.code, 1);
  assert.match(custom.stderr, new RegExp(`image localhost/openclaw-sandbox-missing-${c.agentId}:x is not in the docker store \\(sandboxes never pull\\)`));
  assert.match(custom.stderr, /build or pull localhost\/openclaw-sandbox-missing-\S+ first/);
  assert.deepEqual(await rows(c), []);

});

test('the default image, missing, names scripts/sandbox-setup.sh (an empty private podman store)', { timeout: 120_000 }, async (t) => {
  const c = await setup(t, 'podman', { privateStore: 'empty' });
  if (!c) return;
  const cfg = sandboxConfig(c, { backend: 'podman' }) as Json;
  delete cfg['agents'].defaults.sandbox.docker.image;
  writeConfig(c, cfg);
  const r = await cli(c, ['sandbox', 'exec', '--', 'true']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /image openclaw-sandbox:bookworm-slim is not in the podman store \(sandboxes never pull\)/);
  assert.match(r.stderr, /build it: scripts\/sandbox-setup\.sh/);
  assert.equal((await eng(c, ['ps', '-aq'])).stdout.trim(), '', 'nothing was created');
});

test('wrong flags exit 2 and name the flag (no engine needed)', { timeout: 60_000 }, async () => {
  const state = mkdtempSync(join(tmpdir(), 'openclaw-sbx-flags-'));
  try {
    writeFileSync(join(state, 'openclaw.json'), JSON.stringify({ agents: { defaults: { sandbox: { mode: 'all' } } } }), { mode: 0o600 });
    // No engine can be reached: a flag error must come before any engine call.
    const env = cleanEnv({ OPENCLAW_STATE_DIR: state, HOME: state, OPENCLAW_SANDBOX_ENGINE_ARGV: '["/nonexistent/podman"]' });
    const cases: Array<[string[], RegExp]> = [
      [['sandbox', 'list', '--bogus'], /unknown option '--bogus'/],
      [['sandbox', 'list', 'extra'], /unexpected argument 'extra'/i],
      [['sandbox', 'explain', '--agent'], /--agent/],
      [['sandbox', 'recreate'], /exactly one of --all, --agent ID, --session KEY/],
      [['sandbox', 'recreate', '--all', '--agent', 'x'], /exactly one of --all, --agent ID, --session KEY/],
      [['sandbox', 'recreate', '--forse'], /unknown option '--forse'/],
      [['sandbox', 'exec', 'id'], /put the command after --/],
      [['sandbox', 'exec', '--agent', 'x', '--'], /put the command after --/],
      [['sandbox', 'exec', '--timeout', 'soon', '--', 'true'], /--timeout: expected a whole number, got 'soon'/],
      [['sandbox', 'exec', '--timeout', '0', '--', 'true'], /--timeout: 0 is out of range/],
      [['sandbox', 'nope'], /unknown subcommand 'nope'/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.match(r.stderr, /^openclaw: /);
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
