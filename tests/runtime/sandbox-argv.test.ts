// Pure units: the create argv for a matrix of configs on both backends (golden), every refusal (key
// named, fix given), naming, env filtering, tool policy, patch/edit, and the channel field encoding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OpenclawConfig } from '../../runtime/config/schema.js';
import { validate } from '../../runtime/config/schema-dsl.js';
import { configSchema } from '../../runtime/config/schema.js';
import { buildCreatePlan, containerName, type EngineShape } from '../../runtime/sandbox/argv.js';
import { unescapeChunk } from '../../runtime/sandbox/channel.js';
import { resolveSandbox } from '../../runtime/sandbox/config.js';
import { filterEnv } from '../../runtime/sandbox/env.js';
import { escapeField } from '../../runtime/sandbox/helper.js';
import { effectivePolicy, isToolAllowed } from '../../runtime/sandbox/policy.js';
import { SandboxConfigError, validateSandbox } from '../../runtime/sandbox/validate.js';
import { applyHunks, parsePatch, replaceExact } from '../../runtime/tools/patch.js';

const ENV = { HOME: '/home/u', OPENCLAW_STATE_DIR: '/home/u/.openclaw' };
const DOCKER: EngineShape = { kind: 'docker', rootless: false, hostUser: { uid: 1001, gid: 1001 } };
const PODMAN_ROOT: EngineShape = { kind: 'podman', rootless: false, hostUser: { uid: 0, gid: 0 } };
const PODMAN_ROOTLESS: EngineShape = { kind: 'podman', rootless: true, hostUser: { uid: 1001, gid: 1001 } };

function cfg(sandbox: Record<string, unknown>, agent: Record<string, unknown> = {}): OpenclawConfig {
  return { agents: { defaults: { sandbox: { mode: 'all', ...sandbox } }, list: [{ id: 'main', default: true, ...agent }, { id: 'ops' }] } } as OpenclawConfig;
}

function argv(c: OpenclawConfig, engine: EngineShape, input = {}): string {
  const s = resolveSandbox(c, input, ENV);
  validateSandbox(c, s, { backend: engine.kind, rootless: engine.rootless, env: ENV });
  return buildCreatePlan(s, engine, { createdAtMs: 1, envFile: '/tmp/e/container.env' }).argv.join(' ').replace(/configHash=[0-9a-f]{64}/, 'configHash=H');
}

const LABELS = (key: string, be: string) => `--label openclaw.sandbox=1 --label openclaw.sessionKey=${key} --label openclaw.agentId=main --label openclaw.backend=${be} --label openclaw.createdAtMs=1 --label openclaw.configHash=H`;

test('golden create argv: defaults on docker (gateway uid 1001)', () => {
  assert.equal(
    argv(cfg({}), DOCKER),
    `create --name openclaw-sbx-agent-main-f331f052 --hostname openclaw-sbx-agent-main-f331f052 --init ${LABELS('agent:main', 'docker')} --read-only --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run --network none --user 1001:1001 --cap-drop ALL --security-opt no-new-privileges --pids-limit 256 --memory 1g --workdir /workspace --mount type=bind,source=/home/u/.openclaw/sandboxes/agent-main-f331f052,target=/workspace --env-file /tmp/e/container.env openclaw-sandbox:bookworm-slim sleep infinity`,
  );
});

test('golden create argv: defaults on rootful podman as root (image user 1000, /run dropped)', () => {
  assert.equal(
    argv(cfg({}), PODMAN_ROOT),
    `create --name openclaw-sbx-agent-main-f331f052 --hostname openclaw-sbx-agent-main-f331f052 --init ${LABELS('agent:main', 'podman')} --read-only --tmpfs /tmp --tmpfs /var/tmp --network none --user 1000:1000 --cap-drop ALL --security-opt no-new-privileges --pids-limit 256 --memory 1g --http-proxy=false --read-only-tmpfs=false --workdir /workspace --mount type=bind,source=/home/u/.openclaw/sandboxes/agent-main-f331f052,target=/workspace,relabel=shared --env-file /tmp/e/container.env openclaw-sandbox:bookworm-slim sleep infinity`,
  );
});

