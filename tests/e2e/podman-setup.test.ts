// The rootless Podman toolkit for real, as root on the CI box (issue 4, "Must show"):
//
//   1. ./setup-podman.sh --container --user <fresh user>: creates the user, copies the offline base
//      image into its store, builds the gateway image there, installs the launcher, the 0600 token
//      .env and openclaw.json
//   2. the launcher as that user under cron's environment (env -i PATH=/usr/bin:/bin HOME=...)
//   3. /healthz on 127.0.0.1 and an authenticated `openclaw health` (token from the .env file)
//   4. the token is in no /proc/*/cmdline while the gateway runs
//   5. setup again: only `ok` lines, nothing changed, <= 3 s
//   6. --quadlet: the real Quadlet generator accepts the unit and its service passes
//      `systemd-analyze verify --user` with no output; the token is in no unit file
//   7. a real `systemd --user` manager (tests/helpers/systemd-user.ts) with this machine's test-only
//      drop-in: start -> /healthz, stop within 5 s -> inactive, start again works
//
// Setup runs from a snapshot of the working tree (sources + the compiled dist/ this test comes
// from), so concurrent edits to the checkout cannot change the build-context hash mid-test.
// Everything is removed in t.after, also on failure: units, the manager (recorded PIDs only),
// containers, the user (userdel -r), /run/user/UID, cgroup dirs, the linger marker, temp dirs.
//
// Needs root and podman; in CI (CI=true) a missing prerequisite fails, elsewhere the test is skipped
// with the reason.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { test, type TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, freePort, requireEngine, run, waitFor, waitForHttp, type RunResult } from '../helpers/engine.js';
import { cgroupRoots, startTime, startUserManager, systemdBinary, type UserManager } from '../helpers/systemd-user.js';
import { renderGatewayQuadlet } from '../../scripts/podman/unit.js';

const BASE_IMAGE = process.env['OPENCLAW_TEST_BASE_IMAGE'] || 'localhost/node:24-bookworm-slim';
const IMAGE = 'localhost/openclaw-kit:local';
const QUADLETS = ['/usr/libexec/podman/quadlet', '/usr/local/libexec/podman/quadlet', '/usr/lib/podman/quadlet'];
const USER_GENERATORS = ['/usr/local/lib/systemd/user-generators/podman-user-generator', '/usr/lib/systemd/user-generators/podman-user-generator'];
const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SKIP_IN_SNAPSHOT = new Set(['node_modules', 'dist', '.git', 'artifacts', 'tests', 'bench']);

interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function lookup(name: string): Account | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
  }
  return undefined;
}

const ms = (r: { ms: number }) => `${(r.ms / 1000).toFixed(2)} s`;
const out = (r: RunResult) => `${r.stdout}${r.stderr}`;
function brief(r: RunResult, lines = 40): string {
  const exit = r.timedOut ? `timed out after ${ms(r)}` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `${r.argv.join(' ')}: ${exit}\n${out(r).trimEnd().split('\n').slice(-lines).join('\n')}`;
}

/** Every process whose argv contains `needle`: [pid, argv with the needle redacted]. */
function argvContaining(needle: string): Array<[number, string]> {
  const hits: Array<[number, string]> = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes(needle)) hits.push([Number(p), cmdline.split(needle).join('<TOKEN>').replace(/\0/g, ' ')]);
  }
  return hits;
}

/** [pid, uid, argv] for every process; used to find the gateway and to sweep the test user's leftovers. */
function processes(): Array<{ pid: number; uid: number; argv: string[]; start: string | undefined }> {
  const list = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]);
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
      list.push({ pid: Number(p), uid, argv, start: startTime(Number(p)) });
    } catch {
      /* exited meanwhile */
    }
  }
  return list;
}

function subidRanges(file: string, name: string): Array<{ start: number; count: number }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f[0] === name && f.length === 3)
    .map((f) => ({ start: Number(f[1]), count: Number(f[2]) }));
}

/** `--quadlet`/`--container` lines that report a change (anything a re-run must not print). */
const changeLines = (text: string) => text.split('\n').filter((l) => /^(changed|would|warn) /.test(l));

