// LocalToolHost: the agent's tools on the gateway host when sandboxing is off. exec (env, cwd,
// timeout that kills the whole process group, output caps, exit code and signal) and the file tools
// confined to the workspace (`..`, absolute paths, symlink escapes refused with clear errors).
//
// Parity: SandboxToolHost runs its file tools as a POSIX sh script; here that script runs on this
// host against the same kind of temp workspace (its /workspace paths mapped onto the temp dir), so
// both hosts meet the same files and must agree on results, error codes, and, where the code is
// shared (edit, apply_patch), on the exact messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ExecRequest, ExecResult } from '../../runtime/sandbox/channel.js';
import type { SandboxSettings } from '../../runtime/sandbox/config.js';
import type { ToolHost } from '../../runtime/tools/host.js';
import { LocalToolHost } from '../../runtime/tools/local.js';
import { SandboxToolHost } from '../../runtime/tools/sandbox.js';

function tmp(t: TestContext, prefix = 'openclaw-tools-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A workspace with an outside dir next to it (what escapes would reach). */
function world(t: TestContext): { root: string; ws: string; outside: string } {
  const root = tmp(t);
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
  fs.writeFileSync(path.join(ws, 'a.txt'), 'one\ntwo\nthree\n');
  fs.mkdirSync(path.join(ws, 'sub'));
  fs.writeFileSync(path.join(ws, 'sub', 'b.txt'), 'bee\n');
  fs.symlinkSync(outside, path.join(ws, 'out-dir'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'out-file'));
  fs.symlinkSync(path.join(outside, 'nothing-yet.txt'), path.join(ws, 'dangling'));
  fs.symlinkSync('sub', path.join(ws, 'in-dir'));
  return { root, ws, outside };
}

/** SandboxToolHost over a fake sandbox whose exec runs the command here, /workspace → ws. */
function emulatedSandbox(ws: string): SandboxToolHost {
  const to = (s: string) => s.split('/workspace').join(ws);
  const back = (s: string) => s.split(ws).join('/workspace');
  const exec = async (req: ExecRequest): Promise<ExecResult> => {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...Object.fromEntries(Object.entries(req.env ?? {}).map(([k, v]) => [k, to(v)])) };
    const r = spawnSync('/bin/sh', ['-c', to(req.command)], { cwd: to(req.cwd ?? ws), env, input: req.stdin ?? '', maxBuffer: 128 * 1024 * 1024 });
    const exitCode = r.status ?? 128 + 9;
    return { exitCode, signal: r.signal, stdout: back(r.stdout.toString('utf8')), stderr: back(r.stderr.toString('utf8')), timedOut: false, truncated: false, durationMs: 0, via: 'exec' };
  };
  const settings = { docker: { workdir: '/workspace' }, workspaceAccess: 'none' } as SandboxSettings;
  return new SandboxToolHost({ exec, settings });
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
    const e = err as Error & { code?: string; hint?: string };
    return { code: e.code ?? '(none)', message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  }
  assert.fail('expected a rejection');
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // Killed but not yet reaped by whoever inherited it: a zombie is dead too.
  return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// exec

test('exec: stdout/stderr apart, exit code, stdin, runs in the workspace with /bin/sh', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: process.env['PATH'] });
  const r = await host.exec('echo out; echo err >&2; cat; pwd; exit 7', { stdin: 'in\n' });
  assert.deepEqual([r.exitCode, r.signal, r.stdout, r.stderr, r.timedOut, r.truncated, r.via], [7, null, `out\nin\n${ws}\n`, 'err\n', false, false, 'local']);
  assert.equal(host.kind, 'local');
  assert.equal(host.workdir, ws);
});

test('exec: env from the options and the base env, secrets from either are dropped, PATH kept', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: `/opt/tool/bin:${process.env['PATH']}`, BASE_VAR: 'base', OPENCLAW_GATEWAY_TOKEN: 'tok', GITHUB_TOKEN: 'gh' });
  const r = await host.exec('echo "$BASE_VAR|$X|${MY_API_KEY-unset}|${OPENCLAW_GATEWAY_TOKEN-unset}|${GITHUB_TOKEN-unset}|$PATH"', { env: { X: 'a b', MY_API_KEY: 'sk-x' } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, `base|a b|unset|unset|unset|/opt/tool/bin:${process.env['PATH']}\n`);
});

