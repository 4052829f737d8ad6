// Image size: what the gateway image adds on top of its node base (target: at most 40 MB). Builds the
// repo's Dockerfile with the first engine that answers (docker, then rootful, then rootless podman),
// offline from the local base image, and compares `image inspect` sizes.
import {
  ENGINE_NAMES,
  REPO_ROOT,
  defaultBuildArgs,
  engineRun,
  imageSize,
  probeEngine,
  run as runArgv,
  type Engine,
} from '../tests/helpers/engine.js';
import type { BenchRow } from './table.js';

type ImageSizeRow = BenchRow;

function skippedRow(metric: string, unit: string, reason: string, target?: string): ImageSizeRow {
  return { metric, value: Number.NaN, unit, note: `skipped: ${reason}`, ...(target ? { target } : {}) };
}

const METRIC = 'image size over base (runtime - node:24-bookworm-slim)';
const TOTAL = 'image size, total';
const TARGET_MB = 40;
const TAG = 'localhost/openclaw-kit:bench';

async function pickEngine(): Promise<Engine | string> {
  const why: string[] = [];
  for (const name of ['docker', ...ENGINE_NAMES.filter((n) => n !== 'docker')] as const) {
    const p = await probeEngine(name);
    if (p.ok) return p.engine;
    why.push(`${name}: ${p.reason}`);
  }
  return why.join('; ');
}

export async function run(): Promise<ImageSizeRow[]> {
  const engine = await pickEngine();
  if (typeof engine === 'string') {
    return [skippedRow(METRIC, 'MB', `no container engine (${engine})`, `≤ ${TARGET_MB} MB`)];
  }
  const { BASE_IMAGE } = defaultBuildArgs();
  const args = ['build', '-q', '-t', TAG, '--build-arg', `BASE_IMAGE=${BASE_IMAGE}`];
  if (engine.kind === 'podman') args.push('--format', 'docker');
  // (rootless podman, the last resort, needs a checkout its user can read)
  const r = await engineRun(engine, [...args, REPO_ROOT], { timeoutMs: 15 * 60_000 });
  if (r.code !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    return [skippedRow(METRIC, 'MB', `${engine.name} build failed: exit ${r.code}: ${why}`, `≤ ${TARGET_MB} MB`)];
  }
  const [image, base] = [await imageSize(engine, TAG), await imageSize(engine, BASE_IMAGE)];
  await runArgv([...engine.argv, 'rmi', TAG], { timeoutMs: 60_000 });
  const addedMb = (image - base) / 1e6;
  const note = `${engine.name} ${engine.version}, base ${BASE_IMAGE}`;
  return [
    { metric: METRIC, value: addedMb, unit: 'MB', target: `≤ ${TARGET_MB} MB`, pass: addedMb <= TARGET_MB, note },
    { metric: TOTAL, value: image / 1e6, unit: 'MB', baseline: base / 1e6, baselineLabel: 'base image', note },
  ];
}
