// The gateway image on real engines: rootful podman, rootless podman (as the `ci` user) and docker.
// Per engine: one build, then run it the way the README says and check what an operator relies on:
// /healthz from the host, uid 1000, HEALTHCHECK, `openclaw health` with the env token, a clean
// stop, state surviving `rm -f`, bind-mount ownership, and layer caching on rebuild.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  ENGINE_NAMES,
  REPO_ROOT,
  buildImage,
  defaultBuildArgs,
  engineCheck,
  engineRun,
  imageSize,
  prepareContext,
  requireEngine,
  startContainer,
  tempDir,
  waitFor,
  waitForHttp,
  withDiagnostics,
  writePrivateFile,
  type Container,
  type Engine,
  type EngineName,
} from '../helpers/engine.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TOKEN = `e2e-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const TAG = 'localhost/openclaw-kit:e2e';
const LABEL: Record<EngineName, string> = {
  podman: 'rootful podman',
  'podman-rootless': 'rootless podman (user ci)',
  docker: 'docker',
};
/** A process inside the container: the gateway's uid, found by its argv (tini is PID 1). */
const FIND_GATEWAY = `
const fs = require('fs');
for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
  let argv; try { argv = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0'); } catch { continue; }
  if (argv.includes('gateway') && argv.includes('--bind') && !argv[0].endsWith('tini')) {
    const uid = /^Uid:\\s+(\\d+)/m.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'))[1];
    console.log(pid + ' ' + uid + ' ' + argv.join(' ').trim());
  }
}`;

/** uid:gid the container user (node, 1000) has on the host: the engine user under keep-id. */
function stateOwner(engine: Engine): { uid: number; gid: number } {
  return engine.rootless ? engine.user : { uid: 1000, gid: 1000 };
}

function runFlags(engine: Engine): string[] {
  if (engine.rootless) return ['--userns=keep-id:uid=1000,gid=1000'];
  // docker runs HEALTHCHECK on its own timer: shorten it so "healthy" comes within a second or so.
  if (engine.kind === 'docker') return ['--health-interval=1s', '--health-start-period=0s'];
  return [];
}

function seedStateDir(t: TestContext, engine: Engine): string {
  const owner = stateOwner(engine);
  const dir = tempDir(t, { owner, mode: 0o700, engine });
  writePrivateFile(join(dir, 'openclaw.json'), '{"gateway":{"mode":"local"}}\n', owner);
  return dir;
}

async function startGateway(t: TestContext, engine: Engine, state: string, token: string | null): Promise<Container> {
  return startContainer(t, engine, {
    image: TAG,
    ...(token === null ? {} : { env: { OPENCLAW_GATEWAY_TOKEN: token } }),
    mounts: [{ host: state, container: '/home/node/.openclaw' }],
    args: runFlags(engine),
  });
}

async function assertHealthy(engine: Engine, c: Container): Promise<void> {
  if (engine.kind === 'podman') {
    // No systemd here, so podman's healthcheck timer never fires: run the check ourselves.
    const r = await engineRun(engine, ['healthcheck', 'run', c.name], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `podman healthcheck run: exit ${r.code}: ${r.stdout}${r.stderr}`);
    assert.equal(await c.inspect('{{.State.Health.Status}}'), 'healthy');
    return;
  }
  const status = await waitFor(
    'docker to report the HEALTHCHECK healthy',
    async () => {
      const s = await c.inspect('{{.State.Health.Status}}');
      if (s === 'unhealthy') throw new Error(`openclaw: HEALTHCHECK reported unhealthy: ${await c.inspect('{{json .State.Health}}')}`);
      return s === 'healthy' ? s : undefined;
    },
    60_000,
  );
  assert.equal(status, 'healthy');
}