test('exec: cwd is relative to the workspace and confined to it', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: process.env['PATH'] });
  assert.equal((await host.exec('pwd', { cwd: 'sub' })).stdout, `${ws}/sub\n`);
  assert.equal((await host.exec('pwd', { cwd: `${ws}/sub` })).stdout, `${ws}/sub\n`);
  for (const cwd of ['..', '/tmp', 'out-dir']) {
    const e = await rejection(host.exec('pwd', { cwd }));
    assert.equal(e.code, 'TOOL_PATH', `${cwd}: ${e.message}`);
  }
  const missing = await rejection(host.exec('pwd', { cwd: 'no-such-dir' }));
  assert.equal(missing.code, 'TOOL_NOT_FOUND', missing.message);
  assert.match(missing.message, /no-such-dir: not a directory/);
});

test('exec: the timeout kills the whole process tree (background and nested children too)', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: process.env['PATH'] });
  const r = await host.exec('sleep 300 & echo $! > pids; sh -c \'echo $$ >> pids; exec sleep 301\' & wait; echo never', { timeoutMs: 1000 });
  assert.deepEqual([r.timedOut, r.signal, r.exitCode], [true, 'SIGKILL', 137]);
  assert.doesNotMatch(r.stdout, /never/);
  const pids = fs.readFileSync(path.join(ws, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
  assert.equal(pids.length, 2, `both children started: ${pids}`);
  for (const pid of pids) assert.ok(gone(pid), `pid ${pid} survived the timeout`);
});

test('exec: an abort signal kills like the timeout', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: process.env['PATH'] });
  const ac = new AbortController();
  const p = host.exec('echo started; exec sleep 300', { signal: ac.signal, timeoutMs: 60_000 });
  ac.abort();
  const r = await p;
  assert.deepEqual([r.timedOut, r.signal, r.exitCode], [true, 'SIGKILL', 137]);
  assert.ok(r.durationMs < 30_000, `killed at the abort, not at the 60 s timeout (${r.durationMs} ms)`);
  const late = await host.exec('echo never', { signal: ac.signal });
  assert.deepEqual([late.timedOut, late.stdout], [true, ''], 'a signal aborted before the call kills at once');
});

test('exec: a signal is reported as the signal and 128+N, like the sandbox channel', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: process.env['PATH'] });
  const r = await host.exec('kill -TERM $$; echo never');
  assert.deepEqual([r.exitCode, r.signal, r.timedOut, r.stdout], [143, 'SIGTERM', false, '']);
});

test('exec: stdout and stderr are capped separately and marked truncated', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws, { PATH: process.env['PATH'] });
  const r = await host.exec('head -c 100000 /dev/zero | tr "\\0" a; head -c 5000 /dev/zero | tr "\\0" b >&2', { maxOutputBytes: 1000 });
  assert.equal(r.exitCode, 0);
  assert.deepEqual([r.stdout, r.stderr, r.truncated], ['a'.repeat(1000), 'b'.repeat(1000), true]);
  const small = await host.exec('printf 1234567890', { maxOutputBytes: 10 });
  assert.deepEqual([small.stdout, small.truncated], ['1234567890', false]);
});

// ---------------------------------------------------------------------------------------------
// files

test('read/write/edit/apply_patch/list inside the workspace', async (t) => {
  const { ws } = world(t);
  const host = new LocalToolHost(ws);
  assert.deepEqual(await host.read('a.txt'), { path: 'a.txt', content: 'one\ntwo\nthree\n', size: 14, truncated: false });
  assert.deepEqual(await host.read('a.txt', { maxBytes: 4 }), { path: 'a.txt', content: 'one\n', size: 14, truncated: true });
  assert.equal((await host.read(`${ws}/sub/b.txt`)).content, 'bee\n', 'an absolute path inside the workspace');
  assert.equal((await host.read('in-dir/b.txt')).content, 'bee\n', 'a symlink that stays inside');
  assert.deepEqual(await host.write('new/deep/c.txt', 'sea\n'), { path: 'new/deep/c.txt', bytes: 4 });
  assert.equal(fs.readFileSync(path.join(ws, 'new/deep/c.txt'), 'utf8'), 'sea\n');
  assert.deepEqual(await host.edit('a.txt', 'two', 'TWO'), { path: 'a.txt', replacements: 1 });
  assert.deepEqual(await host.edit('a.txt', 'e', 'E', { replaceAll: true }), { path: 'a.txt', replacements: 3 });
  assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'onE\nTWO\nthrEE\n');
  const p = await host.applyPatch('*** Begin Patch\n*** Update File: a.txt\n@@\n onE\n-TWO\n+2\n thrEE\n*** Add File: d.txt\n+dee\n*** Delete File: sub/b.txt\n*** Update File: new/deep/c.txt\n*** Move to: moved.txt\n@@\n-sea\n+SEA\n*** End Patch\n');
  assert.deepEqual(p, { added: ['d.txt'], updated: ['a.txt', 'moved.txt'], deleted: ['sub/b.txt'] });
  assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'onE\n2\nthrEE\n');
  assert.equal(fs.readFileSync(path.join(ws, 'moved.txt'), 'utf8'), 'SEA\n');
  assert.equal(fs.existsSync(path.join(ws, 'sub/b.txt')), false);
  assert.equal(fs.existsSync(path.join(ws, 'new/deep/c.txt')), false);
  const names = (await host.list()).map((e) => `${e.type}:${e.name}`);
  assert.deepEqual(names, ['file:a.txt', 'file:d.txt', 'symlink:dangling', 'symlink:in-dir', 'file:moved.txt', 'dir:new', 'symlink:out-dir', 'symlink:out-file', 'dir:sub']);
  assert.deepEqual((await host.list('new')).map((e) => e.name), ['deep']);
});

