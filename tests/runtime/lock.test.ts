// The single-instance lock: kernel-released, never fooled by PIDs, exactly one winner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { acquireLock, AlreadyRunningError, probeLock } from '../../runtime/gateway/lock.js';
import { BIN, cleanEnv, makeStateDir, spawnGateway, startGateway } from '../helpers/gateway.js';

const owner = (stateDir: string) => ({ pid: process.pid, port: 1234, hosts: ['127.0.0.1'], startedAt: new Date().toISOString(), stateDir, version: 'test' });

test('a held lock answers with its owner; release frees it', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'gateway.lock');
  assert.deepEqual(await probeLock(file), { state: 'free' });
  const lock = await acquireLock(file, owner(dir));
  const state = await probeLock(file);
  assert.equal(state.state, 'held');
  assert.equal(state.state === 'held' && state.owner?.port, 1234);
  await assert.rejects(acquireLock(file, owner(dir)), (err: AlreadyRunningError) => {
    assert.equal(err.message, `gateway already running (pid ${process.pid}, port 1234)`);
    assert.equal(err.exitCode, 78);
    return true;
  });
  await lock.release();
  assert.deepEqual(await probeLock(file), { state: 'free' });
  assert.deepEqual(fs.readdirSync(dir), [], 'no temp sockets left behind');
});

test('a forged regular file at the lock path is reclaimed, whatever PID it names', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'gateway.lock');
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, port: 18789 }));
  assert.equal((await probeLock(file)).state, 'stale');
  const lock = await acquireLock(file, owner(dir));
  assert.equal((await probeLock(file)).state, 'held');
  await lock.release();
});

test('a socket left by a dead owner is stale and reclaimed', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'gateway.lock');
  // A child binds the socket then dies with SIGKILL: the file stays, nobody listens.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(file)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((r) => child.on('exit', r));
  assert.ok(fs.lstatSync(file).isSocket());
  assert.equal((await probeLock(file)).state, 'stale');
  const lock = await acquireLock(file, owner(dir));
  await lock.release();
});

test('concurrent acquirers on a stale lock: exactly one wins', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'gateway.lock');
  fs.writeFileSync(file, 'stale');
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(file, owner(dir))));
  const winners = results.filter((r) => r.status === 'fulfilled');
  assert.equal(winners.length, 1, results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'won')).join('\n'));
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof AlreadyRunningError);
  await (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
});

test('concurrent gateway processes on one state dir: exactly one serves, the rest exit 78 naming it', async () => {
  const stateDir = makeStateDir();
  const gws = Array.from({ length: 4 }, () => spawnGateway({ stateDir }));
  // Three must give up on their own; the fourth keeps serving.
  await new Promise<void>((resolve) => {
    let n = 0;
    for (const g of gws) void g.exited.then(() => ++n === 3 && resolve());
  });
  const exited = gws.filter((g) => g.proc.exitCode !== null);
  assert.equal(exited.length, 3);
  for (const g of exited) {
    assert.equal(g.proc.exitCode, 78);
    assert.match(g.output(), /gateway already running \(pid \d+, port (\d+|not listening yet)\)/);
  }
  const survivor = gws.find((g) => g.proc.exitCode === null)!;
  survivor.proc.kill('SIGTERM');
  assert.equal(await survivor.exited, 0);
});

test('kill -9 never blocks a restart: 20 of 20, with a forged lock naming the new PID', async (t) => {
  const stateDir = makeStateDir();
  const lockFile = path.join(stateDir, 'gateway.lock');
  for (let i = 0; i < 20; i++) {
    const forge = i % 2 === 1;
    let gw;
    if (forge) {
      // exec keeps the shell's PID, so the forged owner PID is exactly the new gateway's PID.
      fs.rmSync(lockFile, { force: true });
      const sh = `printf '{"pid":%s,"port":1}' $$ > '${lockFile}'; exec '${process.execPath}' '${BIN}' gateway --port 0`;
      const proc = spawn('sh', ['-c', sh], { env: cleanEnv({ OPENCLAW_STATE_DIR: stateDir, OPENCLAW_GATEWAY_TOKEN: 'a'.repeat(64) }), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      await new Promise<void>((resolve, reject) => {
        proc.stderr.on('data', () => out.includes('gateway.listening') && resolve());
        proc.on('exit', (code) => reject(new Error(`try ${i}: exited ${code}: ${out}`)));
      });
      assert.match(out, new RegExp(`pid=${proc.pid} `), `try ${i}: the gateway kept the forged PID`);
      gw = { proc, exited: new Promise((r) => proc.on('exit', r)) };
    } else {
      gw = await startGateway({ stateDir, token: 'a'.repeat(64) });
    }
    assert.equal((await probeLock(lockFile)).state, 'held', `try ${i}`);
    gw.proc.kill('SIGKILL');
    await gw.exited;
    assert.equal((await probeLock(lockFile)).state, 'stale', `try ${i}: a dead owner must read as stale at once`);
  }
  const last = await startGateway({ stateDir, token: 'a'.repeat(64) });
  t.after(() => last.stop());
  const res = await fetch(`${last.url}healthz`);
  assert.equal(res.status, 200);
});

test('a held lock survives a prober that connects and hangs up', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'gateway.lock');
  const lock = await acquireLock(file, owner(dir));
  await new Promise<void>((resolve) => net.connect(file).on('connect', function (this: net.Socket) { this.destroy(); resolve(); }));
  assert.equal((await probeLock(file)).state, 'held');
  await lock.release();
});