test('rootless podman toolkit on real podman, Quadlet and systemd --user (setup, cron launcher, token hygiene, idempotence, units)', { timeout: 6 * 60_000 }, async (t) => {
  // ---- prerequisites (CI=true: missing ones fail; elsewhere: skip with the reason)
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('must run as root (creates a user, runs runuser/useradd/userdel)');
  const quadlet = QUADLETS.find((p) => existsSync(p));
  if (!quadlet) missing.push(`no Quadlet generator (${QUADLETS.join(', ')})`);
  if (!USER_GENERATORS.some((p) => existsSync(p))) missing.push(`no podman user generator (${USER_GENERATORS.join(', ')})`);
  if (!systemdBinary()) missing.push('no /lib/systemd/systemd');
  for (const cmd of ['runuser', 'useradd', 'userdel', 'unshare', 'systemctl', 'systemd-analyze']) {
    if (!SYS_PATH.split(':').some((d) => existsSync(join(d, cmd)))) missing.push(`no ${cmd} in ${SYS_PATH}`);
  }
  if (cgroupRoots().length === 0) missing.push('no usable cgroup hierarchy under /sys/fs/cgroup');
  if (missing.length === 0) {
    const engine = await requireEngine(t, 'podman'); // throws in CI, skips elsewhere
    if (!engine) return;
    const base = await run(['podman', 'image', 'exists', BASE_IMAGE], { timeoutMs: 30_000 });
    if (base.code !== 0) missing.push(`base image ${BASE_IMAGE} is not in root's podman store (setup copies it into the user's store offline)`);
  }
  if (missing.length > 0) {
    const msg = `openclaw: podman setup e2e unavailable: ${missing.join('; ')} (run: sudo bash /usr/local/sbin/ci-provision, see ENVIRONMENT.md section 8)`;
    if (process.env['CI'] === 'true') throw new Error(`${msg}; CI=true requires it`);
    process.stderr.write(`# skip: ${msg}\n`);
    t.skip(msg);
    return;
  }

  const userName = `oce2e${randomBytes(3).toString('hex')}`;
  const gwPort = await freePort();
  let brPort = await freePort();
  while (brPort === gwPort) brPort = await freePort();
  const scratch = mkdtempSync(join(tmpdir(), 'openclaw-podman-e2e-'));
  chmodSync(scratch, 0o755);
  const snapshot = join(scratch, 'repo');
  const timings: string[] = [];
  const diag: string[] = [];
  let account: Account | undefined;
  let manager: UserManager | undefined;
  let token = '';
  const state = { setup: false, launched: false, quadlet: false, manager: false };

  const setupEnv = {
    PATH: SYS_PATH,
    HOME: '/root',
    LANG: 'C.UTF-8',
    OPENCLAW_BASE_IMAGE: BASE_IMAGE,
    OPENCLAW_PODMAN_GATEWAY_HOST_PORT: String(gwPort),
    OPENCLAW_PODMAN_BRIDGE_HOST_PORT: String(brPort),
  };
  const setup = (mode: '--container' | '--quadlet', timeoutMs = 6 * 60_000) =>
    run(['bash', join(snapshot, 'setup-podman.sh'), mode, '--user', userName], { env: setupEnv, timeoutMs, cwd: scratch });
  const asUser = (argv: readonly string[], timeoutMs = 60_000) =>
    run(['runuser', '-u', userName, '--', 'env', `XDG_RUNTIME_DIR=/run/user/${account!.uid}`, `HOME=${account!.home}`, `PATH=${SYS_PATH}`, ...argv], { timeoutMs });
  const podman = (args: readonly string[], timeoutMs = 60_000) => asUser(['podman', ...args], timeoutMs);
  const openclawHealth = (tok: string) =>
    run([process.execPath, join(REPO_ROOT, 'bin', 'openclaw'), 'health', '--url', `ws://127.0.0.1:${gwPort}`, '--timeout', '10000'], {
      env: { PATH: SYS_PATH, HOME: scratch, OPENCLAW_GATEWAY_TOKEN: tok },
      timeoutMs: 30_000,
    });
  const noTokenInArgv = (when: string) => {
    const hits = argvContaining(token);
    assert.deepEqual(hits, [], `${when}: the token is in the argv of ${hits.length} process(es): ${hits.map(([p, a]) => `${p}: ${a}`).join(' | ')}`);
  };
  const gatewayProcess = () => processes().find((p) => p.uid === account!.uid && p.argv.includes('gateway') && p.argv.includes('--port'));

  /** Run a subtest that needs `needs` (set by an earlier one); on failure print what we know. */
  const step = (name: string, needs: keyof typeof state | undefined, fn: (st: TestContext) => Promise<void>) =>
    t.test(name, async (st) => {
      if (needs && !state[needs]) {
        st.skip(`an earlier step failed (${needs})`);
        return;
      }
      try {
        await fn(st);
      } catch (err) {
        const extra = [...diag];
        if (account && existsSync(account.home)) {
          const logs = await podman(['logs', '--tail', '60', 'openclaw'], 30_000);
          extra.push(`----- podman logs openclaw (as ${userName}):\n${out(logs).trimEnd()}`);
        }
        if (manager) extra.push(`----- systemd --user log:\n${manager.log().trimEnd().split('\n').slice(-40).join('\n')}`);
        const unitLog = account ? `/run/user/${account.uid}/openclaw-unit.log` : '';
        if (unitLog && existsSync(unitLog)) extra.push(`----- unit output:\n${readFileSync(unitLog, 'utf8').trimEnd().split('\n').slice(-40).join('\n')}`);
        for (const d of extra) {
          st.diagnostic(d);
          process.stderr.write(`${d}\n`);
        }
        throw err;
      }
    });

  // ---- cleanup, registered before anything is created; every failure is collected and reported
  t.after(async () => {
    const problems: string[] = [];
    const u = lookup(userName);
    if (manager) {
      const stop = await manager.systemctl(['stop', 'openclaw.service'], { timeoutMs: 30_000 });
      if (stop.code !== 0 && state.manager) problems.push(`systemctl --user stop openclaw: ${brief(stop, 5)}`);
      problems.push(...(await manager.stop()));
    }
    if (u) {
      const rm = await run(['runuser', '-u', userName, '--', 'env', `XDG_RUNTIME_DIR=/run/user/${u.uid}`, `HOME=${u.home}`, `PATH=${SYS_PATH}`, 'podman', 'rm', '-a', '-f', '-t', '0'], { timeoutMs: 60_000 });
      if (rm.code !== 0) problems.push(`podman rm -a -f as ${userName}: ${brief(rm, 5)}`);
      // The rootless pause process (and anything else) still running as the user or its subordinate
      // ids: all belong to this test's fresh user; killed by PID.
      const ranges = existsSync('/etc/subuid') ? subidRanges('/etc/subuid', userName) : [];
      const ours = (uid: number) => uid === u.uid || ranges.some((r) => uid >= r.start && uid < r.start + r.count);
      for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
        const left = processes().filter((p) => ours(p.uid));
        for (const p of left) {
          if (startTime(p.pid) !== p.start) continue;
          try {
            process.kill(p.pid, sig);
          } catch {
            /* gone */
          }
        }
        try {
          await waitFor(`processes of ${userName} to exit`, async () => (processes().some((p) => ours(p.uid)) ? undefined : true), 5_000, 100);
          break;
        } catch {
          if (sig === 'SIGKILL') problems.push(`processes of ${userName} survive SIGKILL: ${processes().filter((p) => ours(p.uid)).map((p) => `${p.pid} ${p.argv.join(' ')}`).join(' | ')}`);
        }
      }
      const del = await run(['userdel', '-r', userName], { timeoutMs: 60_000 });
      // 12 = could not remove the home (reported below if it is still there); mail spool warnings are fine.
      if (del.code !== 0 && del.code !== 12) problems.push(`userdel -r ${userName}: ${brief(del, 5)}`);
      if (existsSync(u.home)) {
        rmSync(u.home, { recursive: true, force: true });
        problems.push(`userdel -r left ${u.home} behind (removed by the test)`);
      }
      for (const f of ['/etc/subuid', '/etc/subgid']) {
        if (existsSync(f) && subidRanges(f, userName).length > 0) problems.push(`${f} still has a range for ${userName} after userdel`);
      }
      for (const p of [`/run/user/${u.uid}`, `/tmp/podman-run-${u.uid}`, `/tmp/storage-run-${u.uid}`, `/tmp/containers-user-${u.uid}`]) rmSync(p, { recursive: true, force: true });
    }
    rmSync(`/var/lib/systemd/linger/${userName}`, { force: true });
    rmSync(scratch, { recursive: true, force: true });
    if (lookup(userName)) problems.push(`user ${userName} still exists`);
    if (problems.length > 0) throw new Error(`openclaw: podman setup e2e cleanup: ${problems.join('; ')}`);
  });

  // ---- the heavy part, once, shared by the ordered steps below
  t.before(async () => {
    // Snapshot: working-tree sources (the build context and the launcher) plus this run's dist/.
    cpSync(REPO_ROOT, snapshot, {
      recursive: true,
      filter: (src) => !relative(REPO_ROOT, src).split(sep).some((part) => SKIP_IN_SNAPSHOT.has(part)),
    });
    for (const d of ['lib', 'runtime', 'scripts']) cpSync(join(REPO_ROOT, 'dist', d), join(snapshot, 'dist', d), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(snapshot, 'node_modules'));
    const r = await setup('--container');
    timings.push(`setup --container (cold: user, base image copy, build): ${ms(r)}`);
    diag.push(`----- ${brief(r, 80)}`);
    account = lookup(userName);
    if (r.code !== 0) throw new Error(`openclaw: setup --container failed: ${brief(r)}`);
    state.setup = true;
  });

  await step('1. setup --container: real user, image built in its store, launcher, 0600 token, openclaw.json', 'setup', async () => {
    const a = account;
    assert.ok(a, `user ${userName} was not created`);
    assert.notEqual(a.uid, 0);
    assert.match(a.shell, /\/(nologin|false)$/, 'the dedicated user gets a nologin shell');
    assert.ok(statSync(a.home).isDirectory() && statSync(a.home).uid === a.uid, `${a.home} owned by ${userName}`);
    for (const f of ['/etc/subuid', '/etc/subgid']) assert.ok(subidRanges(f, userName).some((r) => r.count >= 65536), `${f}: a range of 65536 for ${userName}`);

    const setupOut = diag[0] ?? '';
    assert.match(setupOut, /^changed {2}useradd .*--shell .*\b/m);
    assert.match(setupOut, new RegExp(`^changed {2}copy base image ${BASE_IMAGE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} from root's store`, 'm'));
    assert.match(setupOut, /^changed {2}build localhost\/openclaw-kit:local in /m);

    // Built in the user's own store, labelled with the context hash setup checks on re-runs.
    const label = await podman(['image', 'inspect', '--format', '{{index .Labels "org.openclaw-kit.context"}}', IMAGE]);
    assert.equal(label.code, 0, brief(label));
    assert.match(label.stdout.trim(), /^[0-9a-f]{64}$/);
    const store = await podman(['info', '--format', '{{.Store.GraphRoot}}']);
    assert.equal(store.stdout.trim(), join(a.home, '.local/share/containers/storage'));

    const launcher = join(a.home, 'run-openclaw-podman.sh');
    const ls = statSync(launcher);
    assert.equal(ls.mode & 0o7777, 0o755);
    assert.equal(ls.uid, a.uid);
    assert.equal(readFileSync(launcher, 'utf8'), readFileSync(join(snapshot, 'scripts', 'run-openclaw-podman.sh'), 'utf8'));

    const envFile = join(a.home, '.openclaw', '.env');
    const es = statSync(envFile);
    assert.equal(es.mode & 0o7777, 0o600, '.env is 0600');
    assert.equal(es.uid, a.uid, '.env owned by the user');
    const m = /^OPENCLAW_GATEWAY_TOKEN=([0-9a-f]{64})$/m.exec(readFileSync(envFile, 'utf8'));
    assert.ok(m, '.env holds a 64-hex OPENCLAW_GATEWAY_TOKEN');
    token = m[1]!;
    assert.ok(!setupOut.includes(token), 'setup never prints the token');

    const configFile = join(a.home, '.openclaw', 'openclaw.json');
    assert.equal(statSync(configFile).uid, a.uid);
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { gateway: { mode: string; controlUi: { allowedOrigins: string[] } } };
    assert.equal(config.gateway.mode, 'local');
    assert.ok(config.gateway.controlUi.allowedOrigins.includes(`http://127.0.0.1:${gwPort}`));
    for (const d of ['.openclaw', '.openclaw/workspace']) assert.equal(statSync(join(a.home, d)).mode & 0o777, 0o700, `${d} is 0700`);
    assert.equal(statSync(`/run/user/${a.uid}`).uid, a.uid, '/run/user/UID made for the user');
  });

  await step('2. the launcher as that user under cron\'s environment starts the gateway container', 'setup', async () => {
    const a = account!;
    // Cron passes no environment: the ports come from the allowlisted keys in the user's .env.
    appendFileSync(join(a.home, '.openclaw', '.env'), `OPENCLAW_PODMAN_GATEWAY_HOST_PORT=${gwPort}\nOPENCLAW_PODMAN_BRIDGE_HOST_PORT=${brPort}\n`);
    const r = await run(['runuser', '-u', userName, '--', 'env', '-i', 'PATH=/usr/bin:/bin', `HOME=${a.home}`, join(a.home, 'run-openclaw-podman.sh')], { timeoutMs: 120_000 });
    timings.push(`launcher under cron env: ${ms(r)}`);
    diag.push(`----- ${brief(r)}`);
    assert.equal(r.code, 0, brief(r));
    assert.match(r.stderr, new RegExp(`started openclaw \\([0-9a-f]{12}\\) from ${IMAGE.replace(/[./]/g, '\\$&')} on http://127\\.0\\.0\\.1:${gwPort}/`));
    const ps = await podman(['ps', '--filter', 'name=^openclaw$', '--format', '{{.Names}} {{.Ports}}']);
    assert.match(ps.stdout, new RegExp(`^openclaw .*127\\.0\\.0\\.1:${gwPort}->18789/tcp`, 'm'), brief(ps));
    state.launched = true;
  });

  await step('3. /healthz answers on 127.0.0.1 and an authenticated `openclaw health` succeeds', 'launched', async () => {
    const t0 = performance.now();
    const h = await waitForHttp(`http://127.0.0.1:${gwPort}/healthz`, { deadlineMs: 60_000 });
    timings.push(`launcher to /healthz 200: ${((performance.now() - t0) / 1000).toFixed(2)} s after the launcher returned`);
    assert.equal(h.status, 200);
    const ok = await openclawHealth(token);
    assert.equal(ok.code, 0, brief(ok));
    assert.match(ok.stdout, /^Gateway: healthy /m);
    const wrong = await openclawHealth('0'.repeat(64));
    assert.notEqual(wrong.code, 0, 'a wrong token must be refused (proves the token is what authenticates)');
  });

  await step('4. the token is in no process argv while the gateway runs', 'launched', async () => {
    const gw = gatewayProcess();
    assert.ok(gw, `the gateway process (uid ${account!.uid}) is visible in /proc, so the scan covers it`);
    noTokenInArgv('launcher-run gateway');
  });

  await step('5. setup again: only `ok` lines, nothing changed, within 3 s', 'launched', async () => {
    const a = account!;
    const files = ['run-openclaw-podman.sh', '.openclaw/.env', '.openclaw/openclaw.json'].map((f) => join(a.home, f));
    const before = files.map((f) => ({ f, text: readFileSync(f, 'utf8'), mtime: statSync(f).mtimeMs, ino: statSync(f).ino }));
    const imageBefore = (await podman(['image', 'inspect', '--format', '{{.Id}}', IMAGE])).stdout.trim();
    const r = await setup('--container', 60_000);
    timings.push(`setup --container again (idempotent): ${ms(r)}`);
    assert.equal(r.code, 0, brief(r));
    assert.deepEqual(changeLines(r.stderr), [], `a re-run changed something:\n${r.stderr}`);
    const okLines = r.stderr.split('\n').filter((l) => l.startsWith('ok  '));
    assert.ok(okLines.length >= 8, `expected an ok line per step:\n${r.stderr}`);
    assert.match(r.stderr, /^==> nothing to do in /m);
    assert.match(r.stderr, /^ok {2}image localhost\/openclaw-kit:local in .* is current/m);
    assert.match(r.stderr, /^ok {2}token OPENCLAW_GATEWAY_TOKEN in .* \(kept, mode 0600\)/m);
    assert.ok(r.ms <= 3_000, `re-run took ${ms(r)} (> 3 s)`);
    for (const b of before) {
      assert.equal(readFileSync(b.f, 'utf8'), b.text, `${b.f} changed`);
      assert.equal(statSync(b.f).mtimeMs, b.mtime, `${b.f} was rewritten`);
      assert.equal(statSync(b.f).ino, b.ino, `${b.f} was replaced`);
    }
    assert.equal((await podman(['image', 'inspect', '--format', '{{.Id}}', IMAGE])).stdout.trim(), imageBefore, 'the image was rebuilt');
    noTokenInArgv('after the re-run');
  });

  await step('6. setup --quadlet: the real generator accepts the unit, systemd-analyze verify prints nothing, no token in units', 'setup', async () => {
    const a = account!;
    // The cron-launched container holds the ports and the name: stop it first (tini makes this quick).
    if (state.launched) {
      const stop = await podman(['stop', '-t', '10', 'openclaw']);
      assert.equal(stop.code, 0, brief(stop));
      const rm = await podman(['rm', 'openclaw']);
      assert.equal(rm.code, 0, brief(rm));
    }
    const r = await setup('--quadlet', 120_000);
    timings.push(`setup --quadlet: ${ms(r)}`);
    diag.push(`----- ${brief(r)}`);
    assert.equal(r.code, 0, brief(r));
    assert.match(r.stderr, /Quadlet installed but not started: systemd is not running on this host/);
    assert.match(r.stderr, new RegExp(`^changed {2}write ${a.home}/\\.config/containers/systemd/openclaw\\.container \\(mode 0644, accepted by ${quadlet}\\)`, 'm'));
    if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) assert.match(r.stderr, /^warn {2}cgroups v2 is absent/m);
    assert.ok(existsSync(`/var/lib/systemd/linger/${userName}`), 'linger marker written');

    const dir = join(a.home, '.config', 'containers', 'systemd');
    const file = join(dir, 'openclaw.container');
    const unit = readFileSync(file, 'utf8');
    assert.equal(statSync(file).uid, a.uid);
    assert.equal(
      unit,
      renderGatewayQuadlet({
        image: IMAGE,
        containerName: 'openclaw',
        configDir: join(a.home, '.openclaw'),
        workspaceDir: join(a.home, '.openclaw', 'workspace'),
        envFile: join(a.home, '.openclaw', '.env'),
        gatewayPort: gwPort,
        bridgePort: brPort,
        selinux: false,
      }),
    );
    assert.ok(!unit.includes(token), 'the token is not in openclaw.container');

    const gen = await run([quadlet!, '-dryrun', '-user'], { env: { PATH: SYS_PATH, QUADLET_UNIT_DIRS: dir }, timeoutMs: 30_000 });
    assert.equal(gen.code, 0, brief(gen));
    const marker = '---openclaw.service---';
    assert.ok(gen.stdout.includes(marker), `quadlet -dryrun printed no ${marker}:\n${out(gen)}`);
    const service = gen.stdout.slice(gen.stdout.indexOf(marker) + marker.length).replace(/^\n/, '').split(/^---.*---$/m)[0]!;
    assert.match(service, /^ExecStart=\S*podman run /m);
    assert.match(service, /--env-file \S*\.openclaw\/\.env/);
    assert.ok(!service.includes(token), 'the token is not in the generated service');

    const vdir = join(scratch, 'verify');
    mkdirSync(vdir, { mode: 0o755 });
    writeFileSync(join(vdir, 'openclaw.service'), service, { mode: 0o644 });
    const verify = await asUser(['systemd-analyze', 'verify', '--user', '--man=no', join(vdir, 'openclaw.service')], 30_000);
    assert.equal(verify.code, 0, brief(verify));
    assert.equal(out(verify), '', `systemd-analyze verify must print nothing:\n${out(verify)}`);
    state.quadlet = true;
  });

  await step('7. systemd --user: start -> /healthz, stop within 5 s -> inactive, start again works', 'quadlet', async () => {
    const a = account!;
    // This machine's test-only drop-in (ENVIRONMENT.md section 6): cgroup v1 needs --cgroups=enabled,
    // podman 4.3 leaves the cidfile behind and exits 143 on stop. Plus the unit's output in a file.
    const dropDir = join(a.home, '.config', 'containers', 'systemd', 'openclaw.container.d');
    mkdirSync(dropDir, { recursive: true, mode: 0o755 });
    chownSync(dropDir, a.uid, a.gid);
    const dropIn = join(dropDir, '10-ci.conf');
    writeFileSync(
      dropIn,
      '[Container]\nPodmanArgs=--cgroups=enabled\n[Service]\nExecStartPre=-/usr/bin/rm -f %t/%N.cid\nSuccessExitStatus=143\nStandardOutput=append:%t/openclaw-unit.log\nStandardError=append:%t/openclaw-unit.log\n',
      { mode: 0o644 },
    );
    chownSync(dropIn, a.uid, a.gid);

    const t0 = performance.now();
    manager = await startUserManager({ name: a.name, uid: a.uid, gid: a.gid, home: a.home }, { logFile: join(scratch, 'systemd-user.log') });
    timings.push(`systemd --user ready: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    state.manager = true;
    const ctl = async (...args: string[]) => {
      const r = await manager!.systemctl(args, { timeoutMs: 120_000 });
      assert.equal(r.code, 0, brief(r));
      return r;
    };
    const activeState = async () => {
      const r = await manager!.systemctl(['show', '-p', 'ActiveState', '-p', 'Result', 'openclaw.service']);
      const props = new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
      return [props.get('ActiveState'), props.get('Result')];
    };
    const containers = async () => (await podman(['ps', '-a', '--format', '{{.Names}}'])).stdout.trim().split('\n').filter(Boolean);

    await ctl('daemon-reload');
    const generated = join(manager.runtimeDir, 'systemd', 'generator', 'openclaw.service');
    assert.ok(existsSync(generated), `the user generator made ${generated}`);
    const cat = await ctl('cat', 'openclaw.service');
    for (const [what, text] of [['generated unit', readFileSync(generated, 'utf8')], ['systemctl --user cat', cat.stdout], ['drop-in', readFileSync(dropIn, 'utf8')]] as const) {
      assert.ok(!text.includes(token), `the token is in the ${what}`);
    }

    for (const round of [1, 2]) {
      const s0 = performance.now();
      await ctl('start', 'openclaw.service');
      const h = await waitForHttp(`http://127.0.0.1:${gwPort}/healthz`, { deadlineMs: 60_000 });
      timings.push(`systemctl --user start #${round} to /healthz 200: ${((performance.now() - s0) / 1000).toFixed(2)} s`);
      assert.equal(h.status, 200);
      assert.deepEqual(await activeState(), ['active', 'success']);
      assert.deepEqual(await containers(), ['openclaw'], 'exactly one container, no stale one');
      const health = await openclawHealth(token);
      assert.equal(health.code, 0, brief(health));
      assert.ok(gatewayProcess(), 'the unit\'s gateway process is visible in /proc');
      noTokenInArgv(`Quadlet-run gateway (start #${round})`);

      const stop = await manager.systemctl(['stop', 'openclaw.service'], { timeoutMs: 60_000 });
      timings.push(`systemctl --user stop #${round}: ${ms(stop)}`);
      assert.equal(stop.code, 0, brief(stop));
      assert.ok(stop.ms <= 5_000, `stop took ${ms(stop)} (> 5 s)`);
      assert.deepEqual(await activeState(), ['inactive', 'success'], 'the unit ends inactive, not failed');
      assert.deepEqual(await containers(), [], 'the container is removed on stop');
      await assert.rejects(fetch(`http://127.0.0.1:${gwPort}/healthz`, { signal: AbortSignal.timeout(3_000) }), 'nothing answers after stop');
    }
  });

  t.diagnostic(`timings: ${timings.join('; ')}`);
  process.stderr.write(`# podman setup e2e timings:\n${timings.map((l) => `#   ${l}`).join('\n')}\n`);
});
