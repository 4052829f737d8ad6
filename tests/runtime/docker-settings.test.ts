// Pure units of the Docker setup: every variable → its .env line and build arg, read-back from an
// earlier .env (set-but-empty clears), token resolution order, and the generated overlays, including
// every rejected injection attempt (the error names the bad entry and nothing is rendered).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../lib/errors.js';
import { dockerSocket, parseExtraMounts, parseHomeVolume, renderExtraOverlay, renderSandboxOverlay } from '../../scripts/docker/overlays.js';
import { lastNonEmpty, resolveSettings, resolveToken, truthy } from '../../scripts/docker/settings.js';

const HOME = '/home/alice';
const base = { HOME };
const settings = (env: Record<string, string | undefined>, dotenv: Record<string, string> = {}) => resolveSettings({ ...base, ...env }, new Map(Object.entries(dotenv)), { version: '0.1.0' });
const args = (env: Record<string, string | undefined>, dotenv: Record<string, string> = {}) => Object.fromEntries(settings(env, dotenv).buildArgs.map((a) => [a.name, a.value]));

test('defaults: every managed .env line', () => {
  assert.deepEqual(settings({}).dotenv, {
    OPENCLAW_IMAGE: 'openclaw-kit:local',
    OPENCLAW_CONFIG_DIR: '/home/alice/.openclaw',
    OPENCLAW_WORKSPACE_DIR: '/home/alice/.openclaw/workspace',
    OPENCLAW_GATEWAY_PORT: '18789',
    OPENCLAW_GATEWAY_BIND: 'lan',
    OPENCLAW_PUBLISH_HOST: '127.0.0.1',
    OPENCLAW_EXTRA_MOUNTS: '',
    OPENCLAW_HOME_VOLUME: '',
    OPENCLAW_SANDBOX: '0',
    OPENCLAW_DOCKER_SOCKET: '/var/run/docker.sock',
    OPENCLAW_SANDBOX_IMAGE: 'openclaw-sandbox:bookworm-slim',
    OPENCLAW_DISABLE_BONJOUR: '1',
  });
  assert.deepEqual(args({}), { OPENCLAW_VERSION: '0.1.0' });
  assert.equal(settings({}).buildImage, true);
  assert.equal(settings({}).skipOnboarding, false);
});

