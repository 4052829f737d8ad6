// The gateway in a container driving the host's engine: mount sources must be paths on the engine's
// host. sandbox.hostStateDir / hostWorkspaceDir map the gateway's state dir and agent workspace onto
// them (pure units here; tests/e2e/sandbox-dood.test.ts shows a missing source failing at create).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OpenclawConfig } from '../../runtime/config/schema.js';
import { buildCreatePlan, hostPath, type EngineShape } from '../../runtime/sandbox/argv.js';
import { resolveSandbox } from '../../runtime/sandbox/config.js';
import { validateSandbox } from '../../runtime/sandbox/validate.js';

// What the gateway container sees: HOME=/home/node, state in /home/node/.openclaw.
const ENV = { HOME: '/home/node', OPENCLAW_STATE_DIR: '/home/node/.openclaw' };
const DOCKER: EngineShape = { kind: 'docker', rootless: false, hostUser: { uid: 1000, gid: 1000 } };
const PODMAN: EngineShape = { kind: 'podman', rootless: false, hostUser: { uid: 0, gid: 0 } };

function cfg(sandbox: Record<string, unknown>, agent: Record<string, unknown> = {}): OpenclawConfig {
  return { agents: { defaults: { sandbox: { mode: 'all', ...sandbox } }, list: [{ id: 'main', default: true, ...agent }] } } as OpenclawConfig;
}

function plan(c: OpenclawConfig, engine: EngineShape = DOCKER) {
  const s = resolveSandbox(c, {}, ENV);
  validateSandbox(c, s, { backend: engine.kind, rootless: engine.rootless, env: ENV });
  return { s, p: buildCreatePlan(s, engine, { createdAtMs: 1, envFile: '/tmp/e.env' }) };
}

function mountSpecs(argv: string[]): string[] {
  return argv.flatMap((a, i) => (argv[i - 1] === '--mount' || argv[i - 1] === '-v' ? [a] : []));
}

test('workspaceAccess none: the private workspace is mounted from under hostStateDir', () => {
  const { s, p } = plan(cfg({ hostStateDir: '/srv/openclaw/state' }));
  assert.equal(s.workspaceDir, '/home/node/.openclaw/sandboxes/agent-main-f331f052', 'the gateway still writes its own view');
  assert.deepEqual(p.mounts, [{ source: '/srv/openclaw/state/sandboxes/agent-main-f331f052', target: '/workspace', readonly: false }]);
  assert.deepEqual(mountSpecs(p.argv), ['type=bind,source=/srv/openclaw/state/sandboxes/agent-main-f331f052,target=/workspace']);
});

test('workspaceAccess rw: the agent workspace is mounted from hostWorkspaceDir', () => {
  const { p } = plan(cfg({ workspaceAccess: 'rw', hostStateDir: '/srv/openclaw/state', hostWorkspaceDir: '/srv/openclaw/ws' }));
  assert.deepEqual(mountSpecs(p.argv), ['type=bind,source=/srv/openclaw/ws,target=/workspace']);
});

test('workspaceAccess ro: /workspace from hostStateDir, /agent read-only from hostWorkspaceDir (podman relabel kept)', () => {
  const { p } = plan(cfg({ workspaceAccess: 'ro', hostStateDir: '/srv/oc', hostWorkspaceDir: '/srv/ws' }), PODMAN);
  assert.deepEqual(mountSpecs(p.argv), ['type=bind,source=/srv/oc/sandboxes/agent-main-f331f052,target=/workspace,relabel=shared', 'type=bind,source=/srv/ws,target=/agent,readonly,relabel=shared']);
});

test('an agent workspace inside the state dir follows hostStateDir when hostWorkspaceDir is unset', () => {
  const { p } = plan(cfg({ workspaceAccess: 'ro', hostStateDir: '/srv/oc' }));
  assert.deepEqual(p.mounts.map((m) => m.source), ['/srv/oc/sandboxes/agent-main-f331f052', '/srv/oc/workspace']);
});

test('paths outside both dirs, and look-alike prefixes, are left alone', () => {
  const { s } = plan(cfg({ hostStateDir: '/srv/oc', hostWorkspaceDir: '/srv/ws' }));
  assert.equal(hostPath(s, '/home/node/.openclaw-other/x'), '/home/node/.openclaw-other/x');
  assert.equal(hostPath(s, '/home/node/.openclaw/workspace-ops/x'), '/srv/oc/workspace-ops/x');
  assert.equal(hostPath(s, '/home/node/.openclaw/workspace/x/y'), '/srv/ws/x/y');
  assert.equal(hostPath(s, '/home/node/.openclaw'), '/srv/oc');
  assert.equal(hostPath(s, '/data/elsewhere'), '/data/elsewhere');
  // An explicit workspaceRoot outside the state dir is already a host path.
  const { p } = plan(cfg({ hostStateDir: '/srv/oc', workspaceRoot: '/data/sandboxes' }));
  assert.deepEqual(p.mounts.map((m) => m.source), ['/data/sandboxes/agent-main-f331f052']);
});

test('docker.binds under the agent workspace are mapped to the host too (validated on the gateway side)', () => {
  const { p } = plan(cfg({ hostStateDir: '/srv/oc', hostWorkspaceDir: '/srv/ws', docker: { binds: ['/home/node/.openclaw/workspace/data:/data:ro', '/home/node/.openclaw/sandboxes/cache:/cache'] } }));
  assert.deepEqual(mountSpecs(p.argv).slice(1), ['/srv/ws/data:/data:ro', '/srv/oc/sandboxes/cache:/cache']);
  // No host dirs: the binds are passed exactly as written.
  const { p: plain } = plan(cfg({ docker: { binds: ['/home/node/.openclaw/workspace/data/:/data:ro'] } }));
  assert.deepEqual(mountSpecs(plain.argv).slice(1), ['/home/node/.openclaw/workspace/data/:/data:ro']);
});

test('the host dirs are part of the config hash (a change recreates the sandbox)', () => {
  const a = plan(cfg({ hostStateDir: '/srv/a' })).p.configHash;
  const b = plan(cfg({ hostStateDir: '/srv/b' })).p.configHash;
  const none = plan(cfg({})).p.configHash;
  assert.notEqual(a, b);
  assert.notEqual(a, none);
});

test('per-agent host dirs win over the defaults', () => {
  const { p } = plan(cfg({ hostStateDir: '/srv/default' }, { sandbox: { hostStateDir: '/srv/agent' } }));
  assert.deepEqual(p.mounts.map((m) => m.source), ['/srv/agent/sandboxes/agent-main-f331f052']);
});