test('golden create argv: rootless podman keep-id, ro workspace, session scope, every docker key', () => {
  const c = cfg({
    scope: 'session',
    workspaceAccess: 'ro',
    docker: { image: 'localhost/x:1', workdir: '/workspace', tmpfs: ['/tmp:size=64m'], network: 'bridge', capDrop: ['ALL'], pidsLimit: 64, memory: '512m', memorySwap: '512m', cpus: 1.5, ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 128 }, seccompProfile: '/etc/seccomp.json', apparmorProfile: 'docker-default', dns: ['1.1.1.1', ' '], extraHosts: ['h:10.0.0.1'], binds: ['/home/u/.openclaw/workspace/data:/data:ro'] },
  });
  assert.equal(
    argv(c, PODMAN_ROOTLESS, { sessionKey: 'agent:main:telegram:42' }),
    `create --name openclaw-sbx-agent-main-telegram-42-2b8334be --hostname openclaw-sbx-agent-main-telegram-42-2b8334be --init ${LABELS('agent:main:telegram:42', 'podman')} --read-only --tmpfs /tmp:size=64m --network bridge --userns=keep-id --user 1001:1001 --cap-drop ALL --security-opt no-new-privileges --security-opt seccomp=/etc/seccomp.json --security-opt apparmor=docker-default --dns 1.1.1.1 --add-host h:10.0.0.1 --pids-limit 64 --memory 512m --memory-swap 512m --cpus 1.5 --ulimit nofile=1024:2048 --ulimit nproc=128 --http-proxy=false --read-only-tmpfs=false --workdir /workspace --mount type=bind,source=/home/u/.openclaw/sandboxes/agent-main-telegram-42-2b8334be,target=/workspace,relabel=shared --mount type=bind,source=/home/u/.openclaw/workspace,target=/agent,readonly,relabel=shared -v /home/u/.openclaw/workspace/data:/data:ro --env-file /tmp/e/container.env localhost/x:1 sleep infinity`,
  );
});

test('golden create argv: rw workspace, shared scope, explicit user, DooD host paths', () => {
  const c = cfg({ scope: 'shared', workspaceAccess: 'rw', hostStateDir: '/srv/oc', hostWorkspaceDir: '/srv/ws', docker: { user: '2000:2000', readOnlyRoot: false, pidsLimit: 0, memory: 0 } }, { sandbox: { docker: { memory: '9g' } } });
  assert.equal(
    argv(c, DOCKER),
    `create --name openclaw-sbx-shared-a4d26868 --hostname openclaw-sbx-shared-a4d26868 --init --label openclaw.sandbox=1 --label openclaw.sessionKey=shared --label openclaw.agentId=main --label openclaw.backend=docker --label openclaw.createdAtMs=1 --label openclaw.configHash=H --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run --network none --user 2000:2000 --cap-drop ALL --security-opt no-new-privileges --workdir /workspace --mount type=bind,source=/srv/ws,target=/workspace --env-file /tmp/e/container.env openclaw-sandbox:bookworm-slim sleep infinity`,
  );
  assert.deepEqual(resolveSandbox(c, {}, ENV).ignoredOverrides, ['agents.list[main].sandbox.docker']);
});

test('per-agent overrides win per key; env merged; binds concatenated', () => {
  const c = cfg({ docker: { env: { A: '1', B: '1' }, binds: ['/home/u/.openclaw/workspace/a:/a'] } }, { sandbox: { docker: { env: { B: '2' }, binds: ['/home/u/.openclaw/workspace/b:/b'], network: 'bridge' } } });
  const s = resolveSandbox(c, {}, ENV);
  assert.deepEqual(s.docker.env, { LANG: 'C.UTF-8', A: '1', B: '2' });
  assert.deepEqual(s.docker.binds, ['/home/u/.openclaw/workspace/a:/a', '/home/u/.openclaw/workspace/b:/b']);
  assert.equal(s.docker.network, 'bridge');
  assert.equal(resolveSandbox(c, { agentId: 'ops' }, ENV).docker.network, 'none');
  assert.equal(resolveSandbox(cfg({ mode: 'non-main' }), {}, ENV).sandboxed, false);
  assert.equal(resolveSandbox(cfg({ mode: 'non-main' }), { sessionKey: 'agent:main:x' }, ENV).sandboxed, true);
});