for (const name of ENGINE_NAMES) {
  test(`gateway image on ${LABEL[name]}`, { timeout: 25 * 60_000 }, async (t) => {
    const engine = await requireEngine(t, name);
    if (!engine) return;
    const context = prepareContext(t);
    const buildArgs = { ...defaultBuildArgs(), OPENCLAW_VERSION: VERSION };
    const build = await buildImage(engine, { context, tag: TAG, buildArgs });
    t.diagnostic(`${engine.name} ${engine.version}: build ${(build.ms / 1000).toFixed(1)} s`);
    const state = seedStateDir(t, engine);
    let first: Container | undefined;

    await t.test('image metadata: labels, healthcheck, user, size over base', withDiagnostics(async () => {
      const fmt = '{{json .Config.Labels}}';
      const labels = JSON.parse((await engineCheck(engine, ['image', 'inspect', '--format', fmt, TAG])).stdout) as Record<string, string>;
      assert.equal(labels['org.opencontainers.image.version'], VERSION);
      assert.equal(labels['org.opencontainers.image.licenses'], 'MIT');
      assert.equal(labels['org.opencontainers.image.base.name'], buildArgs.BASE_IMAGE);
      for (const k of ['title', 'description', 'source']) assert.ok(labels[`org.opencontainers.image.${k}`], `label ${k}`);
      const user = (await engineCheck(engine, ['image', 'inspect', '--format', '{{.Config.User}}', TAG])).stdout.trim();
      assert.equal(user, 'node');
      const hcFmt = engine.kind === 'podman' ? '{{json .HealthCheck}}' : '{{json .Config.Healthcheck}}';
      const hc = (await engineCheck(engine, ['image', 'inspect', '--format', hcFmt, TAG])).stdout;
      assert.match(hc, /"CMD","openclaw","gateway","healthcheck"/, 'HEALTHCHECK kept in the image (podman: --format docker)');
      const added = (await imageSize(engine, TAG)) - (await imageSize(engine, buildArgs.BASE_IMAGE));
      t.diagnostic(`${engine.name}: image adds ${(added / 1e6).toFixed(1)} MB to the base`);
      assert.ok(added <= 40e6, `image adds ${(added / 1e6).toFixed(1)} MB to the base (target <= 40 MB)`);
    }));

    await t.test('--bind lan without a token exits 78 (through tini)', withDiagnostics(async (st) => {
      const c = await startGateway(st, engine, seedStateDir(st, engine), null);
      const r = await engineCheck(engine, ['wait', c.name], { timeoutMs: 60_000 });
      assert.equal(r.stdout.trim(), '78', await c.logs());
      assert.match(await c.logs(), /token/i);
    }));

    await t.test('serves /healthz to the host on 127.0.0.1', withDiagnostics(async (st) => {
      first = await startGateway(t, engine, state, TOKEN);
      const res = await waitForHttp(`${first.url}/healthz`, { container: first, deadlineMs: 60_000 });
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { ok: true, status: 'live' });
      const ui = await fetch(`${first.url}/`);
      assert.equal(ui.status, 200, 'Control UI (dist/ui) is in the image');
      assert.match(ui.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await ui.text(), /<html/i);
      st.diagnostic(`healthz on ${first.url}`);
    }));

    await t.test('the gateway process runs as uid 1000', withDiagnostics(async () => {
      assert.ok(first, 'container from the previous step');
      const r = await first.exec(['node', '-e', FIND_GATEWAY]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `one gateway process, got:\n${r.stdout}`);
      const [, uid] = (lines[0] ?? '').split(' ');
      assert.equal(uid, '1000', lines[0]);
      assert.equal((await first.exec(['id', '-u'])).stdout.trim(), '1000');
    }));

    await t.test('files on the state bind mount belong to the container user on the host', withDiagnostics(async () => {
      assert.ok(first);
      const log = join(state, 'logs', 'gateway.log');
      await waitFor('the gateway log file', async () => (statSync(log, { throwIfNoEntry: false }) ? true : undefined), 30_000, 100);
      const owner = stateOwner(engine);
      const st = statSync(log);
      assert.deepEqual([st.uid, st.gid], [owner.uid, owner.gid], `${log} owned by ${st.uid}:${st.gid}`);
      if (engine.rootless) assert.equal(st.uid, engine.user.uid, `owned by the invoking user ${engine.user.name}`);
    }));

    await t.test('HEALTHCHECK (openclaw gateway healthcheck) reports healthy', withDiagnostics(async () => {
      assert.ok(first);
      await assertHealthy(engine, first);
    }));

    await t.test('openclaw health inside the container authenticates with the env token', withDiagnostics(async () => {
      assert.ok(first);
      const ok = await first.exec(['openclaw', 'health']);
      assert.equal(ok.code, 0, `${ok.stdout}${ok.stderr}`);
      const wrong = await first.exec(['env', 'OPENCLAW_GATEWAY_TOKEN=not-the-token', 'openclaw', 'health']);
      assert.notEqual(wrong.code, 0, `a wrong token must fail: ${wrong.stdout}${wrong.stderr}`);
    }));

    await t.test('config set through exec lands in the mounted state dir', withDiagnostics(async () => {
      assert.ok(first);
      const r = await first.exec(['openclaw', 'config', 'set', 'gateway.controlUi.allowedOrigins', '["http://x.test"]']);
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      assert.match(readFileSync(join(state, 'openclaw.json'), 'utf8'), /http:\/\/x\.test/);
    }));

    await t.test('stop exits cleanly within 10 s (SIGTERM drained, not SIGKILL)', withDiagnostics(async () => {
      assert.ok(first);
      const { ms, exitCode } = await first.stop(10);
      assert.ok([0, 143].includes(exitCode), `exit code ${exitCode} (137 = killed after the stop timeout)`);
      assert.ok(ms < 10_000, `stop took ${Math.round(ms)} ms`);
    }));

    await t.test('state survives rm -f and a new container on the same dir', withDiagnostics(async (st) => {
      assert.ok(first);
      await first.remove();
      const second = await startGateway(st, engine, state, TOKEN);
      await waitForHttp(`${second.url}/healthz`, { container: second, deadlineMs: 60_000 });
      const r = await second.exec(['openclaw', 'config', 'get', 'gateway.controlUi.allowedOrigins', '--json']);
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), ['http://x.test']);
      const log = readFileSync(join(state, 'logs', 'gateway.log'), 'utf8');
      assert.equal(log.match(/gateway\.listening/g)?.length, 2, `one listening line per run in the kept log:\n${log}`);
    }));

    await t.test('a rebuild after a runtime source change reuses the dependency layer', withDiagnostics(async () => {
      appendFileSync(join(context, 'runtime', 'gateway', 'run.ts'), `\n// e2e cache probe ${Date.now()}\n`);
      const again = await buildImage(engine, { context, tag: `${TAG}-rebuild`, buildArgs }, true);
      t.after(() => engineRun(engine, ['rmi', `${TAG}-rebuild`]).then(() => undefined));
      assert.equal(stepCached(engine, again.output, 'RUN npm ci --omit=dev'), true, 'npm ci --omit=dev step reused from cache');
      assert.equal(stepCached(engine, again.output, 'RUN npm run build'), false, 'npm run build ran again');
    }));
  });
}

