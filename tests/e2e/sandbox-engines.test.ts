// The sandbox runtime against real engines: rootful podman, rootless podman (as `ci`) and docker.
// Per engine: create/exec, hardening seen from inside, exec channel semantics, file-tool confinement,
// limits (rootful only: rootless cgroup v1 ignores them), hot rule, recreate, prune, remove.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { OpenclawConfig } from '../../runtime/config/schema.js';
import { SandboxManager, type Sandbox } from '../../runtime/sandbox/manager.js';
import { SandboxToolHost } from '../../runtime/tools/sandbox.js';
import { ENGINE_NAMES, engineRun, requireEngine, waitFor, type Engine } from '../helpers/engine.js';
import { cleanupByLabel, sandboxEngine, sandboxImage, stateDir, testAgentId } from '../helpers/sandbox.js';

function config(agentId: string, image: string, docker: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): OpenclawConfig {
  return {
    agents: {
      defaults: { sandbox: { mode: 'all', scope: 'agent', workspaceAccess: 'none', docker: { image, pidsLimit: 128, memory: '256m', env: { HELLO: 'world', MY_API_KEY: 'sk-should-not-pass' }, ...docker }, ...extra } },
      list: [{ id: agentId, default: true }],
    },
  } as OpenclawConfig;
}

interface Ctx {
  engine: Engine;
  agentId: string;
  image: string;
  state: string;
  env: NodeJS.ProcessEnv;
  logs: string[];
}

async function setup(t: TestContext, name: (typeof ENGINE_NAMES)[number]): Promise<Ctx | undefined> {
  const engine = await requireEngine(t, name);
  if (!engine) return undefined;
  const image = await sandboxImage(engine);
  const agentId = testAgentId();
  cleanupByLabel(t, engine, agentId);
  const state = stateDir(t, engine);
  return { engine, agentId, image, state, env: { HOME: state, OPENCLAW_STATE_DIR: state, PATH: process.env['PATH'] }, logs: [] };
}

function manager(c: Ctx, cfg: OpenclawConfig, now?: () => number): SandboxManager {
  const log = { info: (e: string, f?: object) => c.logs.push(`info ${e} ${JSON.stringify(f)}`), warn: (e: string, f?: object) => c.logs.push(`warn ${e} ${JSON.stringify(f)}`) };
  return new SandboxManager({ config: cfg, env: c.env, engine: sandboxEngine(c.engine), log, ...(now ? { now } : {}) });
}

async function sh(sbx: Sandbox, command: string, timeoutMs = 60_000) {
  return sbx.exec({ command, timeoutMs });
}

