// Sandbox e2e helpers: build Dockerfile.sandbox once per engine (tag = content hash, so an unchanged
// file is never rebuilt), a sandbox Engine from a test engine, and label-based cleanup.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Engine as SandboxEngine } from '../../runtime/sandbox/engine.js';
import { buildImage, engineRun, REPO_ROOT, type Engine } from './engine.js';

export function sandboxImageTag(): string {
  const hash = createHash('sha256').update(readFileSync(join(REPO_ROOT, 'Dockerfile.sandbox'))).digest('hex').slice(0, 12);
  return `localhost/openclaw-sandbox-test:${hash}`;
}

const built = new Map<string, Promise<string>>();

/** The sandbox image in this engine's store, built from localhost/debian:bookworm-slim when missing. */
export function sandboxImage(engine: Engine): Promise<string> {
  const tag = sandboxImageTag();
  let p = built.get(engine.name);
  if (!p) {
    p = (async () => {
      const have = await engineRun(engine, ['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 30_000 });
      if (have.code === 0) return tag;
      const ctx = mkdtempSync(join(tmpdir(), 'openclaw-sbx-ctx-'));
      chmodSync(ctx, 0o755);
      writeFileSync(join(ctx, 'Dockerfile'), readFileSync(join(REPO_ROOT, 'Dockerfile.sandbox')), { mode: 0o644 });
      try {
        await buildImage(engine, { context: ctx, tag, buildArgs: { BASE_IMAGE: process.env['OPENCLAW_TEST_SANDBOX_BASE'] || 'localhost/debian:bookworm-slim' } });
      } finally {
        rmSync(ctx, { recursive: true, force: true });
      }
      return tag;
    })();
    built.set(engine.name, p);
    p.catch(() => built.delete(engine.name));
  }
  return p;
}

export function sandboxEngine(engine: Engine): SandboxEngine {
  return { kind: engine.kind, argv: engine.argv, rootless: engine.rootless, hostUser: { uid: engine.user.uid, gid: engine.user.gid }, detectedBy: 'test' };
}

/** A unique agent id; every container the test creates carries openclaw.agentId=<id>. */
export function testAgentId(): string {
  return `e2e${randomBytes(4).toString('hex')}`;
}

/** Remove every container labelled with this agent id, in t.after (runs even when the test fails). */
export function cleanupByLabel(t: TestContext, engine: Engine, agentId: string): void {
  t.after(async () => {
    const ps = await engineRun(engine, ['ps', '-aq', '--filter', `label=openclaw.agentId=${agentId}`], { timeoutMs: 30_000 });
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await engineRun(engine, engine.kind === 'podman' ? ['rm', '-f', '-t', '0', ...ids] : ['rm', '-f', ...ids], { timeoutMs: 60_000 });
  });
}

/** A state dir the rootless engine user can traverse (0755), removed after the test. */
export function stateDir(t: TestContext, engine: Engine): string {
  const dir = mkdtempSync(join(tmpdir(), 'openclaw-sbx-state-'));
  chmodSync(dir, 0o755);
  t.after(async () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      if (engine.rootless) await engineRun(engine, ['unshare', 'rm', '-rf', dir]);
    }
  });
  return dir;
}
