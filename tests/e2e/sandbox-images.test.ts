// Issue 6 part 8, for real: the image scripts build on real engines and the images keep their contract.
// - scripts/sandbox-setup.sh on docker, rootful podman and rootless podman (engine chosen the way the
//   script supports it: ENGINE=...; docker also by default): contract label, non-root default user,
//   bash/curl/git/jq/rg on PATH.
// - scripts/sandbox-common-setup.sh on top with a small PACKAGES list: the tools run as that user.
//   On docker also the "sandbox image missing" path (built first from SANDBOX_BASE_IMAGE).
// - scripts/sandbox-browser-setup.sh (docker, NOVNC=1): Chromium runs as the non-root user and answers
//   CDP on the published 9222 (HTTP /json/version and a WebSocket round trip); noVNC on 6080 serves
//   its page and its websocket reaches the VNC server (RFB greeting).
// Every image is tagged uniquely per run and removed in t.after, pass or fail.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import {
  engineCheck,
  engineRun,
  REPO_ROOT,
  requireEngine,
  run,
  startContainer,
  uniqueName,
  waitFor,
  waitForHttp,
  withDiagnostics,
  type Engine,
  type EngineName,
  type RunResult,
} from '../helpers/engine.js';

const DEBIAN = process.env['OPENCLAW_TEST_SANDBOX_BASE'] || 'localhost/debian:bookworm-slim';
const CONTRACT_LABEL = 'org.openclaw.sandbox.contract';
const CONTRACT = 'openclaw-kit-sandbox-1';
const BROWSER_CONTRACT_LABEL = 'org.openclaw.sandbox-browser.contract';
const BROWSER_CONTRACT = 'openclaw-kit-browser-1';