async function label(c: Ctx, name: string, key: string): Promise<string> {
  const r = await engineRun(c.engine, ['inspect', '--format', `{{index .Config.Labels "${key}"}}`, name], { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : `(missing: ${r.stderr.trim()})`;
}

for (const name of ENGINE_NAMES) {
  test(`sandbox on ${name}: hardened inside, channel exec, file tools, limits, hot rule, recreate, prune`, { timeout: 600_000 }, async (t) => {
    const c = await setup(t, name);
    if (!c) return;
    process.env['OPENCLAW_E2E_HOST_SENTINEL'] = 'host-only';
    const mgr = manager(c, config(c.agentId, c.image, { setupCommand: 'echo ran >> /workspace/.setup-count' }));
    t.after(() => mgr.close());
    const sbx = await mgr.ensure({ agentId: c.agentId });
    assert.match(sbx.name, /^openclaw-sbx-agent-e2e[0-9a-f]{8}-[0-9a-f]{8}$/);
    assert.equal(await label(c, sbx.name, 'openclaw.sandbox'), '1');
    assert.equal(await label(c, sbx.name, 'openclaw.sessionKey'), `agent:${c.agentId}`);

    await t.test('inside: non-root, read-only root, only lo, CapEff 0, no engine socket, env filtered, PATH intact', async () => {
      const r = await sh(sbx, [
        'echo uid=$(id -u)',
        'touch /etc/x 2>&1 | tail -1',
        'echo ifaces=$(ls /sys/class/net | tr "\\n" " ")',
        'grep CapEff /proc/self/status',
        'for s in /var/run/docker.sock /run/docker.sock /run/podman/podman.sock /var/run/podman/podman.sock; do [ -e $s ] && echo SOCKET $s; done',
        'echo hello=$HELLO key=${MY_API_KEY-unset} sentinel=${OPENCLAW_E2E_HOST_SENTINEL-unset}',
        'echo path=$PATH',
        'echo cwd=$(pwd)',
        'touch /tmp/ok && echo tmp-writable',
      ].join('; '));
      assert.equal(r.via, 'channel', 'the persistent channel should be used');
      assert.equal(r.exitCode, 0, r.stderr);
      const out = r.stdout;
      assert.doesNotMatch(out, /uid=0\b/);
      assert.match(out, /uid=\d+/);
      assert.match(out, /Read-only file system/);
      assert.match(out, /^ifaces=lo$/m);
      assert.match(out, /CapEff:\s+0+$/m);
      assert.doesNotMatch(out, /SOCKET/);
      assert.match(out, /hello=world key=unset sentinel=unset/);
      assert.match(out, /path=.*\/usr\/local\/bin/);
      assert.match(out, /cwd=\/workspace/);
      assert.match(out, /tmp-writable/);
    });

    await t.test('setupCommand ran exactly once', async () => {
      await mgr.ensure({ agentId: c.agentId });
      const r = await sh(sbx, 'cat /workspace/.setup-count');
      assert.equal(r.stdout, 'ran\n');
    });

    await t.test('channel: separate streams, exit code, cwd/env/stdin, concurrent runs do not mix', async () => {
      const r = await sbx.exec({ command: 'echo out; echo err >&2; cat; echo "$X"; exit 7', env: { X: 'a b' }, stdin: 'in\n', cwd: '/tmp' });
      assert.deepEqual([r.exitCode, r.stdout, r.stderr], [7, 'out\nin\na b\n', 'err\n']);
      const runs = await Promise.all([1, 2, 3, 4].map((i) => sbx.exec({ command: `i=0; while [ $i -lt 3000 ]; do echo run${i}-$i; i=$((i+1)); done` })));
      runs.forEach((x, i) => {
        const lines = x.stdout.split('\n').filter(Boolean);
        assert.equal(lines.length, 3000);
        assert.ok(lines.every((l) => l.startsWith(`run${i + 1}-`)), `run ${i + 1} got foreign lines`);
      });
      const capped = await sbx.exec({ command: 'head -c 100000 /dev/zero | tr "\\0" a', maxOutputBytes: 1000 });
      assert.deepEqual([capped.stdout.length, capped.truncated], [1000, true]);
    });

    await t.test('timeout kills the whole process tree in the container', async () => {
      const r = await sbx.exec({ command: 'sleep 300 & sleep 301 & sh -c "sleep 302"; echo never', timeoutMs: 500 });
      assert.equal(r.timedOut, true);
      assert.equal(r.signal, 'SIGKILL');
      assert.doesNotMatch(r.stdout, /never/);
      const left = await sh(sbx, 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " " | grep -o "sleep 30[0-2]" || true');
      assert.equal(left.stdout.trim(), '', `left behind: ${left.stdout}`);
    });

    await t.test('file tools: write/read/edit/apply_patch/list; ../ and symlink escapes refused', async () => {
      const tools = new SandboxToolHost(sbx);
      await tools.write('src/a.txt', 'one\ntwo\nthree\n');
      assert.equal((await tools.read('src/a.txt')).content, 'one\ntwo\nthree\n');
      assert.equal((await tools.edit('src/a.txt', 'two', 'TWO')).replacements, 1);
      const p = await tools.applyPatch('*** Begin Patch\n*** Update File: src/a.txt\n@@\n one\n-TWO\n+2\n three\n*** Add File: b.txt\n+bee\n*** End Patch\n');
      assert.deepEqual(p, { added: ['b.txt'], updated: ['src/a.txt'], deleted: [] });
      assert.equal((await tools.read('/workspace/src/a.txt')).content, 'one\n2\nthree\n');
      const names = (await tools.list('.')).map((e) => `${e.type}:${e.name}`);
      assert.ok(names.includes('dir:src') && names.includes('file:b.txt'), names.join(','));
      await assert.rejects(tools.read('../etc/passwd'), { code: 'TOOL_PATH' });
      await assert.rejects(tools.write('/etc/evil', 'x'), { code: 'TOOL_PATH' });
      await sh(sbx, 'ln -sfn /etc /workspace/etc-link && ln -sfn /tmp /workspace/tmp-link');
      await assert.rejects(tools.read('etc-link/passwd'), { code: 'TOOL_PATH' });
      await assert.rejects(tools.write('tmp-link/x', 'x'), { code: 'TOOL_PATH' });
      await assert.rejects(tools.list('etc-link'), { code: 'TOOL_PATH' });
      const outside = await sh(sbx, 'test -e /tmp/x && echo wrote-outside || echo clean');
      assert.equal(outside.stdout.trim(), 'clean');
      // The private workspace is on the host, under the state dir.
      assert.equal(fs.readFileSync(path.join(sbx.settings.workspaceDir, 'b.txt'), 'utf8'), 'bee\n');
    });

    if (!c.engine.rootless) {
      await t.test('pids limit stops a fork bomb; a memory hog is OOM-killed; the gateway process lives on', async () => {
        // The bomb outlives its timeout, so the channel's kill has to catch a process tree that forks
        // as fast as the pids limit lets it.
        const bomb = await sbx.exec({ command: 'b() { b | b & }; b; sleep 60', timeoutMs: 5_000 });
        assert.equal(bomb.timedOut, true, JSON.stringify(bomb).slice(0, 300));
        // Forks succeed again once the bomb is gone: poll until an external command (a fork, unlike
        // the shell's builtin echo) reads the cgroup files (no fixed sleep).
        const events = await waitFor(
          'the sandbox to fork again',
          async () => {
            const r = await sh(sbx, 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; cat /sys/fs/cgroup/pids/pids.events 2>/dev/null');
            return /^max \d+$/m.test(r.stdout) ? r : undefined;
          },
          30_000,
          100,
        );
        assert.match(events.stdout, /^128$/m, `pids.max: ${events.stdout}`);
        assert.match(events.stdout, /^max [1-9]\d*$/m, `the limit was hit: ${events.stdout}`);
        const left = await sh(sbx, 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " " | grep -c "b()[ ]{" || true');
        assert.equal(left.stdout.trim(), '0', 'fork bomb processes left behind');
        // podman's conmon (2.1.6 here) drops an `oom` file into the directory the engine CLI runs
        // in: the manager runs it from the state dir, never from the caller's cwd.
        const strayOom = path.join(process.cwd(), 'oom');
        fs.rmSync(strayOom, { force: true }); // left by an earlier run of an older build
        const hog = await sbx.exec({ command: 'exec bash -c \'x=$(head -c 600m /dev/zero | tr "\\0" a); echo ${#x}\'', timeoutMs: 60_000 });
        assert.equal(hog.timedOut, false);
        assert.notEqual(hog.exitCode, 0);
        assert.equal(hog.signal, 'SIGKILL', `exit ${hog.exitCode} ${hog.stderr}`);
        assert.equal(fs.existsSync(strayOom), false, `the OOM kill left ${strayOom} behind`);
        const after = await sh(sbx, 'echo alive');
        assert.equal(after.stdout, 'alive\n');
      });
    }

    await t.test('hot rule: a config change keeps a recently used container and logs the recreate command', async () => {
      await mgr.flushUsage();
      const created = await label(c, sbx.name, 'openclaw.createdAtMs');
      const changed = manager(c, config(c.agentId, c.image, { setupCommand: 'echo ran >> /workspace/.setup-count', pidsLimit: 100 }));
      t.after(() => changed.close());
      const kept = await changed.ensure({ agentId: c.agentId });
      assert.equal(await label(c, kept.name, 'openclaw.createdAtMs'), created);
      assert.ok(c.logs.some((l) => l.includes(`openclaw sandbox recreate --agent ${c.agentId}`)), c.logs.join('\n'));
      const rows = await changed.list(sandboxEngine(c.engine));
      assert.equal(rows.find((r) => r.name === sbx.name)?.current, false);

      // Six minutes later it is no longer hot: recreated with the new settings.
      const later = manager(c, config(c.agentId, c.image, { pidsLimit: 100 }), () => Date.now() + 6 * 60_000);
      t.after(() => later.close());
      const fresh = await later.ensure({ agentId: c.agentId });
      assert.notEqual(await label(c, fresh.name, 'openclaw.createdAtMs'), created);
      assert.equal(await label(c, fresh.name, 'openclaw.configHash'), fresh.plan.configHash);
      assert.notEqual(fresh.plan.configHash, sbx.plan.configHash);
      if (!c.engine.rootless) {
        // rootless podman on cgroup v1 accepts and ignores limits (ENVIRONMENT.md §9.8)
        const r = await engineRun(c.engine, ['inspect', '--format', '{{.HostConfig.PidsLimit}}', fresh.name], { timeoutMs: 30_000 });
        assert.equal(r.stdout.trim(), '100');
      }
      assert.equal((await fresh.exec({ command: 'echo again' })).stdout, 'again\n');
      const rows2 = await later.list(sandboxEngine(c.engine));
      assert.equal(rows2.find((x) => x.name === fresh.name)?.current, true);
    });

    await t.test('prune removes containers idle longer than idleHours; remove deletes', async () => {
      const future = manager(c, config(c.agentId, c.image, { pidsLimit: 100 }), () => Date.now() + 25 * 3_600_000);
      const removed = await future.maybePrune(true);
      assert.deepEqual(removed, [sbx.name]);
      const gone = await engineRun(c.engine, ['inspect', sbx.name], { timeoutMs: 30_000 });
      assert.notEqual(gone.code, 0);
      const again = await future.ensure({ agentId: c.agentId });
      assert.equal(await future.remove(sandboxEngine(c.engine), again.name), true);
      assert.notEqual((await engineRun(c.engine, ['inspect', again.name], { timeoutMs: 30_000 })).code, 0);
      await future.close();
    });
  });
}

test('a missing image fails with the command that builds it', { timeout: 120_000 }, async (t) => {
  const engine = await requireEngine(t, 'docker');
  if (!engine) return;
  const agentId = testAgentId();
  cleanupByLabel(t, engine, agentId);
  const state = stateDir(t, engine);
  const mgr = new SandboxManager({ config: config(agentId, 'openclaw-sandbox:bookworm-slim-does-not-exist'), env: { HOME: state, OPENCLAW_STATE_DIR: state }, engine: sandboxEngine(engine) });
  await assert.rejects(mgr.ensure({ agentId }), (err: Error & { code?: string; hint?: string }) => {
    assert.equal(err.code, 'SANDBOX_IMAGE');
    assert.match(err.message, /not in the docker store/);
    assert.match(err.hint ?? '', /build or pull/);
    return true;
  });
});
