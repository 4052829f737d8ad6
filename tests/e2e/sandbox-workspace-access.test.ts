// workspaceAccess "rw"/"ro" mounts the agent's own workspace, which is never chowned. A root gateway
// runs sandboxes as the image's uid 1000, so a root-owned 0700 workspace must be refused up front
// with the fix, not fail later with "Permission denied" on every command.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { OpenclawConfig } from '../../runtime/config/schema.js';
import { SandboxManager } from '../../runtime/sandbox/manager.js';
import { requireEngine } from '../helpers/engine.js';
import { cleanupByLabel, sandboxEngine, sandboxImage, stateDir, testAgentId } from '../helpers/sandbox.js';

test('rw: an agent workspace the sandbox user cannot write is refused with the fix; after chown it works', { timeout: 180_000 }, async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs a root gateway (the case where sandboxes run as uid 1000)');
    return;
  }
  const engine = await requireEngine(t, 'docker');
  if (!engine) return;
  const image = await sandboxImage(engine);
  const agentId = testAgentId();
  cleanupByLabel(t, engine, agentId);
  let mgr: SandboxManager | undefined;
  t.after(() => mgr?.close());
  const state = stateDir(t, engine);
  const workspace = path.join(state, 'workspace');
  fs.mkdirSync(workspace, { mode: 0o700 });
  const config = { agents: { defaults: { workspace, sandbox: { mode: 'all', scope: 'agent', workspaceAccess: 'rw', docker: { image } } }, list: [{ id: agentId, default: true }] } } as OpenclawConfig;
  mgr = new SandboxManager({ config, env: { HOME: state, OPENCLAW_STATE_DIR: state }, engine: sandboxEngine(engine) });
  await assert.rejects(mgr.ensure({ agentId }), (err: Error & { code?: string; hint?: string }) => {
    assert.equal(err.code, 'SANDBOX_WORKSPACE_ACCESS', err.message);
    assert.match(err.message, new RegExp(`cannot write the agent workspace ${workspace} \\(owner uid 0, mode 700\\)`));
    assert.equal(err.hint, `chown -R 1000:1000 ${workspace}, or set agents.defaults.sandbox.docker.user, or use workspaceAccess "none"`);
    return true;
  });
  fs.chownSync(workspace, 1000, 1000);
  const sbx = await mgr.ensure({ agentId });
  const r = await sbx.exec({ command: 'echo hi > /workspace/made-inside && id -u', timeoutMs: 30_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1000');
  assert.equal(fs.readFileSync(path.join(workspace, 'made-inside'), 'utf8'), 'hi\n');
});
