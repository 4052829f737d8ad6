// From answers to files: collect every step's planned edits, show exactly what would change (keys,
// never secret values), and only then write: validate first, env file next (so the config's
// references resolve), openclaw.json last. Each file is replaced atomically with a .bak beside it.
import { promises as fs } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { upsertDotenv } from '../../lib/dotenv.js';
import { ensurePrivateDir, readFileIfExists, writeFileAtomic } from '../../lib/fsutil.js';
import { tildify } from '../../lib/paths.js';
import { getAt } from '../config/keypath.js';
import { applyEdits, checkRaw, writeConfig } from '../config/store.js';
import { STEPS, type Ctx, type Plan } from './steps.js';

export interface Built {
  plan: Plan;
  after: Record<string, unknown>;
  /** `key = value` lines for keys whose value changes (values are references, never secrets). */
  configChanges: string[];
  writeConfig: boolean;
  /** Env-file entries whose value changes, with why (never the value). */
  envChanges: Array<{ key: string; why: string }>;
  dirs: string[];
}

function show(value: unknown): string {
  if (value !== null && typeof value === 'object' && (value as { source?: unknown }).source === 'env') return `env:${(value as { id: string }).id}`;
  return JSON.stringify(value);
}

export function buildPlan(ctx: Ctx): Built {
  const plan: Plan = { edits: [], env: {}, envWhy: {}, dirs: [] };
  for (const step of STEPS) step.contribute(ctx, plan);
  const before = ctx.cur.raw;
  const after = applyEdits(before, plan.edits);
  const configChanges: string[] = [];
  for (const edit of plan.edits) {
    const key = edit.path.join('.');
    const old = getAt(before, edit.path);
    if (edit.unset) {
      if (old !== undefined) configChanges.push(`unset ${key}`);
    } else if (!isDeepStrictEqual(old, edit.value)) configChanges.push(`${key} = ${show(edit.value)}`);
  }
  const envChanges = Object.entries(plan.env)
    .filter(([k, v]) => ctx.cur.fileEnv.get(k) !== v)
    .map(([key]) => ({ key, why: plan.envWhy[key] ?? '' }));
  return {
    plan,
    after,
    configChanges,
    writeConfig: configChanges.length > 0 || !ctx.cur.configExists || ctx.cur.reset,
    envChanges,
    dirs: plan.dirs,
  };
}

export function nothingToDo(b: Built): boolean {
  return !b.writeConfig && b.envChanges.length === 0 && b.dirs.length === 0;
}

/** The summary shown before anything is written. */
export function summary(ctx: Ctx, b: Built): string[] {
  const { configPath, envFile } = ctx.cur.paths;
  const lines: string[] = [];
  if (nothingToDo(b)) {
    lines.push(`Nothing to change: ${tildify(configPath)} and ${tildify(envFile)} already hold these answers.`);
    return lines;
  }
  lines.push('These files will be written (nothing has been written yet):');
  if (b.writeConfig) {
    lines.push(`  ${tildify(configPath)}  (mode 0600${ctx.cur.configExists ? '; the current file is kept as openclaw.json.bak' : ''})`);
    if (ctx.cur.reset && ctx.cur.configExists) lines.push('    starting over: every other setting in the current file is dropped');
    for (const c of b.configChanges) lines.push(`    ${c}`);
    if (b.configChanges.some((c) => c.includes('= env:'))) lines.push('    (env:VAR is a reference {source:"env", id:VAR}: the value stays in the env file)');
  }
  if (b.envChanges.length > 0) {
    lines.push(`  ${tildify(envFile)}  (mode 0600${ctx.cur.envFileExists ? '; the current file is kept as .env.bak' : ''}; values not shown)`);
    const width = Math.max(...b.envChanges.map((e) => e.key.length));
    for (const e of b.envChanges) lines.push(`    ${e.key.padEnd(width)}  ${ctx.cur.fileEnv.has(e.key) ? 'replaced' : 'added'}: ${e.why}`);
  }
  for (const d of b.dirs) lines.push(`  ${tildify(d)}/  (new directory, mode 0700)`);
  return lines;
}

export interface Applied {
  config: 'written' | 'unchanged';
  env: string[];
  dirs: string[];
  backups: string[];
}

export async function applyPlan(ctx: Ctx, b: Built, out: (line: string) => void): Promise<Applied> {
  const { configPath, envFile, stateDir } = ctx.cur.paths;
  const env = { ...process.env, ...b.plan.env };
  // Validate the final document (with the new env entries) before touching any file.
  checkRaw(configPath, b.after, env);
  const backups: string[] = [];
  await ensurePrivateDir(stateDir);
  for (const dir of b.dirs) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    out(`changed  created ${tildify(dir)}/`);
  }
  if (b.envChanges.length > 0) {
    const current = await readFileIfExists(envFile);
    if (current !== undefined) {
      await writeFileAtomic(`${envFile}.bak`, current, { mode: 0o600 });
      backups.push(`${envFile}.bak`);
    }
    await upsertDotenv(envFile, Object.fromEntries(b.envChanges.map((e) => [e.key, b.plan.env[e.key]!])));
    for (const e of b.envChanges) out(`changed  ${tildify(envFile)}: ${e.key} (${e.why})`);
  } else if (Object.keys(b.plan.env).length > 0 || ctx.cur.envFileExists) {
    out(`ok  ${tildify(envFile)} (unchanged)`);
  }
  if (b.writeConfig) {
    if (ctx.cur.configExists) backups.push(`${configPath}.bak`);
    await writeConfig(configPath, b.after, { env });
    for (const c of b.configChanges) out(`changed  ${tildify(configPath)}: ${c}`);
    if (b.configChanges.length === 0) out(`changed  ${tildify(configPath)}`);
  } else {
    out(`ok  ${tildify(configPath)} (unchanged)`);
  }
  for (const [k, v] of Object.entries(b.plan.env)) process.env[k] = v;
  return { config: b.writeConfig ? 'written' : 'unchanged', env: b.envChanges.map((e) => e.key), dirs: b.dirs, backups };
}