function outputOf(r: RunResult, lines = 40): string {
  return `${r.stdout}${r.stderr}`.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A unique image tag for this run, removed from the engine's store when the test ends. */
function imageTag(t: TestContext, engine: Engine, what: string): string {
  const tag = `localhost/${uniqueName(what)}:test`;
  t.after(async () => {
    // Containers of the image first (after-hooks need not run in the order they were added).
    const ps = await engineRun(engine, ['ps', '-aq', '--filter', `ancestor=${tag}`], { timeoutMs: 30_000 });
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await engineRun(engine, engine.kind === 'podman' ? ['rm', '-f', '-t', '0', ...ids] : ['rm', '-f', ...ids], { timeoutMs: 60_000 });
    await engineRun(engine, ['rmi', '-f', tag], { timeoutMs: 120_000 });
  });
  return tag;
}

/**
 * Run scripts/<script> with the engine picked the way the script supports (ENGINE=docker|podman; for
 * rootless podman the script itself runs as the engine's user). `env: null` values are left unset.
 */
async function runScript(
  engine: Engine,
  script: string,
  env: Record<string, string | null>,
  args: readonly string[] = [],
  timeoutMs = 900_000,
): Promise<RunResult> {
  const all: Record<string, string | null> = { ENGINE: engine.kind, ...env };
  const vars = Object.entries(all).flatMap(([k, v]) => (v === null ? [] : [`${k}=${v}`]));
  const unset = Object.entries(env).filter(([, v]) => v === null).flatMap(([k]) => ['-u', k]);
  const prefix = engine.argv.slice(0, -1); // e.g. runuser -u ci -- env XDG_RUNTIME_DIR=... (rootless)
  const path = join(REPO_ROOT, 'scripts', script);
  const at = prefix.indexOf('env');
  const argv =
    at >= 0
      ? [...prefix.slice(0, at + 1), ...unset, ...prefix.slice(at + 1), ...vars, 'bash', path, ...args]
      : [...prefix, 'env', ...unset, ...vars, 'bash', path, ...args];
  return run(argv, { timeoutMs });
}

async function mustBuild(engine: Engine, script: string, env: Record<string, string | null>, timeoutMs?: number): Promise<RunResult> {
  const r = await runScript(engine, script, env, [], timeoutMs);
  assert.equal(r.code, 0, `${script} on ${engine.name} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}):\n${outputOf(r)}`);
  return r;
}

async function imageConfig(engine: Engine, tag: string): Promise<{ user: string; labels: Record<string, string> }> {
  const r = await engineCheck(engine, ['image', 'inspect', '--format', '{{json .Config.User}} {{json .Config.Labels}}', tag], { timeoutMs: 30_000 });
  const [user, labels] = r.stdout.trim().split(/ (.*)/s) as [string, string];
  return { user: JSON.parse(user) as string, labels: (JSON.parse(labels) ?? {}) as Record<string, string> };
}

/** `run --rm` the image's default user with a bash/sh script; the container goes even on a timeout. */
async function runIn(t: TestContext, engine: Engine, image: string, script: string, shell = 'bash'): Promise<string> {
  const name = uniqueName('run');
  t.after(async () => {
    await engineRun(engine, engine.kind === 'podman' ? ['rm', '-f', '-t', '0', name] : ['rm', '-f', name], { timeoutMs: 60_000 });
  });
  const r = await engineRun(engine, ['run', '--rm', '--name', name, '--network', 'none', image, shell, '-c', script], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${engine.name} run ${image}: ${shell} -c ${JSON.stringify(script)} failed:\n${outputOf(r)}`);
  return r.stdout;
}

/** The base contract: label, non-root default user, the tools on PATH and working. */
async function checkSandboxImage(t: TestContext, engine: Engine, tag: string): Promise<void> {
  const cfg = await imageConfig(engine, tag);
  assert.equal(cfg.labels[CONTRACT_LABEL], CONTRACT, `${tag}: labels ${JSON.stringify(cfg.labels)}`);
  assert.equal(cfg.user, 'sandbox', `${tag}: default user`);
  const out = await runIn(
    t,
    engine,
    tag,
    [
      'echo "uid=$(id -u) user=$(id -un) cwd=$(pwd)"',
      'for c in bash curl git jq rg; do printf "%s=%s\\n" "$c" "$(command -v "$c")"; done',
      'curl --version | head -n1',
      'git --version',
      'echo \'{"a":[1,2]}\' | jq -c ".a|length"',
      'printf "needle\\n" > /tmp/hay && rg -c needle /tmp/hay',
      'test -s /etc/ssl/certs/ca-certificates.crt && echo ca-ok',
      'touch /workspace/.w && echo workspace-writable',
    ].join('; '),
  );
  const uid = /uid=(\d+) user=(\S+) cwd=(\S+)/.exec(out);
  assert.ok(uid, `no id line in:\n${out}`);
  assert.notEqual(uid[1], '0', 'the default user must not be root');
  assert.equal(uid[2], 'sandbox');
  assert.equal(uid[3], '/workspace');
  for (const c of ['bash', 'curl', 'git', 'jq', 'rg']) assert.match(out, new RegExp(`^${c}=/\\S+/${c}$`, 'm'), `${c} not on PATH:\n${out}`);
  assert.match(out, /^curl \d/m);
  assert.match(out, /^git version /m);
  assert.match(out, /^2$/m, 'jq works');
  assert.match(out, /^1$/m, 'rg works');
  assert.match(out, /^ca-ok$/m);
  assert.match(out, /^workspace-writable$/m);
}

/** The common image: the PACKAGES tools run as the non-root user, and the base contract still holds. */
async function checkCommonImage(t: TestContext, engine: Engine, tag: string): Promise<void> {
  await checkSandboxImage(t, engine, tag);
  const out = await runIn(
    t,
    engine,
    tag,
    [
      'python3 -c "import os, sys; print(\'py\', os.getuid(), sys.version_info[0])"',
      "printf 'all:\\n\\t@echo made-by-$$(id -u)\\n' > /tmp/Makefile",
      'make -s -f /tmp/Makefile',
    ].join('; '),
  );
  const py = /^py (\d+) 3$/m.exec(out);
  assert.ok(py, `python3 did not run:\n${out}`);
  assert.notEqual(py[1], '0', 'python3 ran as root');
  const made = /^made-by-(\d+)$/m.exec(out);
  assert.ok(made, `make did not run:\n${out}`);
  assert.notEqual(made[1], '0', 'make ran as root');
}

const BUILD_ENGINES: readonly EngineName[] = ['docker', 'podman', 'podman-rootless'];

for (const name of BUILD_ENGINES) {
  test(`sandbox-setup.sh + sandbox-common-setup.sh build on ${name}: contract label, non-root user, tools`, { timeout: 1_200_000 }, async (t) => {
    const engine = await requireEngine(t, name);
    if (!engine) return;
    const base = imageTag(t, engine, 'sbx-base');
    const common = imageTag(t, engine, 'sbx-common');

    if (engine.kind === 'docker') {
      // With no ENGINE the scripts pick docker when its daemon answers.
      const dry = await runScript(engine, 'sandbox-setup.sh', { ENGINE: null, BASE_IMAGE: DEBIAN, TARGET_IMAGE: base }, ['--dry-run'], 60_000);
      assert.equal(dry.code, 0, outputOf(dry));
      assert.match(dry.stdout, new RegExp(`^would  docker build -t ${base} `, 'm'));
    }

    let t0 = performance.now();
    const r = await mustBuild(engine, 'sandbox-setup.sh', { BASE_IMAGE: DEBIAN, TARGET_IMAGE: base });
    assert.match(r.stderr, new RegExp(`==> ${engine.kind} build -t ${base} `), `the script used ${engine.kind}`);
    assert.match(r.stderr, new RegExp(`built ${base}`));
    t.diagnostic(`${name}: sandbox-setup.sh ${Math.round(performance.now() - t0)} ms`);
    await checkSandboxImage(t, engine, base);

    t0 = performance.now();
    await mustBuild(engine, 'sandbox-common-setup.sh', { BASE_IMAGE: base, TARGET_IMAGE: common, PACKAGES: 'python3 make' });
    t.diagnostic(`${name}: sandbox-common-setup.sh (PACKAGES="python3 make") ${Math.round(performance.now() - t0)} ms`);
    await checkCommonImage(t, engine, common);

    if (engine.kind === 'docker') {
      // A missing sandbox image is built first, from SANDBOX_BASE_IMAGE (not from the exported BASE_IMAGE).
      const base2 = imageTag(t, engine, 'sbx-base2');
      const common2 = imageTag(t, engine, 'sbx-common2');
      t0 = performance.now();
      await mustBuild(engine, 'sandbox-common-setup.sh', { BASE_IMAGE: base2, SANDBOX_BASE_IMAGE: DEBIAN, TARGET_IMAGE: common2, PACKAGES: 'make' });
      t.diagnostic(`${name}: sandbox-common-setup.sh with the sandbox image missing ${Math.round(performance.now() - t0)} ms`);
      await checkSandboxImage(t, engine, base2);
      const out = await runIn(t, engine, common2, 'make --version | head -n1; id -u');
      assert.match(out, /^GNU Make /m);
      assert.doesNotMatch(out, /^0$/m);
    }
  });
}

/** Host port published for containerPort (`-p 127.0.0.1:0:<port>`), read with `<engine> port`. */
async function publishedPort(engine: Engine, name: string, containerPort: number): Promise<number> {
  return waitFor(`${engine.name} port ${name} ${containerPort}`, async () => {
    const r = await engineRun(engine, ['port', name, `${containerPort}/tcp`], { timeoutMs: 30_000 });
    const m = /127\.0\.0\.1:(\d+)/.exec(r.stdout);
    return m ? Number(m[1]) : undefined;
  }, 30_000);
}

/** Open a WebSocket, send `send` (if any) and resolve with the first message; reject at the deadline. */
function firstMessage(url: string, opts: { protocols?: string[]; send?: string; deadlineMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? []);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`openclaw: ${url}: no WebSocket message within ${opts.deadlineMs ?? 15_000} ms (see the container logs)`));
    }, opts.deadlineMs ?? 15_000);
    ws.on('open', () => {
      if (opts.send !== undefined) ws.send(opts.send);
    });
    ws.on('message', (data: WebSocket.RawData) => {
      clearTimeout(timer);
      ws.close();
      resolve(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`openclaw: ${url}: ${err.message} (see the container logs)`));
    });
  });
}

test(
  'sandbox-browser-setup.sh builds on docker (NOVNC=1): Chromium as the non-root user answers CDP, noVNC reaches the display',
  { timeout: 1_200_000 },
  withDiagnostics(async (t) => {
    const engine = await requireEngine(t, 'docker');
    if (!engine) return;
    const tag = imageTag(t, engine, 'sbx-browser');
    const t0 = performance.now();
    await mustBuild(engine, 'sandbox-browser-setup.sh', { BASE_IMAGE: DEBIAN, TARGET_IMAGE: tag, NOVNC: '1' });
    t.diagnostic(`docker: sandbox-browser-setup.sh NOVNC=1 ${Math.round(performance.now() - t0)} ms`);
    const cfg = await imageConfig(engine, tag);
    assert.equal(cfg.labels[BROWSER_CONTRACT_LABEL], BROWSER_CONTRACT, `labels ${JSON.stringify(cfg.labels)}`);
    assert.equal(cfg.user, 'sandbox');

    // No --shm-size: the entrypoint passes --disable-dev-shm-usage.
    const c = await startContainer(t, engine, {
      image: tag,
      containerPort: null,
      args: ['-p', '127.0.0.1:0:9222', '-p', '127.0.0.1:0:6080', '-e', 'ENABLE_NOVNC=1'],
    });
    const cdpPort = await publishedPort(engine, c.name, 9222);
    const t1 = performance.now();
    const version = await waitForHttp(`http://127.0.0.1:${cdpPort}/json/version`, { container: c, deadlineMs: 60_000 });
    t.diagnostic(`docker: CDP answered ${Math.round(performance.now() - t1)} ms after start`);
    const info = JSON.parse(version.body) as Record<string, string>;
    assert.match(info['Browser'] ?? '', /^(Headless)?Chrom(e|ium)\/\d+/, version.body);
    const wsUrl = info['webSocketDebuggerUrl'] ?? '';
    assert.match(wsUrl, new RegExp(`^ws://127\\.0\\.0\\.1:${cdpPort}/devtools/browser/`), version.body);

    // A CDP round trip over the published port.
    const reply = JSON.parse((await firstMessage(wsUrl, { send: JSON.stringify({ id: 1, method: 'Browser.getVersion' }) })).toString('utf8')) as {
      id: number;
      result?: { product?: string; protocolVersion?: string };
    };
    assert.equal(reply.id, 1);
    assert.equal(reply.result?.product, info['Browser']);

    // Chromium (and everything else in the container) runs as the non-root sandbox user.
    const ps = await c.exec(['sh', '-c', 'for p in /proc/[0-9]*; do printf "%s %s\\n" "$(stat -c %u "$p")" "$(cat "$p/comm")"; done 2>/dev/null']);
    assert.equal(ps.code, 0, outputOf(ps));
    const procs = ps.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]);
    assert.ok(procs.some(([, comm]) => comm === 'chromium'), `no chromium process:\n${ps.stdout}`);
    for (const [uid, comm] of procs) assert.equal(uid, '1000', `${comm} runs as uid ${uid}, not the sandbox user`);

    // noVNC: the page, and its websocket bridged to x11vnc on the Xvfb display (RFB greeting).
    const vncPort = await publishedPort(engine, c.name, 6080);
    const page = await waitForHttp(`http://127.0.0.1:${vncPort}/vnc.html`, { container: c, deadlineMs: 30_000 });
    assert.match(page.body, /noVNC/);
    const greeting = await waitFor('the RFB greeting through websockify', async () => {
      try {
        return (await firstMessage(`ws://127.0.0.1:${vncPort}/websockify`, { protocols: ['binary'], deadlineMs: 5_000 })).toString('latin1');
      } catch {
        return undefined;
      }
    }, 30_000, 250);
    assert.match(greeting, /^RFB 003\.\d{3}\n/);
  }),
);
