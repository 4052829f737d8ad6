// What is already there before the wizard asks anything: openclaw.json as written (with its
// references), ~/.openclaw/.env as a file (not mixed with the shell), and the shell environment.
// Re-runs start from this, so an answer nobody changes keeps its value, token and keys included.
import { readDotenv } from '../../lib/dotenv.js';
import { readFileIfExists } from '../../lib/fsutil.js';
import { resolvePaths, type StatePaths } from '../../lib/paths.js';
import { ConfigError, parseJson5 } from '../config/load.js';
import { getAt } from '../config/keypath.js';

export interface Current {
  paths: StatePaths;
  configExists: boolean;
  envFileExists: boolean;
  /** openclaw.json as written ({} when missing or under --reset). */
  raw: Record<string, unknown>;
  /** ~/.openclaw/.env entries the wizard may keep (empty under --reset). */
  dotenv: Map<string, string>;
  /** ~/.openclaw/.env as it is on disk, to tell what a write would change. */
  fileEnv: Map<string, string>;
  /** The process environment without what main.ts copied in from ~/.openclaw/.env. */
  shell: Record<string, string | undefined>;
  reset: boolean;
}

export async function readCurrent(env: NodeJS.ProcessEnv, reset: boolean): Promise<Current> {
  const paths = resolvePaths(env);
  const text = await readFileIfExists(paths.configPath);
  const fileEnv = await readDotenv(paths.envFile);
  const envFileExists = (await readFileIfExists(paths.envFile)) !== undefined;
  let raw: Record<string, unknown> = {};
  if (text !== undefined && !reset) {
    try {
      raw = parseJson5(paths.configPath, text);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(paths.configPath, err.problems, 'fix the file, or start over with: openclaw onboard --reset --yes (the old file is kept as .bak)');
      throw err;
    }
  }
  // main.ts fills unset variables from the env file; a value equal to the file's came from there
  // (or is the same secret either way), so it is not a second source.
  const shell: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (fileEnv.get(k) !== v) shell[k] = v;
  return { paths, configExists: text !== undefined, envFileExists, raw, dotenv: reset ? new Map() : fileEnv, fileEnv, shell, reset };
}

export function at<T = unknown>(cur: Current, path: string): T | undefined {
  return getAt(cur.raw, path.split('.')) as T | undefined;
}

/** The variable a configured secret points at: `{source:"env", id}` or a whole-string `${VAR}`. */
export function envRefName(value: unknown): string | undefined {
  if (typeof value === 'string') return /^\$\{([A-Z_][A-Z0-9_]*)\}$/.exec(value)?.[1];
  if (value !== null && typeof value === 'object') {
    const ref = value as { source?: unknown; id?: unknown };
    if (ref.source === 'env' && typeof ref.id === 'string') return ref.id;
  }
  return undefined;
}

/** A literal secret in openclaw.json (not a reference), which the wizard moves to the env file. */
export function literalSecret(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && envRefName(value) === undefined ? value : undefined;
}

/** Where a variable's value is now: the env file wins (it is what the daemon reads), then the shell. */
export function lookupVar(cur: Current, name: string): { value: string; from: 'env-file' | 'environment' } | undefined {
  const file = cur.dotenv.get(name);
  if (file) return { value: file, from: 'env-file' };
  const shell = cur.shell[name];
  if (shell) return { value: shell, from: 'environment' };
  return undefined;
}

export function envRef(id: string): { source: 'env'; provider: 'default'; id: string } {
  return { source: 'env', provider: 'default', id };
}
