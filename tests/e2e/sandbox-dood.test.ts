// The gateway in a container, the engine on the host (docker-out-of-docker): mount sources are host
// paths taken from sandbox.hostStateDir / hostWorkspaceDir. Simulated on one machine: the gateway's
// state dir is a symlink (its "container view") to the real dir (the "host view"), so the engine
// must be handed the host view; and a host dir that does not exist fails at create with the hint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { OpenclawConfig } from '../../runtime/config/schema.js';
import { SandboxManager } from '../../runtime/sandbox/manager.js';
import { engineRun, requireEngine, type EngineName } from '../helpers/engine.js';
import { cleanupByLabel, sandboxEngine, sandboxImage, stateDir, testAgentId } from '../helpers/sandbox.js';

function config(agentId: string, image: string, sandbox: Record<string, unknown>): OpenclawConfig {
  return { agents: { defaults: { sandbox: { mode: 'all', scope: 'agent', docker: { image }, ...sandbox } }, list: [{ id: agentId, default: true }] } } as OpenclawConfig;
}

for (const name of ['docker', 'podman'] as EngineName[]) {
  test(`gateway-in-a-container paths on ${name}: a host source missing on the engine host fails at create with the hint`, { timeout: 180_000 }, async (t) => {
    const engine = await requireEngine(t, name);
    if (!engine) return;
    const image = await sandboxImage(engine);
    const agentId = testAgentId();
    cleanupByLabel(t, engine, agentId);
    // Closed before the state dir goes (t.after runs in order): close() flushes usage into it.
    let mgr: SandboxManager | undefined;
    t.after(() => mgr?.close());
    const state = stateDir(t, engine);
    const missing = path.join(state, 'not-on-the-engine-host');
    mgr = new SandboxManager({ config: config(agentId, image, { hostStateDir: missing }), env: { HOME: state, OPENCLAW_STATE_DIR: state }, engine: sandboxEngine(engine) });
    await assert.rejects(mgr.ensure({ agentId }), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'SANDBOX_CREATE', err.message);
      assert.ok(err.message.includes(`${missing}/sandboxes/agent-${agentId}-`), `the engine's error names the host path: ${err.message}`);
      assert.equal(err.hint, 'a mount source is missing on the engine host: when the gateway runs in a container, set sandbox.hostStateDir / hostWorkspaceDir to the host paths');
      return true;
    });
    const ps = await engineRun(engine, ['ps', '-aq', '--filter', `label=openclaw.agentId=${agentId}`], { timeoutMs: 30_000 });
    assert.equal(ps.stdout.trim(), '', 'no half-created container is left');
    assert.equal(fs.existsSync(missing), false, 'the gateway did not create the host path itself');
  });

  test(`gateway-in-a-container paths on ${name}: the engine gets the host view, the gateway sees the files in its own`, { timeout: 180_000 }, async (t) => {
    const engine = await requireEngine(t, name);
    if (!engine) return;
    const image = await sandboxImage(engine);
    const agentId = testAgentId();
    cleanupByLabel(t, engine, agentId);
    let mgr: SandboxManager | undefined;
    t.after(() => mgr?.close());
    const root = stateDir(t, engine);
    const hostView = path.join(root, 'host-view');
    const gatewayView = path.join(root, 'gateway-view');
    fs.mkdirSync(hostView, { mode: 0o755 });
    fs.symlinkSync(hostView, gatewayView);
    mgr = new SandboxManager({ config: config(agentId, image, { workspaceAccess: 'ro', hostStateDir: hostView }), env: { HOME: gatewayView, OPENCLAW_STATE_DIR: gatewayView }, engine: sandboxEngine(engine) });
    fs.mkdirSync(path.join(gatewayView, 'workspace'), { recursive: true });
    fs.writeFileSync(path.join(gatewayView, 'workspace', 'from-agent.txt'), 'agent file\n');
    const sbx = await mgr.ensure({ agentId });
    const mounts = await engineRun(engine, ['inspect', '--format', '{{range .Mounts}}{{.Source}}>{{.Destination}} {{end}}', sbx.name], { timeoutMs: 30_000 });
    const got = mounts.stdout.trim().split(' ').sort();
    assert.deepEqual(got, [`${hostView}/sandboxes/agent-${agentId}-${sbx.name.slice(-8)}>/workspace`, `${hostView}/workspace>/agent`].sort());
    const r = await sbx.exec({ command: 'cat /agent/from-agent.txt && echo from-sandbox > /workspace/out.txt' });
    assert.deepEqual([r.exitCode, r.stdout], [0, 'agent file\n'], r.stderr);
    assert.equal(fs.readFileSync(path.join(sbx.settings.workspaceDir, 'out.txt'), 'utf8'), 'from-sandbox\n');
    assert.ok(sbx.settings.workspaceDir.startsWith(gatewayView + '/'), 'the gateway reads through its own view');
  });
}