const REFUSALS: Array<[string, Record<string, unknown>, RegExp, EngineShape?]> = [
  ['network host', { network: 'host' }, /docker\.network: "host"/],
  ['container join', { network: 'container:abc' }, /joins another namespace/],
  ['ns join', { network: 'ns:/proc/1/ns/net' }, /joins another namespace/],
  ['seccomp unconfined', { seccompProfile: 'unconfined' }, /seccompProfile: "unconfined"/],
  ['apparmor unconfined', { apparmorProfile: 'Unconfined' }, /apparmorProfile: "unconfined"/],
  ['docker socket', { binds: ['/var/run/docker.sock:/var/run/docker.sock'], dangerouslyAllowExternalBindSources: true }, /never mounted|engine or daemon socket/],
  ['podman socket', { binds: ['/home/u/podman.sock:/s'], dangerouslyAllowExternalBindSources: true }, /engine or daemon socket/],
  ['/etc', { binds: ['/etc:/host-etc:ro'], dangerouslyAllowExternalBindSources: true }, /\/etc is never mounted/],
  ['/proc', { binds: ['/proc/1:/p'], dangerouslyAllowExternalBindSources: true }, /\/proc is never mounted/],
  ['/sys', { binds: ['/sys:/s'], dangerouslyAllowExternalBindSources: true }, /\/sys is never mounted/],
  ['/dev', { binds: ['/dev:/d'], dangerouslyAllowExternalBindSources: true }, /\/dev is never mounted/],
  ['/root', { binds: ['/root:/r'], dangerouslyAllowExternalBindSources: true }, /\/root is never mounted/],
  ['/boot', { binds: ['/boot:/b'], dangerouslyAllowExternalBindSources: true }, /\/boot is never mounted/],
  ['/run', { binds: ['/run/x:/x'], dangerouslyAllowExternalBindSources: true }, /\/run is never mounted/],
  ['whole fs', { binds: ['/:/host'], dangerouslyAllowExternalBindSources: true }, /whole host filesystem/],
  ['~/.ssh', { binds: ['/home/u/.ssh:/ssh:ro'], dangerouslyAllowExternalBindSources: true }, /\.ssh \(credentials\)/],
  ['~/.aws', { binds: ['/home/u/.aws:/a'], dangerouslyAllowExternalBindSources: true }, /\.aws \(credentials\)/],
  ['home (contains secrets)', { binds: ['/home/u:/home'], dangerouslyAllowExternalBindSources: true }, /credentials/],
  ['state dir', { binds: ['/home/u/.openclaw/identity:/id'], dangerouslyAllowExternalBindSources: true }, /gateway state dir/],
  ['target /workspace', { binds: ['/home/u/.openclaw/workspace/x:/workspace/x'] }, /mounts over \/workspace/],
  ['target /agent', { binds: ['/home/u/.openclaw/workspace/x:/agent'] }, /mounts over \/agent/],
  ['external source', { binds: ['/srv/data:/data'] }, /outside the sandbox workspaces/],
  ['relative source', { binds: ['data:/data'] }, /absolute host path/],
  ['bad format', { binds: ['/a'] }, /not source:target/],
  ['propagation', { binds: ['/home/u/.openclaw/workspace/x:/x:rshared'] }, /option "rshared"/],
  ['tmpfs over workspace', { tmpfs: ['/workspace'] }, /would hide the workspace/],
  ['env newline', { env: { A: 'x\ny' } }, /docker\.env\.A/],
  ['rootless root user', { user: '0:0' }, /docker\.user: "0:0" is root/, PODMAN_ROOTLESS],
  ['podman tmpfs over /run', { tmpfs: ['/run'] }, /hides \/run\/podman-init/, PODMAN_ROOT],
  ['podman bind over podman-init', { binds: ['/home/u/.openclaw/workspace/x:/run/podman-init'] }, /hides \/run\/podman-init/, PODMAN_ROOT],
];