test('a workspace given through a symlinked path still accepts its own absolute paths', async (t) => {
  const { root, ws } = world(t);
  const alias = path.join(root, 'ws-alias');
  fs.symlinkSync(ws, alias);
  const host = new LocalToolHost(alias);
  assert.equal((await host.read(`${alias}/a.txt`)).content, 'one\ntwo\nthree\n');
  await host.write(`${alias}/via-alias.txt`, 'x');
  assert.equal(fs.readFileSync(path.join(ws, 'via-alias.txt'), 'utf8'), 'x');
  assert.equal((await host.exec('pwd', { cwd: `${alias}/sub` })).stdout, `${ws}/sub\n`);
  assert.equal((await rejection(host.read(`${root}/outside/secret.txt`))).code, 'TOOL_PATH');
});

const ESCAPES: Array<[string, (h: ToolHost) => Promise<unknown>]> = [
  ['read ../', (h) => h.read('../outside/secret.txt')],
  ['read sub/../../', (h) => h.read('sub/../../outside/secret.txt')],
  ['read /etc/passwd', (h) => h.read('/etc/passwd')],
  ['read through a dir symlink', (h) => h.read('out-dir/secret.txt')],
  ['read a file symlink', (h) => h.read('out-file')],
  ['write ../', (h) => h.write('../outside/evil.txt', 'x')],
  ['write an absolute path', (h) => h.write('/tmp/openclaw-evil.txt', 'x')],
  ['write through a dir symlink', (h) => h.write('out-dir/evil.txt', 'x')],
  ['write a new dir under a dir symlink', (h) => h.write('out-dir/new/evil.txt', 'x')],
  ['write a file symlink', (h) => h.write('out-file', 'x')],
  ['write a dangling symlink', (h) => h.write('dangling', 'x')],
  ['edit a file symlink', (h) => h.edit('out-file', 'secret', 'owned')],
  ['list ..', (h) => h.list('..')],
  ['list a dir symlink', (h) => h.list('out-dir')],
  ['apply_patch Add ../', (h) => h.applyPatch('*** Begin Patch\n*** Add File: ../outside/evil.txt\n+x\n*** End Patch\n')],
  ['apply_patch Update a file symlink', (h) => h.applyPatch('*** Begin Patch\n*** Update File: out-file\n@@\n-secret\n+owned\n*** End Patch\n')],
  ['apply_patch Delete a file symlink', (h) => h.applyPatch('*** Begin Patch\n*** Delete File: out-file\n*** End Patch\n')],
  ['apply_patch Move to ../', (h) => h.applyPatch('*** Begin Patch\n*** Update File: a.txt\n*** Move to: ../outside/moved.txt\n@@\n-one\n+ONE\n*** End Patch\n')],
];

for (const kind of ['local', 'sandbox (emulated)'] as const) {
  test(`escapes are refused with TOOL_PATH and leave everything outside untouched: ${kind}`, async (t) => {
    const { ws, outside } = world(t);
    const host: ToolHost = kind === 'local' ? new LocalToolHost(ws) : emulatedSandbox(ws);
    for (const [what, op] of ESCAPES) {
      const e = await rejection(op(host));
      assert.equal(e.code, 'TOOL_PATH', `${what}: ${e.code} ${e.message}`);
      assert.match(e.message, /outside the workspace|symlink/, `${what}: ${e.message}`);
      assert.ok(e.hint, `${what}: a hint says what to do`);
    }
    assert.deepEqual(fs.readdirSync(outside).sort(), ['secret.txt']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret\n');
    assert.equal(fs.existsSync('/tmp/openclaw-evil.txt'), false);
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'one\ntwo\nthree\n', 'the refused move left a.txt alone');
  });
}