test('each variable → its .env line', () => {
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ OPENCLAW_IMAGE: 'ghcr.io/acme/openclaw:1.2' }, 'OPENCLAW_IMAGE', 'ghcr.io/acme/openclaw:1.2'],
    [{ OPENCLAW_CONFIG_DIR: '~/oc' }, 'OPENCLAW_CONFIG_DIR', '/home/alice/oc'],
    [{ OPENCLAW_CONFIG_DIR: '/srv/oc/' }, 'OPENCLAW_WORKSPACE_DIR', '/srv/oc/workspace'],
    [{ OPENCLAW_WORKSPACE_DIR: '/srv/ws' }, 'OPENCLAW_WORKSPACE_DIR', '/srv/ws'],
    [{ OPENCLAW_GATEWAY_PORT: '28789' }, 'OPENCLAW_GATEWAY_PORT', '28789'],
    [{ OPENCLAW_GATEWAY_BIND: 'loopback' }, 'OPENCLAW_GATEWAY_BIND', 'loopback'],
    [{ OPENCLAW_PUBLISH_HOST: '0.0.0.0' }, 'OPENCLAW_PUBLISH_HOST', '0.0.0.0'],
    [{ OPENCLAW_IMAGE_APT_PACKAGES: 'git  ffmpeg' }, 'OPENCLAW_IMAGE_APT_PACKAGES', "'git ffmpeg'"],
    [{ OPENCLAW_DOCKER_APT_PACKAGES: 'jq' }, 'OPENCLAW_IMAGE_APT_PACKAGES', 'jq'],
    [{ OPENCLAW_BASE_IMAGE: 'localhost/node:24-bookworm-slim' }, 'OPENCLAW_BASE_IMAGE', 'localhost/node:24-bookworm-slim'],
    [{ OPENCLAW_INSTALL_DOCKER_CLI: 'yes' }, 'OPENCLAW_INSTALL_DOCKER_CLI', '1'],
    [{ OPENCLAW_EXTRA_MOUNTS: ' ~/src:/home/node/src:ro , /data:/data ' }, 'OPENCLAW_EXTRA_MOUNTS', '~/src:/home/node/src:ro,/data:/data'],
    [{ OPENCLAW_HOME_VOLUME: 'openclaw-home' }, 'OPENCLAW_HOME_VOLUME', 'openclaw-home'],
    [{ OPENCLAW_SANDBOX: 'On' }, 'OPENCLAW_SANDBOX', '1'],
    [{ OPENCLAW_SANDBOX: '1' }, 'OPENCLAW_INSTALL_DOCKER_CLI', '1'],
    [{ OPENCLAW_DOCKER_SOCKET: '/run/user/1000/docker.sock' }, 'OPENCLAW_DOCKER_SOCKET', '/run/user/1000/docker.sock'],
    [{ DOCKER_HOST: 'unix:///run/podman/podman.sock' }, 'OPENCLAW_DOCKER_SOCKET', '/run/podman/podman.sock'],
    [{ OPENCLAW_SANDBOX_IMAGE: 'openclaw-sandbox-common:bookworm-slim' }, 'OPENCLAW_SANDBOX_IMAGE', 'openclaw-sandbox-common:bookworm-slim'],
    [{ OPENCLAW_DISABLE_BONJOUR: '0' }, 'OPENCLAW_DISABLE_BONJOUR', '0'],
    [{ OPENCLAW_DISABLE_BONJOUR: '' }, 'OPENCLAW_DISABLE_BONJOUR', '1'],
    [{ COMPOSE_PROJECT_NAME: 'oc-test' }, 'COMPOSE_PROJECT_NAME', 'oc-test'],
  ];
  for (const [env, key, want] of cases) assert.equal(settings(env).dotenv[key], want, `${JSON.stringify(env)} → ${key}`);
  assert.equal(settings({ OPENCLAW_SKIP_ONBOARDING: 'true' }).skipOnboarding, true);
  assert.equal(settings({ OPENCLAW_SKIP_ONBOARDING: 'true' }).dotenv.OPENCLAW_SKIP_ONBOARDING, undefined, 'a per-run switch is never saved');
});

test('build args come from the shared builder, with the legacy apt variable folded in', () => {
  assert.deepEqual(args({ OPENCLAW_IMAGE_APT_PACKAGES: 'git ffmpeg' }), { OPENCLAW_VERSION: '0.1.0', OPENCLAW_IMAGE_APT_PACKAGES: 'git ffmpeg' });
  assert.deepEqual(args({ OPENCLAW_DOCKER_APT_PACKAGES: 'jq' }), { OPENCLAW_VERSION: '0.1.0', OPENCLAW_IMAGE_APT_PACKAGES: 'jq' });
  // Set but empty: none, even with the legacy one set (as the Dockerfile's ${A-$B}).
  assert.deepEqual(args({ OPENCLAW_IMAGE_APT_PACKAGES: '', OPENCLAW_DOCKER_APT_PACKAGES: 'jq' }), { OPENCLAW_VERSION: '0.1.0', OPENCLAW_IMAGE_APT_PACKAGES: '' });
  assert.deepEqual(args({ OPENCLAW_SANDBOX: '1' }), { OPENCLAW_VERSION: '0.1.0', OPENCLAW_INSTALL_DOCKER_CLI: '1' });
  assert.deepEqual(args({ OPENCLAW_BASE_IMAGE: 'localhost/node:24-bookworm-slim' }), { BASE_IMAGE: 'localhost/node:24-bookworm-slim', OPENCLAW_VERSION: '0.1.0' });
  assert.throws(() => args({ OPENCLAW_IMAGE_APT_PACKAGES: 'git; rm -rf /' }), /OPENCLAW_IMAGE_APT_PACKAGES: not a space-separated list/);
});

test('images: local tags are built, published ones pulled', () => {
  assert.equal(settings({ OPENCLAW_IMAGE: 'localhost/openclaw:dev' }).buildImage, true);
  assert.equal(settings({ OPENCLAW_IMAGE: 'mine:local' }).buildImage, true);
  assert.equal(settings({ OPENCLAW_IMAGE: 'ghcr.io/acme/openclaw:latest' }).buildImage, false);
  assert.throws(() => settings({ OPENCLAW_IMAGE: 'docker-archive:/tmp/x.tar' }), /transport prefixes are not supported/);
});

