// The Docker toolkit for real (issue 5, "Must show"), on the host's Docker engine:
//
//   1. `OPENCLAW_SKIP_ONBOARDING=1 ./docker-setup.sh` from a clean snapshot (git archive HEAD; the
//      shim installs nothing and builds dist/ itself) brings up a healthy gateway on
//      127.0.0.1:<free port>, published on loopback only; the token is in .env (0600), not in output
//   2. `docker compose run --rm openclaw-cli health` succeeds through the shared network namespace,
//      with the token from the environment (never argv); a wrong token fails
//   3. an extra mount and a home volume appear inside both containers
//   4. `docker compose down` + `up` keep config, token, workspace and the home volume
//   5. a re-run keeps the token and a user-added .env line and changes nothing
//   6. OPENCLAW_SANDBOX=1: the gateway creates a sandbox container through the mounted socket and
//      `openclaw sandbox exec -- id -u` answers a non-zero uid
//   7. rollback: OPENCLAW_DOCKER_SOCKET pointing at a non-socket → mode off, overlay removed, reason
//
// Unique project, images, volume, port and temp dirs; everything is removed in t.after, also on
// failure (compose down -v, sandbox containers by prefix, the images this test tagged, temp dirs).
// Needs docker with the compose plugin: in CI (CI=true) a missing one fails, elsewhere it skips.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, freePort, requireEngine, run, waitFor, waitForHttp, type RunResult } from '../helpers/engine.js';

const BASE_IMAGE = process.env['OPENCLAW_TEST_BASE_IMAGE'] || 'localhost/node:24-bookworm-slim';
const SANDBOX_BASE = process.env['OPENCLAW_TEST_SANDBOX_BASE_IMAGE'] || 'localhost/debian:bookworm-slim';

function show(r: RunResult): string {
  return `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-6000)}`;
}