for (const [name, docker, re, engine = DOCKER] of REFUSALS) {
  test(`refused: ${name} (names the key and the fix)`, () => {
    const c = cfg({ docker });
    const s = resolveSandbox(c, {}, ENV);
    assert.throws(
      () => validateSandbox(c, s, { backend: engine.kind, rootless: engine.rootless, env: ENV }),
      (err: SandboxConfigError) => {
        assert.ok(err instanceof SandboxConfigError, String(err));
        assert.match(err.message, /^sandbox: agents\.defaults\.sandbox\.docker\./);
        assert.match(err.message, re);
        assert.ok(err.hint && err.hint.length > 10, 'a fix is given');
        assert.equal(err.exitCode, 78);
        return true;
      },
    );
  });
}

test('refusals name the per-agent key when the agent set it', () => {
  const c = cfg({}, { sandbox: { docker: { network: 'host' } } });
  assert.throws(() => validateSandbox(c, resolveSandbox(c, {}, ENV), { backend: 'docker', rootless: false }), /agents\.list\[0\]\.sandbox\.docker\.network/);
});

test('container:* allowed only with dangerouslyAllowContainerNamespaceJoin', () => {
  const c = cfg({ docker: { network: 'container:x', dangerouslyAllowContainerNamespaceJoin: true } });
  const w = validateSandbox(c, resolveSandbox(c, {}, ENV), { backend: 'docker', rootless: false });
  assert.ok(w.some((x) => x.includes('dangerouslyAllowContainerNamespaceJoin')));
});

test('schema: typed sandbox keys; typos are errors', () => {
  assert.deepEqual(validate(configSchema, cfg({ docker: { pidsLimit: 10, memory: '1g', ulimits: { nofile: { soft: 1, hard: 2 } } } })), []);
  const issues = validate(configSchema, cfg({ docker: { netwrok: 'none' }, mode: 'sometimes' }));
  assert.ok(issues.some((i) => /did you mean 'network'/.test(i.message)));
  assert.ok(issues.some((i) => /expected one of/.test(i.message)));
});

test('names: deterministic, ≤ 63 chars, hash-suffixed', () => {
  assert.equal(containerName('openclaw-sbx-', 'agent:main'), 'openclaw-sbx-agent-main-f331f052');
  const long = containerName('a-very-long-prefix-here-', `agent:${'x'.repeat(200)}`);
  assert.ok(long.length <= 63, long);
  assert.notEqual(containerName('p-', 'agent:A'), containerName('p-', 'agent:a'));
});

test('env filter drops secrets and invalid names; host env is never read', () => {
  const r = filterEnv({ OPENCLAW_GATEWAY_TOKEN: 'x', OPENAI_API_KEY: 'x', GITHUB_TOKEN: 'x', AWS_SECRET_ACCESS_KEY: 'x', DB_PASSWORD: 'x', 'BAD-NAME': 'x', LANG: 'C.UTF-8', PATH: '/opt/bin:/usr/bin' });
  assert.deepEqual(r.env, { LANG: 'C.UTF-8', PATH: '/opt/bin:/usr/bin' });
  assert.equal(r.blocked.length, 6);
  process.env['SOME_HOST_ONLY'] = 'y';
  const plan = buildCreatePlan(resolveSandbox(cfg({}), {}, ENV), DOCKER, { createdAtMs: 1, envFile: 'f' });
  assert.deepEqual(plan.env, { LANG: 'C.UTF-8' });
  assert.ok(!plan.argv.some((a) => a.includes('SOME_HOST_ONLY') || a.startsWith('-e')));
});