test('a re-run reads earlier values back from .env; the shell wins; set-but-empty clears', () => {
  const dotenv = { OPENCLAW_GATEWAY_PORT: '28789', OPENCLAW_EXTRA_MOUNTS: '/data:/data:ro', OPENCLAW_HOME_VOLUME: 'oc-home', OPENCLAW_SANDBOX: '1' };
  const again = settings({}, dotenv);
  assert.equal(again.port, 28789);
  assert.equal(again.extraMounts.length, 1);
  assert.equal(again.homeVolume?.source, 'oc-home');
  assert.equal(again.sandbox, true);
  assert.deepEqual(again.sources, { OPENCLAW_GATEWAY_PORT: '.env', OPENCLAW_EXTRA_MOUNTS: '.env', OPENCLAW_HOME_VOLUME: '.env', OPENCLAW_SANDBOX: '.env' });
  assert.equal(settings({ OPENCLAW_GATEWAY_PORT: '18800' }, dotenv).port, 18800);
  const cleared = settings({ OPENCLAW_EXTRA_MOUNTS: '', OPENCLAW_HOME_VOLUME: '', OPENCLAW_SANDBOX: '' }, dotenv);
  assert.deepEqual([cleared.extraMounts, cleared.homeVolume, cleared.sandbox], [[], undefined, false]);
  assert.equal(cleared.dotenv.OPENCLAW_EXTRA_MOUNTS, '');
});

test('bad values are usage errors naming the variable', () => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ OPENCLAW_GATEWAY_PORT: '0' }, /OPENCLAW_GATEWAY_PORT: invalid port '0'/],
    [{ OPENCLAW_GATEWAY_PORT: '18789\nEVIL=1' }, /OPENCLAW_GATEWAY_PORT: invalid port '18789\\nEVIL=1'/],
    [{ OPENCLAW_GATEWAY_BIND: 'everywhere' }, /OPENCLAW_GATEWAY_BIND: invalid mode 'everywhere'/],
    [{ OPENCLAW_PUBLISH_HOST: 'example.com' }, /OPENCLAW_PUBLISH_HOST: not an IP address/],
    [{ OPENCLAW_CONFIG_DIR: 'relative/dir' }, /OPENCLAW_CONFIG_DIR: not an absolute path/],
    [{ OPENCLAW_CONFIG_DIR: '/srv/a:b' }, /OPENCLAW_CONFIG_DIR: unsupported character in '\/srv\/a:b'/],
    [{ OPENCLAW_WORKSPACE_DIR: '/srv/$HOME' }, /OPENCLAW_WORKSPACE_DIR: unsupported character/],
    [{ OPENCLAW_SANDBOX: 'maybe' }, /OPENCLAW_SANDBOX: expected 1\/true\/yes\/on or 0\/false\/no\/off, got 'maybe'/],
    [{ OPENCLAW_SKIP_ONBOARDING: 'sure' }, /OPENCLAW_SKIP_ONBOARDING: expected/],
    [{ OPENCLAW_INSTALL_DOCKER_CLI: '2' }, /OPENCLAW_INSTALL_DOCKER_CLI: expected/],
    [{ OPENCLAW_DISABLE_BONJOUR: 'auto' }, /OPENCLAW_DISABLE_BONJOUR: expected/],
    [{ COMPOSE_PROJECT_NAME: 'Bad Name' }, /COMPOSE_PROJECT_NAME: invalid project name/],
    [{ OPENCLAW_SANDBOX_IMAGE: 'a b' }, /OPENCLAW_SANDBOX_IMAGE: invalid image name/],
    [{ OPENCLAW_DOCKER_SOCKET: 'docker.sock' }, /OPENCLAW_DOCKER_SOCKET: socket path 'docker.sock' is not an absolute path/],
  ];
  for (const [env, re] of bad) {
    assert.throws(() => settings(env), (err: unknown) => err instanceof UsageError && err.exitCode === 2 && re.test(err.message), JSON.stringify(env));
  }
});

