// The one-exec-per-call fallback: the persistent channel needs bash in the image; without it the
// manager runs each command with its own `docker|podman exec`. An image built FROM the sandbox test
// image with bash deleted (the tools' other binaries stay) makes the channel fail for real, so this
// is the path users of bash-less images get: commands run, output is right, concurrent commands do
// not mix, the timeout kills the process tree, the file tools work and stay confined.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OpenclawConfig } from '../../runtime/config/schema.js';
import { SandboxManager } from '../../runtime/sandbox/manager.js';
import { SandboxToolHost } from '../../runtime/tools/sandbox.js';
import { buildImage, engineRun, ENGINE_NAMES, requireEngine, type Engine } from '../helpers/engine.js';
import { cleanupByLabel, sandboxEngine, sandboxImage, stateDir, testAgentId } from '../helpers/sandbox.js';

const NO_BASH = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
USER root
RUN rm -f /usr/bin/bash /bin/bash /usr/bin/rbash && ! command -v bash
USER sandbox
`;

async function noBashImage(engine: Engine): Promise<string> {
  const base = await sandboxImage(engine);
  const tag = `localhost/openclaw-sandbox-test-nobash:${createHash('sha256').update(base).update(NO_BASH).digest('hex').slice(0, 12)}`;
  if ((await engineRun(engine, ['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 30_000 })).code === 0) return tag;
  const ctx = mkdtempSync(join(tmpdir(), 'openclaw-sbx-nobash-'));
  chmodSync(ctx, 0o755);
  writeFileSync(join(ctx, 'Dockerfile'), NO_BASH, { mode: 0o644 });
  try {
    await buildImage(engine, { context: ctx, tag, buildArgs: { BASE_IMAGE: base } });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return tag;
}

for (const name of ENGINE_NAMES) {
  test(`per-call exec fallback on ${name} (image without bash)`, { timeout: 600_000 }, async (t) => {
    const engine = await requireEngine(t, name);
    if (!engine) return;
    const image = await noBashImage(engine);
    const agentId = testAgentId();
    cleanupByLabel(t, engine, agentId);
    // Closed before the state dir goes (t.after runs in order): close() flushes usage into it.
    let mgr: SandboxManager | undefined;
    t.after(() => mgr?.close());
    const state = stateDir(t, engine);
    const logs: string[] = [];
    const config = { agents: { defaults: { sandbox: { mode: 'all', scope: 'agent', docker: { image, env: { HELLO: 'world' } } } }, list: [{ id: agentId, default: true }] } } as OpenclawConfig;
    mgr = new SandboxManager({ config, env: { HOME: state, OPENCLAW_STATE_DIR: state }, engine: sandboxEngine(engine), log: { info: (e) => logs.push(`info ${e}`), warn: (e, f) => logs.push(`warn ${e} ${JSON.stringify(f)}`) } });
    const sbx = await mgr.ensure({ agentId });

    await t.test('the channel is unavailable and says why; commands run through one exec each', async () => {
      const r = await sbx.exec({ command: 'command -v bash || echo no-bash; echo uid=$(id -u) hello=$HELLO cwd=$(pwd)' });
      assert.equal(r.via, 'exec');
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /^no-bash\nuid=[1-9]\d* hello=world cwd=\/workspace\n$/);
      const warn = logs.find((l) => l.startsWith('warn sandbox.channel_unavailable'));
      assert.ok(warn, logs.join('\n'));
      assert.match(warn, /bash\W{0,8}: executable file not found/, 'the engine says what is missing');
      assert.match(warn, /the image needs bash; falling back to one exec per command/);
      // Every later call stays on per-call exec (and does not retry the channel forever).
      assert.equal((await sbx.exec({ command: 'true' })).via, 'exec');
    });

    await t.test('streams apart, exit code, signal, stdin, env, cwd', async () => {
      const r = await sbx.exec({ command: 'echo out; echo err >&2; cat; echo "$X"; pwd; exit 7', env: { X: 'a b', MY_API_KEY: 'sk-no' }, stdin: 'in\n', cwd: '/tmp' });
      assert.deepEqual([r.exitCode, r.signal, r.stdout, r.stderr, r.via], [7, null, 'out\nin\na b\n/tmp\n', 'err\n', 'exec']);
      const secret = await sbx.exec({ command: 'echo ${MY_API_KEY-unset}', env: { MY_API_KEY: 'sk-no' } });
      assert.equal(secret.stdout, 'unset\n');
      const killed = await sbx.exec({ command: 'kill -TERM $$' });
      assert.deepEqual([killed.exitCode, killed.signal], [143, 'SIGTERM']);
      const big = 'x'.repeat(200_000);
      const echo = await sbx.exec({ command: 'wc -c', stdin: big });
      assert.equal(echo.stdout.trim(), '200000');
    });

    await t.test('concurrent commands do not mix output', async () => {
      const runs = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((i) => sbx.exec({ command: `i=0; while [ $i -lt 2000 ]; do echo run${i}-$i; echo err${i}-$i >&2; i=$((i+1)); done; exit ${i}` })),
      );
      runs.forEach((r, k) => {
        const i = k + 1;
        assert.equal(r.via, 'exec');
        assert.equal(r.exitCode, i);
        const out = r.stdout.split('\n').filter(Boolean);
        const err = r.stderr.split('\n').filter(Boolean);
        assert.equal(out.length, 2000);
        assert.equal(err.length, 2000);
        assert.ok(out.every((l, n) => l === `run${i}-${n}`), `run ${i}: stdout out of order or foreign`);
        assert.ok(err.every((l, n) => l === `err${i}-${n}`), `run ${i}: stderr out of order or foreign`);
      });
    });

    await t.test('output cap, timeout that kills the process tree, an already aborted signal', async () => {
      const capped = await sbx.exec({ command: 'head -c 100000 /dev/zero | tr "\\0" a', maxOutputBytes: 1000 });
      assert.deepEqual([capped.stdout.length, capped.truncated], [1000, true]);
      const slow = await sbx.exec({ command: 'sleep 300 & sleep 301 & sh -c "sleep 302"; echo never', timeoutMs: 1000 });
      assert.equal(slow.timedOut, true);
      assert.doesNotMatch(slow.stdout, /never/);
      const left = await sbx.exec({ command: 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " " | grep -o "sleep 30[0-2]" || true' });
      assert.equal(left.stdout.trim(), '', `left behind: ${left.stdout}`);
      const ac = new AbortController();
      ac.abort();
      const aborted = await sbx.exec({ command: 'touch /workspace/ran', signal: ac.signal });
      assert.deepEqual([aborted.timedOut, aborted.exitCode, aborted.via], [true, 137, 'exec']);
      assert.equal((await sbx.exec({ command: 'test -e /workspace/ran && echo ran || echo not-run' })).stdout, 'not-run\n');
    });

    await t.test('file tools over per-call exec: read/write/edit/apply_patch/list, escapes refused', async () => {
      const tools = new SandboxToolHost(sbx);
      await tools.write('src/a.txt', 'one\ntwo\nthree\n');
      assert.equal((await tools.edit('src/a.txt', 'two', 'TWO')).replacements, 1);
      const p = await tools.applyPatch('*** Begin Patch\n*** Update File: src/a.txt\n@@\n one\n-TWO\n+2\n three\n*** Add File: b.txt\n+bee\n*** End Patch\n');
      assert.deepEqual(p, { added: ['b.txt'], updated: ['src/a.txt'], deleted: [] });
      assert.equal((await tools.read('src/a.txt')).content, 'one\n2\nthree\n');
      const names = (await tools.list('.')).map((e) => `${e.type}:${e.name}`);
      assert.ok(names.includes('dir:src') && names.includes('file:b.txt'), names.join(','));
      await assert.rejects(tools.read('../etc/passwd'), { code: 'TOOL_PATH' });
      await sbx.exec({ command: 'ln -sfn /etc /workspace/etc-link' });
      await assert.rejects(tools.read('etc-link/passwd'), { code: 'TOOL_PATH' });
      await assert.rejects(tools.write('etc-link/x', 'x'), { code: 'TOOL_PATH' });
    });
  });
}