test('a patch with one refused path applies nothing (validated before any write)', async (t) => {
  const { ws, outside } = world(t);
  for (const host of [new LocalToolHost(ws), emulatedSandbox(ws)]) {
    const e = await rejection(host.applyPatch('*** Begin Patch\n*** Add File: fine.txt\n+fine\n*** Update File: a.txt\n@@\n-one\n+ONE\n*** Add File: ../outside/evil.txt\n+x\n*** End Patch\n'));
    assert.equal(e.code, 'TOOL_PATH', `${host.kind}: ${e.message}`);
    assert.equal(fs.existsSync(path.join(ws, 'fine.txt')), false, `${host.kind}: fine.txt was written before the refusal`);
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'one\ntwo\nthree\n', `${host.kind}: a.txt was changed before the refusal`);
    assert.deepEqual(fs.readdirSync(outside), ['secret.txt']);
  }
});

test('parity with SandboxToolHost: same results, same codes, same messages from the shared edit/patch code', async (t) => {
  const local = world(t);
  const sbx = world(t);
  const hosts = { local: new LocalToolHost(local.ws), sandbox: emulatedSandbox(sbx.ws) } as const;
  const both = async <T>(fn: (h: ToolHost) => Promise<T>) => [await fn(hosts.local), await fn(hosts.sandbox)] as const;

  const [lr, sr] = await both((h) => h.read('a.txt'));
  assert.deepEqual(lr, sr);
  const [lw, sw] = await both((h) => h.write('w/x.txt', 'héllo\n'));
  assert.deepEqual(lw, sw);
  const [ll, sl] = await both((h) => h.list('.'));
  assert.deepEqual(ll, sl);
  const [lp, sp] = await both((h) => h.applyPatch('*** Begin Patch\n*** Update File: a.txt\n@@\n-two\n+2\n*** End Patch\n'));
  assert.deepEqual(lp, sp);
  assert.equal(fs.readFileSync(path.join(local.ws, 'a.txt'), 'utf8'), fs.readFileSync(path.join(sbx.ws, 'a.txt'), 'utf8'));

  const failures: Array<[string, (h: ToolHost) => Promise<unknown>, string, RegExp | string]> = [
    ['edit: not found', (h) => h.edit('a.txt', 'nope', 'x'), 'TOOL_EDIT', /^edit: a\.txt: oldText not found$/],
    ['edit: ambiguous', (h) => h.edit('a.txt', 'e', 'x'), 'TOOL_EDIT', /^edit: a\.txt: oldText occurs 3 times$/],
    ['edit: empty', (h) => h.edit('a.txt', '', 'x'), 'TOOL_EDIT', /^edit: a\.txt: oldText is empty$/],
    ['patch: no header', (h) => h.applyPatch('hello'), 'TOOL_PATCH', /^apply_patch: the patch must start with "\*\*\* Begin Patch"$/],
    ['patch: no end', (h) => h.applyPatch('*** Begin Patch\n*** Add File: z.txt\n+z\n'), 'TOOL_PATCH', /^apply_patch: missing "\*\*\* End Patch"$/],
    ['patch: hunk mismatch', (h) => h.applyPatch('*** Begin Patch\n*** Update File: a.txt\n@@\n-not there\n+x\n*** End Patch\n'), 'TOOL_PATCH', /^apply_patch: a\.txt: hunk 1 does not match the file$/],
    ['patch: delete missing', (h) => h.applyPatch('*** Begin Patch\n*** Delete File: missing.txt\n*** End Patch\n'), 'TOOL_NOT_FOUND', 'missing.txt'],
    ['read: missing', (h) => h.read('missing.txt'), 'TOOL_NOT_FOUND', 'missing.txt'],
    ['read: a directory', (h) => h.read('sub'), 'TOOL_NOT_FOUND', 'sub'],
    ['read: under a file', (h) => h.read('a.txt/x'), 'TOOL_NOT_FOUND', 'a.txt/x'],
    ['list: a file', (h) => h.list('a.txt'), 'TOOL_NOT_FOUND', 'a.txt'],
    ['list: missing', (h) => h.list('missing'), 'TOOL_NOT_FOUND', 'missing'],
    ['write: a directory', (h) => h.write('sub', 'x'), 'TOOL_NOT_FOUND', 'sub'],
  ];
  for (const [what, op, code, exact] of failures) {
    const [l, s] = [await rejection(op(hosts.local)), await rejection(op(hosts.sandbox))];
    assert.equal(l.code, code, `local ${what}: ${l.code} ${l.message}`);
    assert.equal(s.code, code, `sandbox ${what}: ${s.code} ${s.message}`);
    if (typeof exact !== 'string') {
      assert.match(l.message, exact, `local ${what}`);
      assert.equal(l.message, s.message, `${what}: the shared code gives the same message`);
      assert.equal(l.hint, s.hint, `${what}: and the same hint`);
    } else {
      // Host-specific wording, but both name the path the agent gave.
      for (const m of [l.message, s.message]) assert.ok(m.includes(exact), `${what}: ${m}`);
    }
  }
});