test('extra mounts: parsed, trimmed, ~ expanded, options', () => {
  assert.deepEqual(parseExtraMounts('~/src:/home/node/src:ro, vol1:/data , /srv/x:/mnt/x:Z', HOME), [
    { type: 'bind', source: '/home/alice/src', target: '/home/node/src', readOnly: true, entry: '~/src:/home/node/src:ro' },
    { type: 'volume', source: 'vol1', target: '/data', readOnly: false, entry: 'vol1:/data' },
    { type: 'bind', source: '/srv/x', target: '/mnt/x', readOnly: false, selinux: 'Z', entry: '/srv/x:/mnt/x:Z' },
  ]);
  assert.deepEqual(parseExtraMounts('  ', HOME), []);
  assert.deepEqual(parseExtraMounts('/with space/dir:/mnt/d', HOME)[0]!.source, '/with space/dir');
});

test('extra mounts: every injection attempt is refused, naming the entry', () => {
  const cases: Array<[string, RegExp]> = [
    ['/a:/b\n    privileged: true', /control character .* in entry '\/a:\/b\\n    privileged: true'/],
    ['/a:/b\r', /control character/],
    ['/a:/b\t', /control character/],
    ['/a:/b:ro:extra', /stray colon .* in entry '\/a:\/b:ro:extra'/],
    ['/srv/a:b:/mnt/x', /target 'b' is not an absolute path in entry '\/srv\/a:b:\/mnt\/x'/],
    ['/a:/b,,/c:/d', /empty entry \(stray comma\)/],
    ['/a:/b,', /empty entry \(stray comma\)/],
    [',/a:/b', /empty entry \(stray comma\)/],
    ['/a', /missing target .* in entry '\/a'/],
    ['/a:', /empty source or target/],
    ['/a:relative', /target 'relative' is not an absolute path/],
    ['relative/dir:/b', /source 'relative\/dir' is not an absolute path/],
    ['/a:/b:rox', /unknown option 'rox'/],
    ['/a:/b:ro,z', /missing target .* in entry 'z'/],
    ['/a/${HOME}:/b', /unsupported character in source/],
    ['/a:/b"]}', /unsupported character in target/],
    ["/a':/b", /unsupported character in source/],
    ['/a/../etc:/b', /contains '\.\.'/],
    ['/a:/home/node', /target \/home\/node is managed by docker-compose.yml in entry '\/a:\/home\/node'/],
    ['/a:/home/node/.openclaw', /target \/home\/node\/.openclaw is managed/],
    ['/a:/home/node/.openclaw/workspace/', /target \/home\/node\/.openclaw\/workspace is managed/],
    ['/var/run/docker.sock:/var/run/docker.sock', /target \/var\/run\/docker.sock is managed/],
    ['/a:/x,/b:/x', /target \/x is mounted twice/],
  ];
  for (const [value, re] of cases) {
    assert.throws(() => parseExtraMounts(value, HOME), (err: unknown) => err instanceof UsageError && err.message.startsWith('OPENCLAW_EXTRA_MOUNTS: ') && re.test(err.message), JSON.stringify(value));
  }
});

test('home volume: names, paths, refusals', () => {
  assert.deepEqual(parseHomeVolume('openclaw_home', HOME), { type: 'volume', source: 'openclaw_home', target: '/home/node', readOnly: false, entry: 'openclaw_home' });
  assert.equal(parseHomeVolume('~/oc-home', HOME)?.source, '/home/alice/oc-home');
  assert.equal(parseHomeVolume('', HOME), undefined);
  for (const v of ['-bad', 'a b', 'vol\nname', 'vol:/x', 'a$b', 'vol,x']) {
    assert.throws(() => parseHomeVolume(v, HOME), (err: unknown) => err instanceof UsageError && err.message.startsWith('OPENCLAW_HOME_VOLUME: '), JSON.stringify(v));
  }
});