test('docker-setup.sh on the real Docker engine', { timeout: 40 * 60_000 }, async (t) => {
  const engine = await requireEngine(t, 'docker');
  if (!engine) return;
  const cv = await run(['docker', 'compose', 'version', '--short'], { timeoutMs: 30_000 });
  if (cv.code !== 0) {
    const msg = 'openclaw: docker compose plugin missing (run: sudo bash scripts/ci/provision.sh)';
    if (process.env['CI'] === 'true') assert.fail(`${msg}; CI=true requires it`);
    t.skip(msg);
    return;
  }

  const id = randomBytes(4).toString('hex');
  const project = `oc-e2e-${id}`;
  const image = `openclaw-kit-e2e-${id}:local`;
  const sandboxImage = `openclaw-sandbox-e2e-${id}:bookworm-slim`;
  const homeVolume = `oc-e2e-home-${id}`;
  const prefix = `oce2e-${id}-`;
  const port = await freePort();
  const tmp = mkdtempSync(join(tmpdir(), 'openclaw-docker-e2e-'));
  const repo = join(tmp, 'repo');
  const state = join(tmp, 'state');
  const configDir = join(state, 'config');
  const workspaceDir = join(state, 'workspace');
  const extraDir = join(state, 'extra');
  mkdirSync(repo, { recursive: true });
  mkdirSync(extraDir, { recursive: true });
  writeFileSync(join(extraDir, 'marker'), `extra-${id}\n`);

  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(baseEnv)) if (k.startsWith('OPENCLAW_') || k === 'COMPOSE_FILE' || k === 'COMPOSE_PROJECT_NAME') delete baseEnv[k];
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    COMPOSE_PROJECT_NAME: project,
    OPENCLAW_GATEWAY_PORT: String(port),
    OPENCLAW_CONFIG_DIR: configDir,
    OPENCLAW_WORKSPACE_DIR: workspaceDir,
    OPENCLAW_IMAGE: image,
    OPENCLAW_BASE_IMAGE: BASE_IMAGE,
    OPENCLAW_EXTRA_MOUNTS: `${extraDir}:/mnt/extra:ro`,
    OPENCLAW_HOME_VOLUME: homeVolume,
    OPENCLAW_SANDBOX_IMAGE: sandboxImage,
    OPENCLAW_SANDBOX_BASE_IMAGE: SANDBOX_BASE,
    OPENCLAW_SKIP_ONBOARDING: '1',
  };
  const dc = (args: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs = 5 * 60_000) => run(['docker', 'compose', ...args], { cwd: repo, env: { ...env, ...extra }, timeoutMs });
  const setup = (extra: NodeJS.ProcessEnv = {}) => run([join(repo, 'docker-setup.sh')], { cwd: repo, env: { ...env, ...extra }, timeoutMs: 25 * 60_000 });
  const dotenv = () => readFileSync(join(repo, '.env'), 'utf8');
  const tokenOf = () => /^OPENCLAW_GATEWAY_TOKEN=([0-9a-f]{64})$/m.exec(dotenv())?.[1];

  t.after(async () => {
    if (existsSync(join(repo, 'docker-compose.yml'))) await dc(['down', '-v', '--remove-orphans', '--timeout', '5'], {}, 120_000);
    const sbx = await run(['docker', 'ps', '-aq', '--filter', 'label=openclaw.sandbox=1', '--filter', `name=${prefix}`]);
    const ids = sbx.stdout.split('\n').filter(Boolean);
    if (ids.length) await run(['docker', 'rm', '-f', ...ids], { timeoutMs: 60_000 });
    await run(['docker', 'volume', 'rm', '-f', homeVolume]);
    await run(['docker', 'rmi', '-f', image, sandboxImage], { timeoutMs: 120_000 });
    rmSync(tmp, { recursive: true, force: true });
  });

  // A clean clone: committed files only. node_modules is copied, never linked: the shim may run
  // `npm ci`, which empties node_modules through a symlink. Its lock marker is made newer than the
  // archived package-lock.json so the shim only builds dist/.
  const arch = await run(['sh', '-c', 'git -C "$1" archive --format=tar HEAD | tar -x -C "$2"', 'sh', REPO_ROOT, repo], { timeoutMs: 120_000 });
  assert.equal(arch.code, 0, show(arch));
  cpSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  const now = new Date();
  utimesSync(join(repo, 'node_modules', '.package-lock.json'), now, now);

  let token = '';
  await t.test('setup brings up a healthy gateway on 127.0.0.1 only', async () => {
    const r = await setup();
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, new RegExp(`==> gateway: http://127\\.0\\.0\\.1:${port}/`));
    token = tokenOf() ?? '';
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(repo, '.env')).mode & 0o777, 0o600);
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'the token is never printed');
    const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`, { deadlineMs: 60_000 });
    assert.equal(health.status, 200);
    const ctr = (await dc(['ps', '-q', 'openclaw-gateway'])).stdout.trim();
    const published = await run(['docker', 'port', ctr, '18789/tcp']);
    assert.deepEqual(published.stdout.trim().split('\n'), [`127.0.0.1:${port}`]);
    await waitFor('the container healthcheck to pass', async () => ((await run(['docker', 'inspect', '--format', '{{.State.Health.Status}}', ctr])).stdout.trim() === 'healthy' ? true : undefined), 90_000, 1000);
    const config = JSON.parse(readFileSync(join(configDir, 'openclaw.json'), 'utf8'));
    assert.equal(config.gateway.mode, 'local');
    assert.equal(config.gateway.bind, 'lan');
    assert.deepEqual(config.gateway.controlUi.allowedOrigins, [`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
    assert.equal(statSync(configDir).uid, 1000);
  });

  await t.test('openclaw-cli health through the shared network namespace (token from env)', async () => {
    const gwBefore = (await dc(['ps', '-q', 'openclaw-gateway'])).stdout.trim();
    // -e NAME: the value comes from our environment, so the token is in no argv.
    const ok = await dc(['run', '--rm', '-T', '-e', 'OPENCLAW_GATEWAY_TOKEN', 'openclaw-cli', 'health'], { OPENCLAW_GATEWAY_TOKEN: token });
    assert.equal(ok.code, 0, show(ok));
    assert.match(ok.stdout, /Gateway: healthy .* at ws:\/\/127\.0\.0\.1:18789/);
    const bad = await dc(['run', '--rm', '-T', '-e', 'OPENCLAW_GATEWAY_TOKEN', 'openclaw-cli', 'health'], { OPENCLAW_GATEWAY_TOKEN: 'f'.repeat(64) });
    assert.notEqual(bad.code, 0, `a wrong token must be refused: ${show(bad)}`);
    assert.match(bad.stderr, /token mismatch/);
    // A token exported in the shell must not reach (and recreate) the gateway.
    const plain = await dc(['run', '--rm', '-T', 'openclaw-cli', 'health'], { OPENCLAW_GATEWAY_TOKEN: 'e'.repeat(64) });
    assert.equal(plain.code, 0, `the CLI takes the token from .env: ${show(plain)}`);
    assert.equal((await dc(['ps', '-q', 'openclaw-gateway'])).stdout.trim(), gwBefore, 'the gateway was not recreated');
    const exec = await dc(['exec', '-T', 'openclaw-gateway', 'openclaw', 'health']);
    assert.equal(exec.code, 0, show(exec));
  });

  await t.test('extra mount and home volume in both containers', async () => {
    const gw = await dc(['exec', '-T', 'openclaw-gateway', 'sh', '-c', `cat /mnt/extra/marker && echo home-${id} > /home/node/home-marker && touch /mnt/extra/x 2>/dev/null && echo writable || echo read-only`]);
    assert.equal(gw.code, 0, show(gw));
    assert.equal(gw.stdout, `extra-${id}\nread-only\n`);
    const cli = await dc(['run', '--rm', '-T', '--entrypoint', 'sh', 'openclaw-cli', '-c', 'cat /mnt/extra/marker /home/node/home-marker; ls /home/node/.openclaw/openclaw.json']);
    assert.equal(cli.code, 0, show(cli));
    assert.equal(cli.stdout, `extra-${id}\nhome-${id}\n/home/node/.openclaw/openclaw.json\n`);
    const ctr = (await dc(['ps', '-q', 'openclaw-gateway'])).stdout.trim();
    const mounts = JSON.parse((await run(['docker', 'inspect', '--format', '{{json .Mounts}}', ctr])).stdout) as Array<{ Type: string; Name?: string; Destination: string }>;
    assert.ok(mounts.some((m) => m.Type === 'volume' && m.Name === homeVolume && m.Destination === '/home/node'), JSON.stringify(mounts));
  });

  await t.test('down + up keep config, token and workspace', async () => {
    const w = await dc(['exec', '-T', 'openclaw-gateway', 'sh', '-c', `echo ws-${id} > /home/node/.openclaw/workspace/keep.txt`]);
    assert.equal(w.code, 0, show(w));
    const configBefore = readFileSync(join(configDir, 'openclaw.json'), 'utf8');
    const down = await dc(['down', '--timeout', '5']);
    assert.equal(down.code, 0, show(down));
    assert.equal((await dc(['ps', '-q'])).stdout.trim(), '');
    const up = await dc(['up', '-d', 'openclaw-gateway']);
    assert.equal(up.code, 0, show(up));
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, { deadlineMs: 60_000 });
    assert.equal(readFileSync(join(configDir, 'openclaw.json'), 'utf8'), configBefore);
    assert.equal(tokenOf(), token);
    assert.equal(readFileSync(join(workspaceDir, 'keep.txt'), 'utf8'), `ws-${id}\n`);
    const again = await dc(['run', '--rm', '-T', 'openclaw-cli', 'health'], { OPENCLAW_GATEWAY_TOKEN: token });
    assert.equal(again.code, 0, show(again));
    const home = await dc(['exec', '-T', 'openclaw-gateway', 'cat', '/home/node/home-marker']);
    assert.equal(home.stdout, `home-${id}\n`, 'the home volume survives down (without -v)');
  });

  await t.test('a re-run keeps the token and user lines, and changes nothing', async () => {
    appendFileSync(join(repo, '.env'), 'E2E_USER_LINE=kept\n');
    const r = await setup();
    assert.equal(r.code, 0, show(r));
    // The new line reaches the container through env_file, so compose recreates the gateway; nothing else.
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('changed ')).map((l) => l.replace(/ -f \S+/g, '')), [`changed  docker compose --project-directory ${repo} up -d openclaw-gateway`], r.stderr);
    const again = await setup();
    assert.equal(again.code, 0, show(again));
    assert.doesNotMatch(again.stderr, /^changed /m, again.stderr);
    assert.match(again.stderr, /==> nothing to do/);
    assert.equal(tokenOf(), token);
    assert.match(dotenv(), /^E2E_USER_LINE=kept$/m);
  });

  await t.test('OPENCLAW_SANDBOX=1: the gateway creates a sandbox through the mounted socket', async () => {
    const r = await setup({ OPENCLAW_SANDBOX: '1' });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /Sandbox: +on \(non-main\)/, r.stderr);
    assert.ok(existsSync(join(repo, 'docker-compose.sandbox.yml')));
    const config = JSON.parse(readFileSync(join(configDir, 'openclaw.json'), 'utf8'));
    assert.equal(config.agents.defaults.sandbox.mode, 'non-main');
    assert.equal(config.agents.defaults.sandbox.hostStateDir, configDir);
    const pre = await dc(['exec', '-T', 'openclaw-gateway', 'openclaw', 'config', 'set', 'agents.defaults.sandbox.docker.containerPrefix', prefix]);
    assert.equal(pre.code, 0, show(pre));
    const ex = await dc(['exec', '-T', 'openclaw-gateway', 'openclaw', 'sandbox', 'exec', '--session', `agent:main:e2e-${id}`, '--', 'id', '-u'], {}, 5 * 60_000);
    assert.equal(ex.code, 0, show(ex));
    const uid = Number(ex.stdout.trim());
    assert.ok(Number.isInteger(uid) && uid > 0, `sandbox uid: '${ex.stdout}'`);
    const ps = await run(['docker', 'ps', '--filter', 'label=openclaw.sandbox=1', '--filter', `name=${prefix}`, '--format', '{{.Names}} {{.Image}}']);
    assert.match(ps.stdout, new RegExp(`^${prefix}\\S+ ${sandboxImage.replace(/[.:]/g, '\\$&')}$`, 'm'));
  });

  await t.test('rollback: a socket path that is not a socket → mode off, overlay removed, reason printed', async () => {
    const notSocket = join(state, 'not-a-socket');
    writeFileSync(notSocket, '');
    const r = await setup({ OPENCLAW_SANDBOX: '1', OPENCLAW_DOCKER_SOCKET: notSocket });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, new RegExp(`warn  sandbox: not enabled: ${notSocket.replace(/[.]/g, '\\.')} \\(OPENCLAW_DOCKER_SOCKET\\) is not a socket`));
    assert.match(r.stderr, /Sandbox: +off/);
    assert.ok(!existsSync(join(repo, 'docker-compose.sandbox.yml')), 'overlay removed');
    assert.equal(JSON.parse(readFileSync(join(configDir, 'openclaw.json'), 'utf8')).agents.defaults.sandbox.mode, 'off');
    assert.doesNotMatch(dotenv(), /COMPOSE_FILE=.*sandbox/);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, { deadlineMs: 60_000 });
    const ctr = (await dc(['ps', '-q', 'openclaw-gateway'])).stdout.trim();
    const mounts = (await run(['docker', 'inspect', '--format', '{{json .Mounts}}', ctr])).stdout;
    assert.doesNotMatch(mounts, /docker\.sock/, 'the gateway no longer has the socket');
  });
});
