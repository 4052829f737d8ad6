// Sandbox exec overhead, per engine (docker, rootful podman): a warm `true` through the persistent
// exec channel against one `docker exec`/`podman exec` per call, measured in the same run on the
// same container; and cold create+start (our hardened argv) against a plain `run --rm … true`.
// Every contender is checked for the right answer before it is timed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCreatePlan } from '../runtime/sandbox/argv.js';
import { runEngine, type Engine } from '../runtime/sandbox/engine.js';
import { writeEnvFile } from '../runtime/sandbox/env.js';
import { SandboxManager } from '../runtime/sandbox/manager.js';
import { probeEngine, type EngineName } from '../tests/helpers/engine.js';
import { sandboxEngine, sandboxImage } from '../tests/helpers/sandbox.js';

type Row = { metric: string; value: number; unit: string; baseline?: number; baselineLabel?: string; target?: string; pass?: boolean; note?: string };

const WARM = 300;
const PER_CALL = 100;
const COLD = 5;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function benchEngine(name: EngineName): Promise<Row[]> {
  const probe = await probeEngine(name);
  const label = name === 'podman' ? 'podman' : 'docker';
  if (!probe.ok) return [{ metric: `sandbox warm exec p50 (${label})`, value: Number.NaN, unit: 'ms', note: `skipped: ${probe.reason}` }];
  const image = await sandboxImage(probe.engine);
  const engine: Engine = sandboxEngine(probe.engine);
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'openclaw-bench-sbx-'));
  const agentId = `bench${process.pid}`;
  const config = { agents: { defaults: { sandbox: { mode: 'all' as const, docker: { image } } }, list: [{ id: agentId, default: true }] } };
  const mgr = new SandboxManager({ config, env: { HOME: state, OPENCLAW_STATE_DIR: state }, engine });
  const rm = (n: string) => runEngine(engine, engine.kind === 'podman' ? ['rm', '-f', '-t', '0', n] : ['rm', '-f', n], { timeoutMs: 60_000 });
  const rows: Row[] = [];
  try {
    const sbx = await mgr.ensure({ agentId });
    const check = await sbx.exec({ command: 'echo ok' });
    if (check.stdout !== 'ok\n' || check.via !== 'channel') throw new Error(`channel check failed: ${JSON.stringify(check)}`);
    const perCallCheck = await runEngine(engine, ['exec', sbx.name, '/bin/sh', '-c', 'echo ok']);
    if (perCallCheck.stdout !== 'ok\n') throw new Error(`per-call check failed: ${perCallCheck.stderr}`);
    for (let i = 0; i < 30; i++) await sbx.exec({ command: 'true' });
    const warm: number[] = [];
    for (let i = 0; i < WARM; i++) warm.push(await timeIt(() => sbx.exec({ command: 'true' })));
    const per: number[] = [];
    for (let i = 0; i < PER_CALL; i++) per.push(await timeIt(() => runEngine(engine, ['exec', sbx.name, '/bin/sh', '-c', 'true'])));
    warm.sort((a, b) => a - b);
    per.sort((a, b) => a - b);
    const p50 = pct(warm, 50);
    rows.push({ metric: `sandbox warm exec p50 (${label}, ${WARM}× true via channel)`, value: p50, unit: 'ms', baseline: pct(per, 50), baselineLabel: `one ${label} exec per call (${PER_CALL}×)`, target: '≤ 3 ms', pass: p50 <= 3 });
    rows.push({ metric: `sandbox warm exec p99 (${label})`, value: pct(warm, 99), unit: 'ms', baseline: pct(per, 99), baselineLabel: `one ${label} exec per call` });
    await mgr.close();
    await rm(sbx.name);

    // Cold: our create argv + start, against `run --rm image true` (same image, same engine).
    const ours: number[] = [];
    const raw: number[] = [];
    const s = mgr.settings({ agentId });
    for (let i = 0; i < COLD; i++) {
      const env = await writeEnvFile({ LANG: 'C.UTF-8' });
      const plan = buildCreatePlan({ ...s, scopeKey: `bench:${i}` }, engine, { createdAtMs: Date.now(), envFile: env.file });
      fs.mkdirSync(s.workspaceDir, { recursive: true });
      ours.push(
        await timeIt(async () => {
          const c = await runEngine(engine, plan.argv);
          if (c.code !== 0) throw new Error(`create failed: ${c.stderr}`);
          const st = await runEngine(engine, ['start', plan.name]);
          if (st.code !== 0) throw new Error(`start failed: ${st.stderr}`);
        }),
      );
      await rm(plan.name);
      await env.remove();
      raw.push(
        await timeIt(async () => {
          const r = await runEngine(engine, ['run', '--rm', image, 'true']);
          if (r.code !== 0) throw new Error(`run --rm failed: ${r.stderr}`);
        }),
      );
    }
    const ratio = median(ours) / median(raw);
    rows.push({ metric: `sandbox cold create+start (${label}, median of ${COLD})`, value: median(ours), unit: 'ms', baseline: median(raw), baselineLabel: `${label} run --rm IMAGE true`, target: '≤ 1.2× baseline', pass: ratio <= 1.2, note: `ratio ${ratio.toFixed(2)}×` });
  } finally {
    await mgr.close();
    const ps = await runEngine(engine, ['ps', '-aq', '--filter', `label=openclaw.agentId=${agentId}`]);
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await runEngine(engine, engine.kind === 'podman' ? ['rm', '-f', '-t', '0', ...ids] : ['rm', '-f', ...ids], { timeoutMs: 60_000 });
    fs.rmSync(state, { recursive: true, force: true });
  }
  return rows;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of ['docker', 'podman'] as const) {
    try {
      rows.push(...(await benchEngine(name)));
    } catch (err) {
      rows.push({ metric: `sandbox exec (${name})`, value: Number.NaN, unit: 'ms', note: `skipped: ${(err as Error).message.slice(0, 200)}` });
    }
  }
  return rows;
}