const EXTRA_GOLDEN = `# generated by docker-setup.sh from OPENCLAW_EXTRA_MOUNTS and OPENCLAW_HOME_VOLUME, do not edit:
# change those variables (environment or .env) and run ./docker-setup.sh again.
services:
  openclaw-gateway:
    volumes:
      - type: volume
        source: "oc-home"
        target: "/home/node"
      - type: bind
        source: "/home/alice/.openclaw"
        target: "/home/node/.openclaw"
        bind:
          create_host_path: false
      - type: bind
        source: "/home/alice/.openclaw/workspace"
        target: "/home/node/.openclaw/workspace"
        bind:
          create_host_path: false
      - type: bind
        source: "/home/alice/src"
        target: "/home/node/src"
        read_only: true
        bind:
          create_host_path: false
  openclaw-cli:
    volumes:
      - type: volume
        source: "oc-home"
        target: "/home/node"
      - type: bind
        source: "/home/alice/.openclaw"
        target: "/home/node/.openclaw"
        bind:
          create_host_path: false
      - type: bind
        source: "/home/alice/.openclaw/workspace"
        target: "/home/node/.openclaw/workspace"
        bind:
          create_host_path: false
      - type: bind
        source: "/home/alice/src"
        target: "/home/node/src"
        read_only: true
        bind:
          create_host_path: false
volumes:
  "oc-home":
    name: "oc-home"
`;

test('docker-compose.extra.yml: golden, both services, absent when nothing is set', () => {
  const s = settings({ OPENCLAW_EXTRA_MOUNTS: '~/src:/home/node/src:ro', OPENCLAW_HOME_VOLUME: 'oc-home' });
  assert.equal(renderExtraOverlay({ mounts: s.extraMounts, home: s.homeVolume, configDir: s.configDir, workspaceDir: s.workspaceDir }), EXTRA_GOLDEN);
  const none = settings({});
  assert.equal(renderExtraOverlay({ mounts: none.extraMounts, home: none.homeVolume, configDir: none.configDir, workspaceDir: none.workspaceDir }), undefined);
  const onlyMount = renderExtraOverlay({ mounts: parseExtraMounts('/data:/data', HOME), home: undefined, configDir: '/c', workspaceDir: '/w' })!;
  assert.doesNotMatch(onlyMount, /\/home\/node/, 'no home volume: the base binds are not repeated');
  assert.doesNotMatch(onlyMount, /^volumes:/m);
});

test('docker-compose.sandbox.yml: golden; bad socket or gid refused', () => {
  assert.equal(
    renderSandboxOverlay('/var/run/docker.sock', 999),
    `# generated by docker-setup.sh for OPENCLAW_SANDBOX=1, do not edit: run ./docker-setup.sh again
# (without OPENCLAW_SANDBOX it is removed). Only the gateway gets the engine socket.
services:
  openclaw-gateway:
    volumes:
      - type: bind
        source: "/var/run/docker.sock"
        target: "/var/run/docker.sock"
    group_add:
      - "999"
`,
  );
  assert.throws(() => renderSandboxOverlay('/run/x.sock\n  privileged: true', 1), /unsupported character/);
  assert.throws(() => renderSandboxOverlay('/run/x.sock', -1), /DOCKER_GID: invalid group id/);
  assert.deepEqual(dockerSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }), { path: '/var/run/docker.sock', from: 'default' });
});