test('config hash changes with settings, not with time', () => {
  const s = resolveSandbox(cfg({}), {}, ENV);
  const a = buildCreatePlan(s, DOCKER, { createdAtMs: 1, envFile: 'x' }).configHash;
  assert.equal(buildCreatePlan(s, DOCKER, { createdAtMs: 2, envFile: 'y' }).configHash, a);
  assert.notEqual(buildCreatePlan(resolveSandbox(cfg({ docker: { memory: '2g' } }), {}, ENV), DOCKER, { createdAtMs: 1, envFile: 'x' }).configHash, a);
  assert.notEqual(buildCreatePlan(s, PODMAN_ROOTLESS, { createdAtMs: 1, envFile: 'x' }).configHash, a);
});

test('tool policy: defaults, deny wins, empty allow = all, explicit allow lifts a default deny', () => {
  const base = effectivePolicy({}, 'main');
  assert.ok(isToolAllowed(base, 'exec') && !isToolAllowed(base, 'browser') && !isToolAllowed(base, 'telegram') && !isToolAllowed(base, 'unknown_tool'));
  const all = effectivePolicy({ tools: { sandbox: { tools: { allow: [] } } } } as OpenclawConfig, 'main');
  assert.ok(isToolAllowed(all, 'unknown_tool') && !isToolAllowed(all, 'gateway'));
  const lifted = effectivePolicy({ tools: { sandbox: { tools: { alsoAllow: ['browser'] } } } } as OpenclawConfig, 'main');
  assert.ok(isToolAllowed(lifted, 'browser'));
  const denied = effectivePolicy({ tools: { sandbox: { tools: { allow: ['*'], deny: ['exec', 'sessions_*'] } } } } as OpenclawConfig, 'main');
  assert.ok(!isToolAllowed(denied, 'exec') && !isToolAllowed(denied, 'sessions_list') && isToolAllowed(denied, 'read'));
  const perAgent = effectivePolicy({ tools: { sandbox: { tools: { deny: ['read'] } } }, agents: { list: [{ id: 'main', tools: { sandbox: { tools: { deny: ['write'] } } } }] } } as OpenclawConfig, 'main');
  assert.ok(isToolAllowed(perAgent, 'read') && !isToolAllowed(perAgent, 'write'));
  assert.ok(isToolAllowed(effectivePolicy({ tools: { sandbox: { tools: { allow: ['group:fs'] } } } } as OpenclawConfig, 'main'), 'apply_patch'));
});

test('edit: exact, unique unless replaceAll', () => {
  assert.deepEqual(replaceExact('a b a', 'b', 'c', 'f'), { text: 'a c a', count: 1 });
  assert.throws(() => replaceExact('a b a', 'a', 'c', 'f'), /occurs 2 times/);
  assert.deepEqual(replaceExact('a b a', 'a', 'c', 'f', true), { text: 'c b c', count: 2 });
  assert.throws(() => replaceExact('abc', 'x', 'y', 'f'), /not found/);
});

test('apply_patch: parse add/update/delete/move; hunks apply; mismatches refused', () => {
  const ops = parsePatch('*** Begin Patch\n*** Add File: n.txt\n+hi\n*** Update File: a.txt\n*** Move to: b.txt\n@@ def f\n x\n-y\n+z\n*** Delete File: d.txt\n*** End Patch');
  assert.deepEqual(ops.map((o) => `${o.kind}:${o.file}`), ['add:n.txt', 'update:a.txt', 'delete:d.txt']);
  assert.equal(applyHunks('x\ny\nw\n', [[' x', '-y', '+z']], 'a'), 'x\nz\nw\n');
  assert.throws(() => applyHunks('x\nq\n', [[' x', '-y', '+z']], 'a'), /does not match/);
  assert.throws(() => parsePatch('*** Update File: a\n'), /Begin Patch/);
  assert.throws(() => parsePatch('*** Begin Patch\n*** Add File: a\n+x\n'), /End Patch/);
});

test('channel encoding round-trips every byte', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const field = escapeField(all);
  assert.doesNotMatch(field, /[\s]/);
  assert.equal(escapeField(''), '-');
  assert.equal(escapeField('-'), '\\x2d');
  assert.deepEqual(unescapeChunk(Buffer.from('a\\\\b\\nc')), Buffer.from('a\\b\nc'));
});