/**
 * Whether the build step whose instruction contains `instr` came from the cache: BuildKit prints
 * `#N CACHED` for the step's id; podman prints `--> Using cache` right after the step line.
 */
function stepCached(engine: Engine, output: string, instr: string): boolean {
  const lines = output.split('\n');
  if (engine.kind === 'podman') {
    const i = lines.findIndex((l) => /STEP \d+\/\d+: /.test(l) && l.includes(instr));
    assert.ok(i >= 0, `no podman step '${instr}' in the build output`);
    const next = lines.slice(i + 1).find((l) => l.startsWith('-->') || /STEP \d+\/\d+: /.test(l));
    return next?.startsWith('--> Using cache') ?? false;
  }
  const header = lines.find((l) => /^#\d+ \[/.test(l) && l.includes(instr));
  assert.ok(header, `no BuildKit step '${instr}' in the build output`);
  const id = header.split(' ')[0];
  return lines.some((l) => l === `${id} CACHED`);
}

// OPENCLAW_IMAGE_APT_PACKAGES is a bare ARG so that "set but empty" differs from "unset" in
// ${OPENCLAW_IMAGE_APT_PACKAGES-$OPENCLAW_DOCKER_APT_PACKAGES}; BuildKit and buildah both must keep that.
for (const name of ['docker', 'podman'] as const) {
  test(`image build args on ${LABEL[name]}: extra apt packages, legacy fallback, docker CLI`, { timeout: 15 * 60_000 }, async (t) => {
    const engine = await requireEngine(t, name);
    if (!engine) return;
    const context = prepareContext(t);
    const installed = async (tag: string, pkg: string) => {
      const r = await engineRun(engine, ['run', '--rm', '--entrypoint', 'dpkg-query', tag, '-W', '-f=${db:Status-Status}', pkg]);
      return r.stdout.trim() === 'installed';
    };
    const variants: Array<{ args: Record<string, string>; jq: boolean; less: boolean; docker: boolean }> = [
      { args: { OPENCLAW_IMAGE_APT_PACKAGES: 'jq', OPENCLAW_DOCKER_APT_PACKAGES: 'less', OPENCLAW_INSTALL_DOCKER_CLI: '1' }, jq: true, less: false, docker: true },
      { args: { OPENCLAW_DOCKER_APT_PACKAGES: 'less' }, jq: false, less: true, docker: false },
      { args: { OPENCLAW_IMAGE_APT_PACKAGES: '', OPENCLAW_DOCKER_APT_PACKAGES: 'less' }, jq: false, less: false, docker: false },
    ];
    for (const [i, v] of variants.entries()) {
      const label = Object.entries(v.args).map(([k, val]) => `${k}=${JSON.stringify(val)}`).join(' ');
      await t.test(label, withDiagnostics(async () => {
        const tag = `${TAG}-args${i}`;
        await buildImage(engine, { context, tag, buildArgs: { ...defaultBuildArgs(), ...v.args } });
        t.after(() => engineRun(engine, ['rmi', tag]).then(() => undefined));
        assert.equal(await installed(tag, 'jq'), v.jq, 'jq installed');
        assert.equal(await installed(tag, 'less'), v.less, 'less installed');
        const docker = await engineRun(engine, ['run', '--rm', '--entrypoint', 'docker', tag, '--version']);
        assert.equal(docker.code === 0, v.docker, `docker --version: exit ${docker.code}: ${docker.stdout}${docker.stderr}`);
        if (v.docker) assert.match(docker.stdout, /^Docker version \d+\./);
      }));
    }
  });
}