test('token: environment → config literal → last non-empty .env line → config dir .env → none', () => {
  const T = (c: string) => c.repeat(64);
  const none = { env: {}, configToken: undefined, repoDotenvText: undefined, stateDotenv: new Map<string, string>() };
  assert.equal(resolveToken(none), undefined);
  assert.deepEqual(resolveToken({ ...none, stateDotenv: new Map([['OPENCLAW_GATEWAY_TOKEN', T('d')]]) }), { token: T('d'), source: 'the config dir .env' });
  const text = `OPENCLAW_GATEWAY_TOKEN=${T('a')}\r\nOPENCLAW_GATEWAY_TOKEN=${T('c')}\r\nOPENCLAW_GATEWAY_TOKEN=\n`;
  assert.deepEqual(resolveToken({ ...none, repoDotenvText: text }), { token: T('c'), source: 'the existing .env' });
  assert.deepEqual(resolveToken({ ...none, repoDotenvText: text, configToken: T('b') }), { token: T('b'), source: 'gateway.auth.token in openclaw.json' });
  assert.equal(resolveToken({ ...none, repoDotenvText: text, configToken: { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' } })?.token, T('c'), 'a SecretRef is not a token');
  assert.deepEqual(resolveToken({ ...none, repoDotenvText: text, configToken: T('b'), env: { OPENCLAW_GATEWAY_TOKEN: T('e') } }), { token: T('e'), source: 'OPENCLAW_GATEWAY_TOKEN from the environment' });
  assert.throws(() => resolveToken({ ...none, env: { OPENCLAW_GATEWAY_TOKEN: 'short' } }), /unsupported token format \(length 5\)/);
  assert.throws(() => resolveToken({ ...none, env: { OPENCLAW_GATEWAY_TOKEN: `${T('a')}$x` } }), /unsupported token format/);
  assert.equal(lastNonEmpty('X=a=b=c\n', 'X'), 'a=b=c', '= inside the value is kept');
});

test('truthy', () => {
  for (const v of ['1', 'true', 'YES', 'on']) assert.equal(truthy(v, 'X'), true);
  for (const v of [undefined, '', '0', 'false', 'No', 'off']) assert.equal(truthy(v, 'X'), false);
});

// `docker compose config` parses and validates without a daemon: the generated overlays and the base
// file together must be accepted, and the values must land where they were meant to.
test('docker compose config accepts the base file with both overlays', (t) => {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    if (process.env.CI === 'true') assert.fail('docker compose is missing (CI=true requires it)');
    t.skip('docker compose not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'oc-compose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = new URL('../../../', import.meta.url).pathname;
  const s = settings({ OPENCLAW_EXTRA_MOUNTS: '/srv/with space:/mnt/s:ro,vol1:/data', OPENCLAW_HOME_VOLUME: 'oc-home', OPENCLAW_CONFIG_DIR: '/srv/oc' });
  writeFileSync(join(dir, 'extra.yml'), renderExtraOverlay({ mounts: s.extraMounts, home: s.homeVolume, configDir: s.configDir, workspaceDir: s.workspaceDir })!);
  writeFileSync(join(dir, 'sandbox.yml'), renderSandboxOverlay('/var/run/docker.sock', 998));
  const r = spawnSync('docker', ['compose', '--project-directory', repo, '-p', 'oc-config-test', '-f', join(repo, 'docker-compose.yml'), '-f', join(dir, 'extra.yml'), '-f', join(dir, 'sandbox.yml'), 'config', '--format', 'json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/home/alice', OPENCLAW_CONFIG_DIR: '/srv/oc', OPENCLAW_GATEWAY_TOKEN: 'x'.repeat(64) },
  });
  assert.equal(r.status, 0, r.stderr);
  const cfg = JSON.parse(r.stdout) as { services: Record<string, { volumes: Array<{ source: string; target: string; read_only?: boolean }>; group_add?: string[]; ports?: Array<{ host_ip: string; published: string }>; environment: Record<string, string | null> }>; volumes: Record<string, { name: string }> };
  const gw = cfg.services['openclaw-gateway']!;
  const cli = cfg.services['openclaw-cli']!;
  for (const svc of [gw, cli]) {
    assert.ok(svc.volumes.some((v) => v.source === '/srv/with space' && v.target === '/mnt/s' && v.read_only === true));
    assert.ok(svc.volumes.some((v) => v.source === 'oc-home' && v.target === '/home/node'));
    assert.ok(svc.volumes.some((v) => v.source === '/srv/oc' && v.target === '/home/node/.openclaw'));
    assert.equal(svc.environment.OPENCLAW_STATE_DIR, '/home/node/.openclaw', 'container paths are pinned');
    assert.equal(svc.environment.OPENCLAW_GATEWAY_PORT, '18789');
  }
  assert.ok(gw.volumes.some((v) => v.target === '/var/run/docker.sock'));
  assert.ok(!cli.volumes.some((v) => v.target === '/var/run/docker.sock'), 'only the gateway gets the socket');
  assert.deepEqual(gw.group_add, ['998']);
  assert.deepEqual(gw.ports?.map((p) => [p.host_ip, p.published]), [['127.0.0.1', '18789']]);
  assert.equal(cfg.volumes['oc-home']?.name, 'oc-home');
});

test('the hint for a /home/node mount points at OPENCLAW_HOME_VOLUME', () => {
  assert.throws(() => parseExtraMounts('/a:/home/node', HOME), (err: unknown) => err instanceof UsageError && err.hint === 'use OPENCLAW_HOME_VOLUME for /home/node');
});
